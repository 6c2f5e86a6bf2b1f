#!/usr/bin/env bash
# The API reference: @effect/docgen writes packages/<pkg>/docs/ (Markdown, one page per module) from
# the JSDoc, after type-checking and running every @example of the documented modules. The examples
# run with the workspace's sources (the @effect-plex/source condition) and a temporary
# XDG_CONFIG_HOME (an example keeps a client identifier); none of them talks to a network.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
config=$(mktemp -d)
trap 'rm -rf "$config"' EXIT
for pkg in core node; do
  (cd "packages/$pkg" && XDG_CONFIG_HOME="$config" NODE_OPTIONS="--conditions=@effect-plex/source" docgen)
done
