#!/usr/bin/env bash
# The Debian packages some tests need, installed in one apt-get run when any is missing: openssl
# (the fake media server that speaks only TLS), tmux (plex-auth in a real terminal), redis-server
# (the fleet tests) and chromium (the browser sign-in page). Idempotent. Each of the scripts beside
# this one installs its own package alone; this one exists so CI updates the package lists once.
# When a package cannot be installed (no root, no Debian), the tests that need it say so and skip.
set -euo pipefail

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
{ [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; } || missing+=(chromium fonts-dejavu-core)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # a redis-server started by the package is not the one the tests use
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl disable --now redis-server >/dev/null 2>&1 || true
  fi
fi
echo "openssl: $(openssl version)"
echo "tmux: $(tmux -V)"
echo "redis-server: $(redis-server --version)"
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
