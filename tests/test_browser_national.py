"""The whole-nation ranking in a real browser above the pandas Styler's limit (issue 19): 13,000
units × 21 columns (273,000 cells, where a Styler refused the table with an exception). The page
draws the grid with its 500-row window, no exception element and no skeleton. Screenshot:
test-output/screenshots/national-ranking.png; the server's console: test-output/streamlit-national.log."""

from __future__ import annotations

import pytest

from browser_helpers import (CHROMIUM, OUTPUT, StreamlitServer, assert_clean, login_if_asked, new_page, screenshot,
                             wait_for_app)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")

from test_browser import ADMIN_PASSWORD, ADMIN_USER, SERVER_ENV, STEP_MS, chromium, heading, nav  # noqa: E402,F401
from test_national_page import N_UNITS, build_nation  # noqa: E402

from dcmetrics.fmt import fmt_num  # noqa: E402

SCORING_MS = 240_000  # the first view scores the 13,000 units (a fresh database has no stored scores)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser-national-db") / "nation.duckdb"
    build_nation(db)
    srv = StreamlitServer(db, OUTPUT / "streamlit-national.log", env=SERVER_ENV).start(timeout=120)
    yield srv
    srv.stop()


def test_whole_nation_ranking_renders_its_window(server, chromium):
    page = new_page(chromium, STEP_MS)
    try:
        page.goto(server.url, timeout=SCORING_MS)
        wait_for_app(page, SCORING_MS)
        assert login_if_asked(page, ADMIN_USER, ADMIN_PASSWORD, timeout_ms=SCORING_MS)
        wait_for_app(page, SCORING_MS)
        nav(page, "Xếp hạng")
        heading(page).filter(has_text="Xếp hạng đơn vị").wait_for()
        wait_for_app(page, SCORING_MS)
        grid = page.get_by_test_id("stDataFrame").filter(has=page.locator("canvas")).first
        grid.wait_for(timeout=STEP_MS)
        assert grid.bounding_box()["height"] > 200  # the grid is drawn, not an empty frame
        page.get_by_text(f"Hiển thị 1–500 trong {fmt_num(N_UNITS)} đơn vị").wait_for(timeout=STEP_MS)
        assert page.locator("[data-testid=stSkeleton]").count() == 0
        assert_clean(page, "whole-nation ranking")
        screenshot(page, "national-ranking")
    finally:
        page.context.close()
