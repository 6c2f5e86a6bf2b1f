#!/usr/bin/env bash
# Installs Debian's openssl command when it is missing: PlexTvServer's TLS-only fake Plex Media
# Server (packages/node/src/testing/internal/mediaServers.ts) makes its self-signed certificate with
# it when a test starts one (packages/node/test/connect.test.ts, examples/connect.ts via its test).
# Idempotent: does nothing when `openssl version` already runs. Needs root (apt-get) otherwise.
set -euo pipefail

if command -v openssl >/dev/null 2>&1 && openssl version >/dev/null 2>&1; then
  echo "openssl: $(openssl version)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends openssl >/dev/null
echo "openssl: $(openssl version)"
