#!/usr/bin/env bash
# Refreshes the locks (requirements/app.lock, requirements/test.lock) to the newest versions
# pyproject.toml's ranges allow, and moves them into place only after the whole test suite has
# passed with them in a fresh virtual environment. Usage: bash scripts/lock.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check "pip-tools>=7.4"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"  # the header the lock files carry
compile() {  # compile OUT [--extra test]
  local out=$1; shift
  python3 -m piptools compile --quiet --upgrade --generate-hashes --strip-extras --allow-unsafe \
    --no-emit-index-url --no-emit-find-links "$@" -o "$work/$out" pyproject.toml
}
compile app.lock
compile test.lock --extra test
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$work/test.lock"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
echo "Running the test suite with the refreshed versions…"
"$work/venv/bin/python" -m pytest -q "$@"
mkdir -p requirements
cp "$work/app.lock" "$work/test.lock" requirements/
echo "Locks refreshed: requirements/app.lock, requirements/test.lock"
