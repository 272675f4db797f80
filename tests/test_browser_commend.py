"""The committee's journey in a real browser: log in as the emulation and commendation council,
open «Thi đua – Khen thưởng», read the lists, download the Excel proposal and the printable HTML,
and check both against dcmetrics.shortlist computed here on the same sample.

Runs like tests/test_browser.py (Debian's chromium through Playwright, `streamlit run app.py` on
a database the server creates and loads with the sample) and reuses its helpers. Screenshots:
test-output/screenshots/commend-NN-*.png; downloads: test-output/downloads/; the server's
console: test-output/streamlit-commend.log.
"""

from __future__ import annotations

import html
import time

import polars as pl
import pytest

from browser_helpers import (CHROMIUM, OUTPUT, assert_clean, login_if_asked, new_page, screenshot, serve,
                             wait_for_app)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
expect = sync_api.expect

from test_browser import (FIRST_LOAD_MS, SERVER_ENV, STEP_MS, chromium, heading, metric_value,  # noqa: E402,F401
                          nav)

from dcmetrics import access, bootstrap, framework  # noqa: E402
from dcmetrics.proposal import SHEET_SELECTED, TABLE_ROW, heading as proposal_heading  # noqa: E402
from dcmetrics.shortlist import Rules, shortlist  # noqa: E402
from dcmetrics.store import Store  # noqa: E402

USER, PASSWORD = "thiduakhenthuong", "demo-committee"
DOWNLOADS = OUTPUT / "downloads"
NATIONAL = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


@pytest.fixture(scope="module")
def expected():
    """The committee's shortlist for the default rules, on the same sample scored in memory
    (the page's defaults: newest year, profile «chung», the committee's whole province,
    appraised scores)."""
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    profile = framework.load_profiles()["chung"]
    year = max(r[0] for r in s.rows("SELECT DISTINCT year FROM submissions"))
    sl = shortlist(s, access.get_account(s, USER), profile, year, Rules.from_profile(profile, basis="appraised"))
    s.close()
    assert sl.selected.height > 0, "the sample should propose some units"
    return sl


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = serve(tmp_path_factory, "commend", SERVER_ENV)
    yield srv
    srv.stop()


@pytest.fixture
def page(chromium):
    pg = new_page(chromium, STEP_MS, accept_downloads=True)
    yield pg
    pg.context.close()


def download(page, label: str, step: str):
    """Click a download button; the file is saved under test-output/downloads/."""
    with page.expect_download(timeout=STEP_MS) as info:
        page.get_by_test_id("stDownloadButton").get_by_role("button", name=label).click()
    dl = info.value
    assert dl.failure() is None, f"{step}: {dl.failure()}"
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    path = DOWNLOADS / dl.suggested_filename
    dl.save_as(path)
    return dl.suggested_filename, path


def test_committee_downloads_the_proposal(server, page, expected):
    t0 = time.monotonic()
    year = expected.year

    # 1. the login form (the first visit also creates the database and loads the sample)
    page.goto(server.url, timeout=FIRST_LOAD_MS)
    wait_for_app(page, FIRST_LOAD_MS)
    expect(heading(page)).to_have_text("Đăng nhập", timeout=FIRST_LOAD_MS)
    screenshot(page, "commend-01-login")
    assert_clean(page, "login form")
    assert login_if_asked(page, USER, PASSWORD, STEP_MS)
    expect(heading(page)).to_have_text("Tổng quan")
    # each link's text is its material icon's name, then the title
    links = [t.strip().splitlines()[-1].strip()
             for t in page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()]
    assert "Thi đua – Khen thưởng" in links and "Nhập số liệu" not in links, links
    screenshot(page, "commend-02-overview")
    assert_clean(page, "overview after login")

    # 2. the commendation page: counts and lists
    nav(page, "Thi đua – Khen thưởng")
    expect(heading(page)).to_have_text("Thi đua – Khen thưởng")
    assert "/commendation" in page.url, page.url
    expect(metric_value(page, "Đề nghị")).to_have_text(str(expected.selected.height))
    expect(metric_value(page, "Sát nút")).to_have_text(str(expected.near.height))
    expect(metric_value(page, "Đơn vị được xếp loại")).to_have_text(str(expected.n_rated))
    main = page.get_by_test_id("stMain")
    for title in ("Danh sách đề nghị", "Sát nút", "Dẫn đầu cụm, khối thi đua", "Cần nhắc nhở"):
        expect(main.locator("h3").filter(has_text=title).first).to_be_visible()
    expect(main.get_by_test_id("stDataFrame").first.locator("canvas").first).to_be_visible()
    assert main.get_by_test_id("stDataFrame").count() >= 4
    screenshot(page, "commend-03-lists")
    assert_clean(page, "commendation page")

    # 3. the Excel proposal: the proposed units are the shortlist's, in its order
    name, path = download(page, "Tải danh sách (Excel)", "excel")
    assert name == f"de-nghi-khen-thuong-{year}.xlsx"
    proposed = pl.read_excel(path, sheet_name=SHEET_SELECTED, read_options={"header_row": TABLE_ROW})
    assert proposed.height == expected.selected.height
    assert [str(c) for c in proposed["Mã đơn vị"]] == expected.selected["unit_code"].to_list()
    assert proposed["Tên đơn vị"].to_list() == expected.selected["unit_name"].to_list()
    assert proposed["Tổng điểm"].to_list() == pytest.approx(expected.selected["total"].to_list())
    title = pl.read_excel(path, sheet_name=SHEET_SELECTED, has_header=False, read_options={"n_rows": 1})
    assert title.row(0)[0] == proposal_heading(expected)
    screenshot(page, "commend-04-excel-downloaded")
    assert_clean(page, "after the Excel download")

    # 4. the printable HTML: national header, heading, first proposed unit
    name, path = download(page, "Tải bản in (HTML)", "html")
    assert name == f"de-nghi-khen-thuong-{year}.html"
    doc = path.read_text(encoding="utf-8")
    for line in NATIONAL:
        assert line in doc, line
    assert proposal_heading(expected) in doc
    first = expected.selected.row(0, named=True)
    assert html.escape(first["unit_name"]) in doc and first["unit_code"] in doc
    assert doc.index(html.escape(first["unit_name"])) > doc.index("I. Đơn vị đề nghị")
    screenshot(page, "commend-05-html-downloaded")
    assert_clean(page, "after the HTML download")

    # 5. the HTML as it prints (opened in a tab of its own, no network)
    printed = page.context.new_page()
    printed.set_content(doc)
    expect(printed.locator(".national")).to_contain_text(NATIONAL[0])
    expect(printed.locator("h1")).to_have_text(proposal_heading(expected))
    expect(printed.locator("table").first.locator("tbody tr")).to_have_count(expected.selected.height)
    printed.screenshot(path=str(OUTPUT / "screenshots" / "commend-06-html-proposal.png"), full_page=True)
    printed.close()

    assert not page.js_errors, page.js_errors
    print(f"\ncommittee journey: {time.monotonic() - t0:.1f} s")
