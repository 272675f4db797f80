#!/usr/bin/env bash
# Installs, then runs the whole test suite: core, pages (AppTest) and the browser journeys.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
exec python3 -m pytest "$@"
