#!/usr/bin/env bash
# Installs Debian's tmux when it is missing: the plex-auth terminal tests
# (packages/node/test/plex-auth-terminal.test.ts) run the CLI inside a tmux pane, a real terminal,
# to type into its prompts and read its screen. Idempotent: does nothing when `tmux -V` already
# runs. Needs root (apt-get) otherwise.
set -euo pipefail

if command -v tmux >/dev/null 2>&1 && tmux -V >/dev/null 2>&1; then
  echo "tmux: $(tmux -V)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends tmux >/dev/null
echo "tmux: $(tmux -V)"
