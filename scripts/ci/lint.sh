#!/usr/bin/env bash
# Lint: eslint with @effect/eslint-plugin's dprint rule (Effect's formatting, its TypeScript plugin
# shipped in the npm package) and no barrel imports in the packages. Installs the workspace when
# needed (frozen lockfile); downloads nothing at run time. `pnpm lint:fix <file>` formats a file.
set -euo pipefail
cd "$(dirname "$0")/../.."
PNPM="npx -y pnpm@10.34.9"
[ -x node_modules/.bin/eslint ] || $PNPM install --frozen-lockfile
$PNPM lint
