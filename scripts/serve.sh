#!/usr/bin/env bash
# Install Stagedoor and serve it on embedded defaults: SQLite under ./.stagedoor/, migrations
# applied, in-process worker, console notifier, demo data. Extra arguments go to `stagedoor serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
exec .venv/bin/stagedoor serve --demo "$@"
