"""A read-only HTTP API for the province's other systems (issue 20), under /api/v1.

`routes(get_store, get_profiles)` gives Starlette routes for `st.App(..., routes=...)` (see
serve.py) or any Starlette app (the tests). The core stays free of Streamlit: the caller says
where the store and the profiles come from (the dashboard's own, in serve.py, so both share one
DuckDB connection and see the same published profiles).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.routing import Route

from dcmetrics.api.http import Api, TokenBuckets


def routes(get_store: Callable, get_profiles: Callable, buckets: TokenBuckets | None = None) -> list[Route]:
    return Api(get_store, get_profiles, buckets).routes()


def app(get_store: Callable, get_profiles: Callable, buckets: TokenBuckets | None = None) -> Starlette:
    """The API alone (tests, or a deployment that serves it apart from the dashboard)."""
    return Starlette(routes=routes(get_store, get_profiles, buckets))
