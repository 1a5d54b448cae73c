#!/usr/bin/env bash
# Installs Debian's chromium for the dashboard's browser tests, once.
# The tests drive it with playwright-core, which ships no browser of its own; the Debian package is used
# so that no download from a browser vendor's CDN is needed. Idempotent: does nothing when it is there.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

# Root can install directly; anyone else needs passwordless sudo. Without either, say so and leave
# the decision to the tests (they skip locally and fail under CI=true).
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "install-browser: /usr/bin/chromium is missing and apt-get needs root; the browser tests cannot run" >&2
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-browser: installing chromium with apt-get" >&2
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null
