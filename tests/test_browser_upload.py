"""The data officer's journey in a real browser: upload a corrected district file through the
dropzone, check the preview, save it, and find the unit's new total on its page.

`streamlit run app.py` on a database that does not exist yet (the app creates it and loads the
sample), Debian's chromium through Playwright (see test_browser.py). The expected total is
computed by dcmetrics on its own in-memory copy of the same sample with the same file.
Screenshots: test-output/screenshots/upload-NN-*.png.
"""

from __future__ import annotations

import re
import time

import polars as pl
import pytest
from browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    assert_clean,
    OUTPUT,
    StreamlitServer,
    login_if_asked,
    new_page,
    screenshot,
    wait_for_app,
)
from conftest import open_for_uploads

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
expect = sync_api.expect

from test_browser import (
    FIRST_LOAD_MS,
    SERVER_ENV,
    STEP_MS,
    heading,
    metric_value,
    nav,
    vn_points,
)
from test_upload_page import AREA, CHANGED_UNIT, YEAR, changed_file

from dcmetrics import bootstrap, framework
from dcmetrics.ingest import commit as ingest
from dcmetrics.store import Store

OFFICER, PASSWORD = "canbo.991", "demo-officer"
FILE_NAME = "991-2024-sua.csv"


@pytest.fixture(scope="module")
def expected():
    """What saving the file should give, computed on a copy of the sample."""
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    profile = framework.load_profiles()["chung"]
    open_for_uploads(s, (AREA,))
    checked = ingest.check_file(s, changed_file(), FILE_NAME, YEAR, OFFICER, AREA)
    row = ingest.preview(s, checked, profile, OFFICER, basis="self").filter(pl.col("unit_code") == CHANGED_UNIT).row(0, named=True)
    s.close()
    assert row["total"] != row["total_now"]
    return {**row, "n_units": checked.n_units, "n_rows": checked.n_rows}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a sample database built beforehand, with 991's 2024 file reopened by the reviewer
    (the sample approved it, and an approved file is locked against a corrected one)."""
    db = tmp_path_factory.mktemp("browser-upload-db") / "dcmetrics.duckdb"
    store, _ = bootstrap.init_db(db, sample=True)
    open_for_uploads(store, (AREA,))
    store.close()
    srv = StreamlitServer(db, OUTPUT / "streamlit-upload.log", env=SERVER_ENV).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def officer_page(server):
    """One browser tab (own fixture name: pytest-playwright's `page` stays untouched)."""
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        pg = new_page(browser, STEP_MS)
        yield pg
        pg.context.close()
        browser.close()


def alert(page, text: str):
    return page.get_by_test_id("stAlert").filter(has_text=text)


def test_officer_uploads_saves_and_sees_the_new_total(server, officer_page, expected):
    page = officer_page
    t0 = time.monotonic()
    page.goto(server.url, timeout=FIRST_LOAD_MS)
    wait_for_app(page, FIRST_LOAD_MS)  # the first visit creates the database and loads the sample
    assert login_if_asked(page, OFFICER, PASSWORD, STEP_MS), "the app should ask for a login"
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Cán bộ nhập liệu 991")

    nav(page, "Nhập số liệu")
    expect(heading(page)).to_have_text("Nhập số liệu")
    for label in ("Mẫu Excel (.xlsx)", "Mẫu CSV (dấu phẩy)", "Mẫu CSV (dấu chấm phẩy)"):
        expect(page.get_by_test_id("stDownloadButton").filter(has_text=label)).to_be_visible()
    screenshot(page, "upload-01-page")
    assert_clean(page, "upload page")

    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("stFileUploaderDropzone").click()
    chooser.value.set_files(files=[{"name": FILE_NAME, "mimeType": "text/csv", "buffer": changed_file()}])
    ok_line = f"Tệp hợp lệ: {expected['n_units']} đơn vị, {expected['n_rows']} dòng. Chưa lưu."
    expect(alert(page, ok_line)).to_be_visible(timeout=STEP_MS)
    wait_for_app(page, STEP_MS)
    expect(page.get_by_test_id("stFileUploader")).to_contain_text(FILE_NAME)
    expect(page.get_by_test_id("stExpander").filter(has_text="cảnh báo")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first.locator("canvas").first).to_be_visible()
    screenshot(page, "upload-02-preview")
    assert_clean(page, "preview")

    page.get_by_role("button", name="Lưu số liệu").click()
    saved = alert(page, f"Đã lưu số liệu của {expected['n_units']} đơn vị (địa bàn {AREA}, năm {YEAR}), mã lần gửi")
    expect(saved).to_be_visible(timeout=STEP_MS)
    wait_for_app(page, STEP_MS)
    screenshot(page, "upload-03-saved")
    assert_clean(page, "saved")

    nav(page, "Chi tiết đơn vị")
    expect(heading(page)).to_have_text("Chi tiết đơn vị")
    # the file just sent awaits review: its score is the self-assessed one
    page.get_by_test_id("stSidebar").get_by_text("Tự chấm", exact=True).click()
    wait_for_app(page, STEP_MS)
    label = f"{expected['unit_name']} ({CHANGED_UNIT})"
    box = page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Đơn vị")
    box.locator("input").click()
    page.get_by_role("option", name=label, exact=True).click()
    wait_for_app(page, STEP_MS)
    expect(box.locator("input")).to_have_value(label)
    expect(heading(page, "h3").first).to_have_text(expected["unit_name"])
    total = vn_points(expected["total"])
    assert re.fullmatch(r"\d{1,3},\d{2}", total), total
    expect(metric_value(page, "Tổng điểm")).to_have_text(total)
    expect(page.get_by_test_id("stAlert").filter(has_text="chờ thẩm định — kết quả dưới đây là tự chấm")).to_be_visible()
    screenshot(page, "upload-04-unit-new-total")
    assert_clean(page, "unit page")
    print(f"\nupload journey: {time.monotonic() - t0:.1f} s (new total of {CHANGED_UNIT}: {total}, "
          f"was {vn_points(expected['total_now'])})")
