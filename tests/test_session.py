"""What a browser session keeps: a link opened as the first visit after a server restart, and
what a reload does (it starts a new session: the login again, on the same page and filters).

The app runs as in tests/test_pages.py (its autouse fixtures are imported). Streamlit starts
in its old pages-folder mode (PagesManager.uses_pages_directory, one flag per process) until
app.py has called st.navigation once; the tests set the flag as a fresh server has it.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from test_pages import (APP, PAGE_DIR, _admin_credentials, _navigation_not_pages_dir,  # noqa: F401 (fixtures)
                        app_env, sample_db)

DEMO = {"lanhdao.tinh": "demo-leader", "canbo.991": "demo-officer", "quantri.demo": "demo-admin"}


@pytest.fixture(autouse=True)
def no_login_wait(monkeypatch):
    import ui.login
    from types import SimpleNamespace

    monkeypatch.setattr(ui.login, "time", SimpleNamespace(sleep=lambda s: None))


@pytest.fixture
def fresh_server(monkeypatch):
    """The process as a server just (re)started: pages-folder mode (the flag Streamlit derives
    from the pages/ folder next to app.py) until st.navigation runs. AppTest resets the flag
    before each run; here the first run of the test starts with it set, as a new server does."""
    original = PagesManager.__init__  # (already wrapped by _navigation_not_pages_dir)
    fresh = [True]

    def init(self, *args, **kwargs):
        if fresh and PagesManager.uses_pages_directory is None:
            fresh.clear()
            PagesManager.uses_pages_directory = True
        original(self, *args, **kwargs)

    monkeypatch.setattr(PagesManager, "__init__", init)
    return fresh


def first_visit(page: str, query: dict[str, str] | None = None) -> AppTest:
    """A browser opening /<page>?<query> as the session's first request."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page(f"{PAGE_DIR}/{page}.py")
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def submit_login(at: AppTest, username: str) -> AppTest:
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(DEMO[username])
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def on_login_form(at: AppTest) -> bool:
    return bool(at.title) and at.title[0].value == "Đăng nhập"


def test_first_link_after_restart_reaches_its_page_after_login(app_env, fresh_server):
    at = first_visit("ranking", {"year": "2024"})
    assert not fresh_server  # the run did start in pages-folder mode
    assert PagesManager.uses_pages_directory is False  # and app.py did run (st.navigation)
    assert on_login_form(at)
    assert at.query_params["year"] == "2024"  # the link's filters are still in the URL
    submit_login(at, "lanhdao.tinh")
    assert at.title[0].value == "Xếp hạng đơn vị"
    assert at.selectbox(key="year").value == 2024
    assert "_wanted" not in at.session_state


def test_first_link_after_restart_when_already_logged_in(app_env, fresh_server):
    """(A session that has its account: e.g. a second tab's first request after a restart
    cannot have one, but the path must not depend on it.)"""
    from ui.context import get_store
    from dcmetrics import access

    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["account"] = access.get_account(get_store(), "canbo.991")
    at.switch_page(f"{PAGE_DIR}/upload.py")
    at.query_params["year"] = "2023"  # not the account's opening year (2024): a default is not kept in the URL
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Nhập số liệu" and len(at.file_uploader) == 1
    assert at.query_params["year"] == "2023"


def test_first_link_after_restart_to_a_page_outside_the_menu(app_env, fresh_server):
    """The leader follows a link to the upload page: after the login the default page, never
    the upload widget (the page is not in the leader's menu)."""
    at = first_visit("upload")
    assert on_login_form(at) and not at.file_uploader
    submit_login(at, "lanhdao.tinh")
    assert at.title[0].value == "Tổng quan"
    assert not at.file_uploader


def test_reload_asks_for_the_login_again_and_says_so(app_env):
    """A reload is a new session: the login form again, on the page and filters of the URL, and
    the form says so (accounts are kept in the server session only: see ui/login.py)."""
    at = AppTest.from_file(APP, default_timeout=90).run()
    submit_login(at, "quantri.demo")
    at.switch_page(f"{PAGE_DIR}/ranking.py").run()
    at.selectbox(key="year").select(2024).run()
    assert at.title[0].value == "Xếp hạng đơn vị"

    again = first_visit("ranking", {"year": "2024"})  # what the browser sends on reload
    assert on_login_form(again)
    notes = " ".join(c.value for c in again.caption)
    assert "Tải lại trang" in notes and "đăng nhập lại" in notes
    submit_login(again, "quantri.demo")
    assert again.title[0].value == "Xếp hạng đơn vị" and again.selectbox(key="year").value == 2024


def test_deactivated_or_changed_account_takes_effect_in_open_sessions(app_env):
    """An administrator's change reaches a session already open: a new role shows in the next
    run's menu and caption, a deactivated account is back at the login form."""
    from ui.context import get_store
    from dcmetrics import access

    store = get_store()
    name = "phien.mo." + __import__("uuid").uuid4().hex[:4]
    access.create_account(store, access.SYSTEM, name, "mat-khau-dai-2025", access.LEADER, "99", "Phiên mở")
    DEMO[name] = "mat-khau-dai-2025"
    try:
        at = submit_login(AppTest.from_file(APP, default_timeout=90).run(), name)
        assert not on_login_form(at)
        access.update_account(store, access.SYSTEM, name, role=access.OFFICER, area_code="991")
        at.run()
        assert any(c.value.endswith("· Cán bộ nhập liệu") for c in at.sidebar.caption)
        assert at.session_state["account"].role == access.OFFICER
        access.set_active(store, access.SYSTEM, name, False)
        at.run()
        assert not at.exception and on_login_form(at)
        assert at.session_state["account"] is None and not at.sidebar.button
    finally:
        DEMO.pop(name)
