#!/usr/bin/env bash
# Installs, then runs the whole test suite: core, pages (AppTest) and the browser journeys.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh test
# Two workers, each file whole in one (module fixtures, servers and browsers stay with their file):
# much of the suite waits on browsers, servers and subprocesses, so two overlap it (42 min serially
# on 2 cores). DCMETRICS_TEST_WORKERS=0 runs it in one process.
exec python3 -m pytest -n "${DCMETRICS_TEST_WORKERS:-2}" --dist loadfile "$@"
