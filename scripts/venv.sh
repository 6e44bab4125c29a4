#!/usr/bin/env bash
# Create (or reuse) ./.venv and install Stagedoor into it; `dev` adds the test and lint tools.
set -euo pipefail
cd "$(dirname "$0")/.."
extras=""
[ "${1:-}" = "dev" ] && extras="[dev]"

if ! .venv/bin/python -c "import sys; assert sys.version_info >= (3, 11)" 2>/dev/null; then
  rm -rf .venv
  if ! python3 -m venv .venv 2>/dev/null; then
    # Debian ships venv's pip bootstrap separately.
    rm -rf .venv
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check uv
# The partner plugins shipped in plugins/ are separate distributions; dev installs them too,
# so that their tests run with the suite (and their entry points are found).
plugins=()
if [ "${1:-}" = "dev" ]; then
  for dir in plugins/*/; do [ -f "${dir}pyproject.toml" ] && plugins+=(-e "${dir%/}"); done
fi
.venv/bin/uv pip install -q --python .venv/bin/python -e ".${extras}" "${plugins[@]}"
