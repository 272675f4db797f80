"""The dashboard and the API served together by `python3 -m uvicorn serve:app` (issue 20), in a real
browser: the dashboard logs in and shows its pages exactly as under `streamlit run`, the token
page lists the token the API was just called with (its last use recorded), and the API answers
from the same process. Screenshots: test-output/screenshots/serve-*.png."""

from __future__ import annotations

import json
import sys
import urllib.request

import pytest

from browser_helpers import (CHROMIUM, CHROMIUM_ARGS, OUTPUT, StreamlitServer, assert_clean, login_if_asked,
                             new_page, screenshot, wait_for_app)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

from dcmetrics import access, bootstrap  # noqa: E402
from dcmetrics.api import tokens  # noqa: E402
from dcmetrics.store import Store  # noqa: E402
from test_pages import ADMIN_PASSWORD, ADMIN_USER  # noqa: E402

STEP_MS = 60_000


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The sample database made here (the server then holds the file), a token for the leader."""
    db = tmp_path_factory.mktemp("serve-db") / "dcmetrics.duckdb"
    with Store(db) as s:
        bootstrap.register_frameworks(s)
        bootstrap.load_sample(s)
        access.ensure_admin(s, {access.ADMIN_USER_ENV: ADMIN_USER, access.ADMIN_PASSWORD_ENV: ADMIN_PASSWORD})
        issued = tokens.issue(s, access.SYSTEM, "lanhdao.tinh", "Cổng thông tin tỉnh (kiểm thử)")
    server = StreamlitServer(db, OUTPUT / "uvicorn-serve.log", command=[
        sys.executable, "-m", "uvicorn", "serve:app", "--host", "127.0.0.1", "--port", "{port}"]).start()
    yield server, issued
    server.stop()


def test_dashboard_and_api_in_one_process(served):
    server, issued = served
    req = urllib.request.Request(f"{server.url}/api/v1/ranks?year=2024&limit=3",
                                 headers={"Authorization": f"Bearer {issued.secret}"})
    with urllib.request.urlopen(req, timeout=120) as r:  # the first call scores the year
        body = json.loads(r.read())
    assert body["total"] > 200 and [row["rank"] for row in body["data"]] == sorted(row["rank"] for row in body["data"])

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = new_page(browser, STEP_MS)
        page.goto(server.url + "/")
        wait_for_app(page, STEP_MS)
        assert login_if_asked(page, ADMIN_USER, ADMIN_PASSWORD)
        wait_for_app(page, STEP_MS)
        sync_api.expect(page.get_by_role("heading", name="Tổng quan")).to_be_visible()
        assert_clean(page, "overview under uvicorn")
        screenshot(page, "serve-overview")

        page.get_by_test_id("stSidebarNav").get_by_text("Khóa truy cập API").click()
        wait_for_app(page, STEP_MS)
        sync_api.expect(page.get_by_role("heading", name="Khóa truy cập API")).to_be_visible()
        grid = page.get_by_test_id("stDataFrame")
        sync_api.expect(grid).to_be_visible()
        assert_clean(page, "token page under uvicorn")
        screenshot(page, "serve-tokens")
        browser.close()
    # the call above was recorded on the token, in the database the dashboard reads
    server.stop()
    with Store(server.db_path) as s:
        listed = tokens.list_tokens(s, access.SYSTEM)
    row = listed.filter(listed["id"] == issued.id).row(0, named=True)
    assert row["last_used_at"] is not None and row["state"] == "active"
