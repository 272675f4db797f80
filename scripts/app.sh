#!/usr/bin/env bash
# Installs, then starts the dashboard on the embedded DuckDB (created with the sample data on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh app
exec python3 -m streamlit run app.py --browser.gatherUsageStats false "$@"
