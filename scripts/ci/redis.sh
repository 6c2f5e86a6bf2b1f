#!/usr/bin/env bash
# Installs Debian's redis-server for the Redis tests (packages/node/test/Redis*.test.ts), when it is missing.
# Idempotent: does nothing when redis-server already runs. Needs root (apt-get) otherwise.
# The tests start their own redis-server on 127.0.0.1 at a random port: the package's own service is stopped
# and disabled here where systemd runs it, so nothing listens on 6379 for nothing.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1 && redis-server --version >/dev/null 2>&1; then
  echo "redis-server: $(redis-server --version)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
echo "redis-server: $(redis-server --version)"
