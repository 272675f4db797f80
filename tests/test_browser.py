"""The dashboard in a real browser: `streamlit run app.py` driven by Debian's chromium through
Playwright's sync API (no `playwright install`: the browser comes from apt).

What AppTest cannot show is checked here: the rendered page, the URL the filters write,
clicking a row of the ranking (a glide-data-grid canvas), links opened from outside, and how
the server behaves on a link opened straight after it starts. Screenshots go to
test-output/screenshots/, the server's console to test-output/streamlit-journey.log.

When the app asks for a login (accounts, dcmetrics.access), the tests log in as the first
administrator, created from DCMETRICS_ADMIN_USER / DCMETRICS_ADMIN_PASSWORD given to the server.
A browser reload is a new Streamlit session (logged out again), so the journeys move through
the app by its navigation rather than by typing URLs.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import polars as pl
import pytest

from browser_helpers import (CHROMIUM, CHROMIUM_ARGS, OUTPUT, StreamlitServer, assert_clean, choose,  # noqa: F401
                             click_dataframe_row, login_if_asked, new_page, screenshot, serve, sidebar_selectbox,
                             wait_for_app)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
expect = sync_api.expect

from dcmetrics import bootstrap, config, dashboard, framework, units  # noqa: E402
from dcmetrics.dashboard import Filters  # noqa: E402
from dcmetrics.store import Store  # noqa: E402
from test_pages import ADMIN_PASSWORD, ADMIN_USER, core  # noqa: E402

FIRST_LOAD_MS = 90_000  # the first session creates the database and loads the sample
STEP_MS = 30_000
SAMPLE_NOTICE = "dữ liệu mẫu"
SERVER_ENV = {"DCMETRICS_ADMIN_USER": ADMIN_USER, "DCMETRICS_ADMIN_PASSWORD": ADMIN_PASSWORD}


def vn_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def vn_points(x: float) -> str:
    return f"{x:,.2f}".replace(",", "\u0001").replace(".", ",").replace("\u0001", ".")


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def expected():
    """The same sample province scored in memory: what the pages should show (whole province)."""
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    profile = framework.load_profiles()["chung"]
    out = {}
    for year in (2025, 2024):
        table = core(dashboard.ranking, s, profile, Filters(year))
        out[year] = {"n_units": core(dashboard.overview, s, profile, Filters(year)).n_units,
                     "top": table.row(0, named=True)}
    s.close()
    return out


@pytest.fixture(scope="module")
def chromium():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app as an office runs it, on a database that does not exist yet."""
    srv = serve(tmp_path_factory, "journey", SERVER_ENV)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def session(server, chromium):
    """One browser session, logged in once, shared by the journey tests (each test first goes
    back to the overview and sets the year it needs). Its first visit, to the root (see
    test_deep_link_first_after_restart for why the root), creates the database and loads the sample."""
    page = new_page(chromium, STEP_MS)
    t0 = time.monotonic()
    open_app(page, server.url)
    heading(page).first.wait_for(timeout=FIRST_LOAD_MS)
    print(f"\nfirst visit and login (creates the database, loads the sample): {time.monotonic() - t0:.1f} s")
    yield page
    page.context.close()


def start(page, year: str) -> None:
    """Back to the overview with `year` chosen (the default year also clears ?year= from the URL)."""
    nav(page, "Tổng quan")
    expect(heading(page)).to_have_text("Tổng quan")
    if year_box(page).input_value() != year:
        choose(page, "Năm đánh giá", year)
        wait_for_app(page, STEP_MS)
    expect(year_box(page)).to_have_value(year)


@pytest.fixture
def tab(chromium):
    """A fresh browser context: a new Streamlit session, logged out."""
    page = new_page(chromium, STEP_MS)
    yield page
    page.context.close()


def open_app(page, url: str) -> None:
    """Open a URL, close a Streamlit dialog if one came up (recorded in page.dialogs) and log in
    when asked."""
    page.goto(url, timeout=FIRST_LOAD_MS)
    wait_for_app(page, FIRST_LOAD_MS)
    dialog = page.get_by_role("dialog")
    if dialog.count():
        page.dialogs.append(dialog.first.inner_text())
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    login_if_asked(page, ADMIN_USER, ADMIN_PASSWORD, STEP_MS)


def heading(page, level: str = "h1"):
    return page.get_by_test_id("stMain").locator(level)


def sample_notice(page):
    return page.get_by_test_id("stAlert").filter(has_text=SAMPLE_NOTICE)


