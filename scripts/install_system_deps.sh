#!/usr/bin/env bash
# Debian packages the test suite needs: Chromium (browser tests). Idempotent; a no-op when present.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
else
  echo "note: chromium is not installed and cannot be installed here; browser tests will skip" >&2
fi
