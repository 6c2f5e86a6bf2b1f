#!/usr/bin/env bash
# Installs Debian's chromium for the browser test (examples/browser/test), when it is missing.
# Idempotent: does nothing when /usr/bin/chromium already runs. Needs root (apt-get) otherwise.
set -euo pipefail

if [ -x /usr/bin/chromium ] && /usr/bin/chromium --version >/dev/null 2>&1; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
