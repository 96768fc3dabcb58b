#!/usr/bin/env bash
# Set up ./.venv (with dev tools) and run every test, lint included. Browser tests need
# Debian's chromium and chromium-driver; they are installed here when missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null
  else
    echo "warning: chromium/chromedriver missing and not root: browser tests will fail" >&2
  fi
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/pytest "$@"
