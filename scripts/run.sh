#!/usr/bin/env bash
# Set up ./.venv and start the app on the embedded default (builds the index on first run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python app.py "$@"
