"""The app's first session while another process holds the database, in a real browser: the
Vietnamese message, then the page asked for once the file is free, without reloading (the
message's fragment retries by itself, which AppTest cannot run). Screenshots in
test-output/screenshots/busy-*.png, the server's console in test-output/streamlit-busy.log.
"""

from __future__ import annotations

import time

import pytest
from browser_helpers import (CHROMIUM, CHROMIUM_ARGS, OUTPUT, StreamlitServer, errors_on_page, login_if_asked,
                             new_page, screenshot)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
expect = sync_api.expect

from test_busy_store import BUSY, WAIT_ENV, base_db, db, held  # noqa: E402, F401 (fixtures)
from test_pages import ADMIN_PASSWORD, ADMIN_USER  # noqa: E402

STEP_MS = 30_000


def test_first_session_shows_busy_then_opens_the_page_asked_for(db):
    env = {"DCMETRICS_ADMIN_USER": ADMIN_USER, "DCMETRICS_ADMIN_PASSWORD": ADMIN_PASSWORD, WAIT_ENV: "1"}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        server = StreamlitServer(db, OUTPUT / "streamlit-busy.log", env=env).start()
        try:
            page = new_page(browser, STEP_MS)
            with held(db):
                # a link straight to a page, the first visit after the server started
                page.goto(f"{server.url}/framework", timeout=STEP_MS)
                expect(page.get_by_text(BUSY)).to_be_visible()
                expect(page.get_by_text("Trang tự thử lại sau mỗi 5 giây.")).to_be_visible()
                assert page.get_by_test_id("stException").count() == 0
                screenshot(page, "busy-message")
                freed = time.monotonic()
            # no reload: the fragment's next try opens the store and reruns the app
            expect(page.get_by_test_id("stTextInput").first).to_be_visible(timeout=STEP_MS)
            recovered = time.monotonic() - freed
            expect(page.get_by_text(BUSY)).to_have_count(0)
            assert login_if_asked(page, ADMIN_USER, ADMIN_PASSWORD, STEP_MS)
            expect(page.get_by_test_id("stMain").locator("h1").first).to_have_text("Bộ tiêu chí đánh giá", timeout=STEP_MS)
            assert "/framework" in page.url
            assert not errors_on_page(page)
            screenshot(page, "busy-recovered")
            print(f"\nrecovered {recovered:.1f} s after the holder exited")
            assert recovered < 15
            page.context.close()
        finally:
            server.stop()
            browser.close()
    log = server.log_text()
    assert "Traceback" not in log and "IOException" not in log, log
