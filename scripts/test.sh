#!/usr/bin/env bash
# Install everything (PostgreSQL and Redis from Debian's packages, Python dependencies) and run
# the whole suite: lint (ruff, mypy --strict on the core, import-linter) and every test on the
# real servers. Idempotent; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash .ci/services
bash scripts/venv.sh dev
export PATH="$PWD/.venv/bin:$PATH"
export STAGEDOOR_TEST_POSTGRES_URL="${STAGEDOOR_TEST_POSTGRES_URL:-postgresql://stagedoor:stagedoor@127.0.0.1:5432/stagedoor_test}"
export STAGEDOOR_TEST_REDIS_URL="${STAGEDOOR_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
nox --no-venv --sessions lint tests
echo "scripts/test.sh: finished in $(( $(date +%s) - started ))s"