def metric_value(page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def nav(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page, STEP_MS)


def year_box(page):
    return sidebar_selectbox(page, "Năm đánh giá").locator("input")


# ---------------------------------------------------------------- the journey

def test_overview_year_and_ranking(session, expected):
    page = session
    start(page, "2025")
    expect(sample_notice(page)).to_be_visible()
    expect(metric_value(page, "Đơn vị được đánh giá")).to_have_text(vn_int(expected[2025]["n_units"]))
    expect(year_box(page)).to_have_value("2025")
    # .streamlit/config.toml's toolbarMode = "viewer": no «Deploy» button for the office's users
    expect(page.get_by_test_id("stToolbar")).to_be_attached()
    expect(page.get_by_test_id("stAppDeployButton")).to_have_count(0)
    # the two charts are drawn by the core as SVG, each bar with its tooltip; no plotly on this page
    charts = page.locator(".dcm-chart svg")
    expect(charts).to_have_count(2)
    expect(charts.first.locator("rect title").first).to_have_text(re.compile(r"^Tốt, Năm 2025: [\d.]+$"))
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
    screenshot(page, "01-overview")
    assert_clean(page, "overview")

    # the year in the sidebar: numbers and URL follow
    choose(page, "Năm đánh giá", "2024")
    wait_for_app(page, STEP_MS)
    expect(year_box(page)).to_have_value("2024")
    expect(metric_value(page, "Đơn vị được đánh giá")).to_have_text(vn_int(expected[2024]["n_units"]))
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="phiên bản")).to_contain_text("năm 2024")
    assert re.search(r"[?&]year=2024\b", page.url), page.url
    expect(sample_notice(page)).to_be_visible()
    screenshot(page, "02-overview-2024")
    assert_clean(page, "overview 2024")

    # the ranking from the navigation keeps the year
    nav(page, "Xếp hạng")
    expect(heading(page)).to_have_text("Xếp hạng đơn vị")
    assert "/ranking" in page.url and "year=2024" in page.url, page.url
    expect(year_box(page)).to_have_value("2024")
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="phiên bản")).to_contain_text("năm 2024")
    expect(sample_notice(page)).to_be_visible()
    screenshot(page, "03-ranking-2024")
    assert_clean(page, "ranking 2024")


def test_ranking_row_opens_the_unit(session, expected):
    """Click the first row's selection box in the ranking: the unit page opens on that unit."""
    page = session
    start(page, "2025")
    nav(page, "Xếp hạng")
    expect(heading(page)).to_have_text("Xếp hạng đơn vị")
    top = expected[2025]["top"]
    click_dataframe_row(page.get_by_test_id("stDataFrame").first, 0)
    wait_for_app(page, STEP_MS)
    expect(heading(page)).to_have_text("Chi tiết đơn vị")
    assert "/unit" in page.url, page.url
    expect(heading(page, "h3").first).to_have_text(top["unit_name"])
    expect(metric_value(page, "Tổng điểm")).to_have_text(vn_points(top["total"]))
    # (the unit's box by its label: the evidence section below has a box of its own)
    expect(page.get_by_test_id("stMain").get_by_role("combobox", name="Đơn vị", exact=True)).to_have_value(
        f"{top['unit_name']} ({top['unit_code']})")
    expect(sample_notice(page)).to_be_visible()
    screenshot(page, "04-unit-from-ranking-row")
    assert_clean(page, "unit from ranking row")

    # back to the ranking: it stays there (the old selection does not bounce to the unit again)
    nav(page, "Xếp hạng")
    page.wait_for_timeout(1000)
    wait_for_app(page, STEP_MS)
    expect(heading(page)).to_have_text("Xếp hạng đơn vị")
    assert "/ranking" in page.url, page.url
    assert_clean(page, "back to ranking")


def test_ranking_right_hand_columns(session):
    """The ranking is wider than the page: scroll the grid right to see the change and rank columns."""
    page = session
    start(page, "2025")
    nav(page, "Xếp hạng")
    grid = page.get_by_test_id("stDataFrame").first
    expect(grid.locator("canvas").first).to_be_visible()
    box = grid.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(3000, 0)
    page.wait_for_timeout(500)
    screenshot(page, "05-ranking-2025-right-columns")
    assert_clean(page, "ranking scrolled right")


def test_ranking_row_opens_the_unit_after_choosing_a_year(session, expected):
    page = session
    start(page, "2024")
    nav(page, "Xếp hạng")
    expect(year_box(page)).to_have_value("2024")
    click_dataframe_row(page.get_by_test_id("stDataFrame").first, 0)
    wait_for_app(page, STEP_MS)
    screenshot(page, "06-ranking-row-click-with-year")
    assert_clean(page, "ranking row click with ?year=2024")
    expect(heading(page)).to_have_text("Chi tiết đơn vị", timeout=5_000)
    expect(heading(page, "h3").first).to_have_text(expected[2024]["top"]["unit_name"])


