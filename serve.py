"""The dashboard and the API (issue 20) in one process, under uvicorn:

    python3 -m uvicorn serve:app --host 0.0.0.0 --port 8501

The dashboard is app.py as `streamlit run app.py` serves it (that command keeps working, without
the API); the API's routes sit under /api/v1 beside Streamlit's own. Both use the same store (one
DuckDB connection per process: the file allows one writer) and the same cached profiles, so a
profile published from the editor is what the API serves next.
"""

from pathlib import Path

import streamlit as st

from dcmetrics import api

HERE = Path(__file__).resolve().parent


def _store():
    from ui.context import _open_store  # the dashboard's st.cache_resource store, made on first use

    return _open_store()


def _profiles():
    from ui.context import get_profiles

    return get_profiles()


app = st.App(str(HERE / "app.py"), routes=api.routes(_store, _profiles))
