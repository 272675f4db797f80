"""The app on a PostgreSQL system of record, through AppTest (issue 21): the app creates the schema
and loads the sample into an empty database on its first run, as on a fresh install; every page of
each demo role renders without an exception or an error message; and the upload page's whole
journey (check, preview, save, the unit page after it) runs as test_upload_page runs it on the
embedded file: the same test function, collected here again over PostgreSQL."""

from __future__ import annotations

import pytest
from test_pages import (  # noqa: F401 - fixtures used by name, autouse ones included
    PAGE_DIR,
    _admin_credentials,
    _forget_store,
    _navigation_not_pages_dir,
    app_env,
)
from test_upload_page import (  # noqa: F401 - the same journey, on this module's PostgreSQL database
    PASSWORDS,
    district_open,
    login,
    officer,
    ok,
    profile,
    test_clean_file_preview_then_save,
)

RESULTS = ["overview", "ranking", "sensitivity", "trends", "map", "unit", "framework", "report", "completeness",
           "my_account"]
ROLE_PAGES = {  # what each demo role's menu holds besides the results (app.page_list)
    "lanhdao.tinh": [],
    "thiduakhenthuong": ["commendation"],
    "canbo.991": ["upload"],
    "thamdinh.tinh": ["review", "quality", "periods"],
    "quantri.demo": ["commendation", "upload", "review", "quality", "periods", "accounts", "api_tokens",
                     "framework_editor", "units_admin", "audit_log"],
}
DEMO_PASSWORDS = {**PASSWORDS, "lanhdao.tinh": "demo-leader", "thiduakhenthuong": "demo-committee",
                  "quantri.demo": "demo-admin"}


@pytest.fixture(scope="module")
def sample_db(pg_server):
    """An empty PostgreSQL database: the app's first run creates and fills it."""
    import psycopg

    admin = f"postgresql://dcmetrics@/postgres?host={pg_server['folder']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "m_pg_pages" WITH (FORCE)')
        conn.execute('CREATE DATABASE "m_pg_pages"')
    url = f"postgresql://dcmetrics@/m_pg_pages?host={pg_server['folder']}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DCMETRICS_DB", url)
        _forget_store()
        yield url
        from ui.context import get_store

        get_store().close()
        _forget_store()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "m_pg_pages" WITH (FORCE)')


@pytest.mark.parametrize("username", sorted(ROLE_PAGES))
def test_every_page_of_each_role_renders_on_postgresql(app_env, username, monkeypatch):
    monkeypatch.setitem(PASSWORDS, username, DEMO_PASSWORDS[username])
    at = login(username)
    from ui.context import get_store

    assert get_store().dialect == "postgresql"
    for page in RESULTS + ROLE_PAGES[username]:
        ok(at.switch_page(f"{PAGE_DIR}/{page}.py").run())
        assert [e.value for e in at.error] == [], (username, page)
        assert at.title, (username, page)  # the page drew itself, not only the frame