def test_unit_page_from_a_link(server, tab, expected):
    """unit_code is bound to the URL (its value there is the option's label): a link opens that unit."""
    page = tab
    top = expected[2024]["top"]
    label = f"{top['unit_name']} ({top['unit_code']})"
    open_app(page, f"{server.url}/unit?year=2024&unit_code={quote(label)}")
    screenshot(page, "07-unit-from-link")
    assert not page.dialogs, f"Streamlit showed a dialog: {page.dialogs}"
    expect(heading(page)).to_have_text("Chi tiết đơn vị", timeout=FIRST_LOAD_MS)
    expect(heading(page, "h3").first).to_have_text(top["unit_name"])
    expect(metric_value(page, "Tổng điểm")).to_have_text(vn_points(top["total"]))
    expect(sample_notice(page)).to_be_visible()
    assert_clean(page, "unit from link")


def test_framework_page(session):
    page = session
    start(page, "2025")
    nav(page, "Bộ tiêu chí")
    expect(heading(page)).to_have_text("Bộ tiêu chí đánh giá")
    profile = framework.load_profiles()["chung"]
    expect(page.get_by_test_id("stExpander")).to_have_count(len(profile.groups))
    page.get_by_test_id("stExpander").first.locator("summary").click()
    expect(page.get_by_test_id("stExpander").first.locator("details")).to_have_attribute("open", "")
    expect(page.get_by_test_id("stExpander").first).to_contain_text(profile.groups[0].items[0].indicator.code)
    expect(sample_notice(page)).to_be_visible()
    screenshot(page, "08-framework")
    assert_clean(page, "framework")


def test_trends_page_marks_the_change_of_version(session):
    """The general profile's first version scored 2023, the current one 2024 onward: the page
    warns, and the charts draw the dashed line with its label (the core's inline SVG)."""
    page = session
    start(page, "2025")
    nav(page, "Xu hướng")
    expect(heading(page)).to_have_text("Xu hướng qua các năm")
    expect(page.get_by_test_id("stAlert").filter(has_text="Bộ tiêu chí đổi phiên bản từ năm 2024")).to_be_visible()
    charts = page.locator(".dcm-chart svg")
    expect(charts).to_have_count(4)  # the mean, by area, by type, the chosen units
    expect(charts.first).to_be_visible()
    expect(charts.first.locator("text").filter(has_text="Đổi bộ tiêu chí: 2023.1 → 2025.1")).to_be_visible()
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)  # no chart library loaded for it
    screenshot(page, "10-trends-version-change")
    assert_clean(page, "trends")


def test_framework_veto_condition_is_readable(session):
    page = session
    nav(page, "Bộ tiêu chí")
    profile = framework.load_profiles()["chung"]
    veto = profile.vetoes[0]
    table = page.get_by_test_id("stTable").filter(has_text="Hệ quả")  # the vetoes' table
    expect(table).to_contain_text(veto.indicator.code)
    symbol = {">=": "(≥|>=)", "<=": "(≤|<=)", ">": "(>|trên)", "<": "(<|dưới)"}.get(veto.op, re.escape(veto.op))
    expect(table).to_contain_text(re.compile(rf"{symbol}\s*{veto.value:g}"), timeout=5_000)


# ---------------------------------------------------------------- a link opened first after the server starts

@pytest.fixture
def fresh_server(tmp_path):
    """Another server, never visited, on a database with units but no figures (fast to start)."""
    db = tmp_path / "fresh.duckdb"
    s = Store(db)
    bootstrap.register_frameworks(s)
    core(units.replace_units, s, pl.read_csv(config.SAMPLE_DIR / "units.csv", infer_schema=False))
    s.close()
    srv = StreamlitServer(db, OUTPUT / "streamlit-fresh.log", env=SERVER_ENV).start(timeout=90)
    yield srv
    srv.stop()


def test_deep_link_first_after_restart(fresh_server, tab):
    page = tab
    page.goto(f"{fresh_server.url}/ranking", timeout=FIRST_LOAD_MS)
    wait_for_app(page, FIRST_LOAD_MS)
    screenshot(page, "09-deep-link-after-restart")
    # the page runs through app.py: the login form (not the page alone, not a list of files)
    expect(heading(page)).to_have_text("Đăng nhập", timeout=FIRST_LOAD_MS)
    links = [t.strip() for t in page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()]
    assert not {"app", "overview", "ranking"} & set(links), f"legacy pages/ navigation: {links}"
