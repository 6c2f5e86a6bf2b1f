#!/usr/bin/env bash
# The consumer test: packs @effect-plex/core and @effect-plex/node as they would be published,
# checks them with publint and attw (profile esm-only: the packages are ESM only), installs the
# tarballs with npm into a fresh project outside the workspace (the README's install command),
# checks that none of @effect/platform-node and its cluster, sql and rpc peers came along, runs a
# program there with tsx and the plex-auth command, then adds the optional peer
# @effect/platform-node and runs @effect-plex/node/platform, and type-checks both programs under
# moduleResolution NodeNext and Bundler.
#
# Needs Node 20+ and npm (the npm registry). Builds the packages first unless CONSUMER_SKIP_BUILD=1
# (when `pnpm build` has just run). Idempotent; leaves nothing behind but npm's cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PNPM="npx -y pnpm@10.34.9"
EFFECT_RANGE="^3.22.4"
PLATFORM_RANGE="^0.97.2"
PLATFORM_NODE_RANGE="^0.108.2"

fail() { step "$*" >&2; exit 1; }
SECONDS=0
step() { echo "consumer [${SECONDS}s]: $*"; }

if [ "${CONSUMER_SKIP_BUILD:-}" != 1 ]; then $PNPM build >/dev/null; fi
[ -f packages/node/dist/bin/plex-auth.js ] || fail "packages/node is not built (run pnpm build)"

WORK=$(mktemp -d /tmp/effect-plex-consumer.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/packs" "$WORK/app"

step "packing"
for pkg in core node; do
  (cd "packages/$pkg" && $PNPM pack --pack-destination "$WORK/packs" >/dev/null)
done
CORE=$(ls "$WORK"/packs/effect-plex-core-*.tgz)
NODE=$(ls "$WORK"/packs/effect-plex-node-*.tgz)

step "publint and attw"
for tarball in "$CORE" "$NODE"; do
  "$ROOT/node_modules/.bin/publint" run --strict "$tarball"
  "$ROOT/node_modules/.bin/attw" --profile esm-only --format table-flipped "$tarball"
done

step "npm install in $WORK/app"
cd "$WORK/app"
cat > package.json <<'JSON'
{ "name": "effect-plex-consumer", "private": true, "type": "module" }
JSON
cp "$ROOT/scripts/consumer/app.ts" "$ROOT/scripts/consumer/platform.ts" "$ROOT/scripts/consumer/cli.ts" .
# the README's install command, with the packed tarballs for the two package names
npm install --no-audit --no-fund --loglevel=warn \
  "$CORE" "$NODE" "effect@$EFFECT_RANGE" "@effect/platform@$PLATFORM_RANGE" >install.log 2>&1 \
  || { cat install.log; fail "npm install failed"; }
npm install --no-audit --no-fund --loglevel=warn --save-dev tsx@~4.21.1 typescript@~5.9.3 @types/node@~20.19.8 \
  >>install.log 2>&1 || { cat install.log; fail "npm install of the dev tools failed"; }
# (npm's notes on install scripts are about msgpackr-extract, of @effect/platform, and tsx's esbuild)
if grep -Ei "ERESOLVE|peer dep|Failed to create bin|npm warn|npm WARN" install.log | grep -v "install-scripts"; then
  fail "npm install warned (above)"
fi
for light in @effect/platform-node @effect/cli @effect/cluster @effect/sql @effect/rpc; do
  [ ! -e "node_modules/$light" ] || fail "$light was installed: @effect-plex/node must not need it"
done

step "run with tsx"
XDG_CONFIG_HOME="$WORK/config" PLEX_PRODUCT="Consumer Test" npx --no-install tsx app.ts >run.log 2>&1 \
  || { cat run.log; fail "the program failed"; }
cat run.log
grep -q "^signed in as fake-owner (account 10000001), PIN " run.log || fail "unexpected output"
[ -s "$WORK/config/effect-plex/consumer-test/client-identifier" ] || fail "no client identifier in effect-plex/consumer-test"


step "plex-auth"
[ -x node_modules/.bin/plex-auth ] || fail "no plex-auth command"
version=$(node_modules/.bin/plex-auth --version 2>&1) || fail "plex-auth --version failed: $version"
echo "plex-auth --version: $version"
# the built command against the local fake: login --password, whoami --json, logout
XDG_CONFIG_HOME="$WORK/config" npx --no-install tsx cli.ts || fail "plex-auth against the local fake plex.tv failed"

step "the optional peer, @effect-plex/node/platform"
npm install --no-audit --no-fund --loglevel=error "@effect/platform-node@$PLATFORM_NODE_RANGE" >>install.log 2>&1 \
  || { cat install.log; fail "npm install @effect/platform-node failed"; }
npx --no-install tsx platform.ts || fail "platform.ts failed"

typecheck() { # $1: module, $2: moduleResolution
  cat > tsconfig.json <<JSON
{
  "compilerOptions": {
    "target": "ES2022", "module": "$1", "moduleResolution": "$2", "strict": true,
    "exactOptionalPropertyTypes": true, "noEmit": true, "skipLibCheck": true, "types": ["node"]
  },
  "files": ["app.ts", "platform.ts", "cli.ts"]
}
JSON
  npx --no-install tsc -p tsconfig.json || fail "the programs do not type-check under moduleResolution $2"
}
step "type-check (NodeNext, Bundler)"
typecheck NodeNext NodeNext
typecheck ESNext Bundler
step "ok"
