"""The framework editor in a real browser: the administrator logs in, opens «Soạn bộ tiêu chí»,
creates a draft of Vĩnh Linh, raises the top band to 95 points by the province's decision, reads
the preview (how many units change level, as dcmetrics.drafts computes it on the same sample)
and publishes version 2026.1 from 2026.

Runs like tests/test_browser.py (Debian's chromium through Playwright, `streamlit run app.py` on
a database of its own the server creates and loads with the sample). The server reads and
publishes into a tmp copy of data/frameworks (DCMETRICS_FRAMEWORKS_DIR), never the repository's.
Screenshots: test-output/screenshots/editor-NN-*.png; the server's console:
test-output/streamlit-editor.log.
"""

from __future__ import annotations

import shutil
import tomllib

import pytest

from browser_helpers import CHROMIUM, assert_clean, login_if_asked, new_page, screenshot, serve, wait_for_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
expect = sync_api.expect

from test_browser import FIRST_LOAD_MS, SERVER_ENV, STEP_MS, chromium, heading, metric_value, nav  # noqa: E402,F401

from dcmetrics import access, bootstrap, config, drafts, framework, scoring  # noqa: E402
from dcmetrics.store import Store  # noqa: E402

USER, PASSWORD = "quantri.demo", "demo-admin"
PID = "vinh-linh"
DECISION = {"number": "15/QĐ-UBND", "date": "10/01/2026", "issuer": "UBND tỉnh Mẫu An Hòa"}


@pytest.fixture(scope="module")
def frameworks(tmp_path_factory):
    dest = tmp_path_factory.mktemp("browser-editor-frameworks") / "frameworks"
    shutil.copytree(config.FRAMEWORKS_DIR, dest)
    return dest


@pytest.fixture(scope="module")
def expected(frameworks, tmp_path_factory):
    """What the preview should say: the same draft scored by the core on the same sample."""
    folder = tmp_path_factory.mktemp("browser-editor-expected") / "frameworks"
    shutil.copytree(frameworks, folder)
    s = Store(":memory:")
    bootstrap.register_frameworks(s, folder)
    bootstrap.load_sample(s)
    draft_id = drafts.new_draft(s, access.SYSTEM, PID, folder)
    drafts.edit(s, access.SYSTEM, draft_id, {"b1.min_total": "95"}, {}, DECISION, folder)
    year = scoring.scored_years(s)[0]  # the preview's default year
    moves = drafts.preview(s, access.SYSTEM, draft_id, year, folder=folder)
    s.close()
    moved = int(moves["changed"].sum())
    assert moved > 0, "raising the top band should move some units"
    return {"year": year, "metric": f"{moved}/{moves.height}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, frameworks):
    srv = serve(tmp_path_factory, "editor", {**SERVER_ENV, "DCMETRICS_FRAMEWORKS_DIR": str(frameworks)})
    yield srv
    srv.stop()


@pytest.fixture
def page(chromium):
    pg = new_page(chromium, STEP_MS)
    yield pg
    pg.context.close()


def test_administrator_drafts_previews_and_publishes(server, page, frameworks, expected):
    in_force = (frameworks / "profiles" / f"{PID}.toml").read_bytes()
    main = page.get_by_test_id("stMain")

    # 1. log in (the first visit creates the database and loads the sample), open the editor
    page.goto(server.url, timeout=FIRST_LOAD_MS)
    wait_for_app(page, FIRST_LOAD_MS)
    expect(heading(page)).to_have_text("Đăng nhập", timeout=FIRST_LOAD_MS)
    assert login_if_asked(page, USER, PASSWORD, STEP_MS)
    nav(page, "Soạn bộ tiêu chí")
    expect(heading(page)).to_have_text("Soạn bộ tiêu chí")
    assert_clean(page, "editor opened")

    # 2. a draft of Vĩnh Linh, copied from the version in force
    title = framework.load_profiles(frameworks)[PID].title
    main.get_by_test_id("stSelectbox").filter(has_text="Bộ tiêu chí").first.locator("input").click()
    page.get_by_role("option", name=title, exact=True).click()
    wait_for_app(page, STEP_MS)
    main.get_by_role("button", name="Tạo bản nháp từ phiên bản hiện hành 2025.1").click()
    wait_for_app(page, STEP_MS)
    expect(main.get_by_test_id("stAlert").filter(has_text="Bản nháp hợp lệ.")).to_be_visible()

    # 3. the top band from 95 points, by the province's decision
    bands = main.get_by_test_id("stExpander").filter(has=page.locator("summary", has_text="Ngưỡng xếp mức"))
    bands.locator("summary").click()
    field = bands.get_by_label("Từ (điểm)").first
    expect(field).to_have_value("90")
    expect(bands.get_by_label("Mỗi nhóm tối thiểu (tỷ lệ 0–1)").first).to_have_value("0,7")  # a comma, not 0.7
    field.fill("95")
    form = main.get_by_test_id("stForm").filter(has_text="Lưu và kiểm tra")
    form.get_by_label("Quyết định số").fill(DECISION["number"])
    form.get_by_label("Ngày").fill(DECISION["date"])
    form.get_by_label("Cơ quan ban hành").fill(DECISION["issuer"])
    g1 = main.get_by_test_id("stExpander").filter(has=page.locator("summary", has_text="Nhóm G1"))
    g1.locator("summary").click()
    expect(g1.get_by_label("Chỉ tiêu (%)").first).to_have_value("100")  # TRAIN_STAFF's target, from the clause
    screenshot(page, "editor-01-form")
    form.get_by_role("button", name="Lưu và kiểm tra").click()
    wait_for_app(page, STEP_MS)
    expect(main.get_by_test_id("stAlert").filter(has_text="Đã lưu 1 thay đổi vào bản nháp số 1.")).to_be_visible()
    expect(main.get_by_test_id("stAlert").filter(has_text="Bản nháp hợp lệ.")).to_be_visible()
    assert_clean(page, "after the save")

    # 4. the preview: as many units change level as the core finds on the same sample
    expect(metric_value(page, "Đơn vị đổi mức")).to_have_text(expected["metric"])
    main.locator("h3").filter(has_text="Xem trước").scroll_into_view_if_needed()
    screenshot(page, "editor-02-preview")

    # 5. publish 2026.1 from 2026: the page confirms, the folder holds both versions
    publish = main.get_by_test_id("stForm").filter(has_text="Số phiên bản mới")
    publish.get_by_label("Số phiên bản mới").fill("2026.1")
    publish.get_by_label("Lý do, văn bản làm căn cứ").fill("Quyết định 15/QĐ-UBND ngày 10/01/2026")
    publish.get_by_role("button", name="Ban hành").click()
    wait_for_app(page, STEP_MS)
    done = ("Đã ban hành «vinh-linh» phiên bản 2026.1, áp dụng từ năm 2026; phiên bản 2025.1 được lưu nguyên tại "
            "profiles/archive/vinh-linh/2025.1.toml.")
    expect(main.get_by_test_id("stAlert").filter(has_text=done)).to_be_visible()
    expect(main.get_by_test_id("stAlert").filter(has_text="chỉ xem, không sửa")).to_be_visible()
    expect(main.get_by_role("button", name="Lưu và kiểm tra")).to_have_count(0)
    screenshot(page, "editor-03-published")
    assert_clean(page, "after publishing")

    assert (frameworks / "profiles" / "archive" / PID / "2025.1.toml").read_bytes() == in_force
    new = tomllib.loads((frameworks / "profiles" / f"{PID}.toml").read_text(encoding="utf-8"))
    assert (new["version"], new["effective_from"]) == ("2026.1", 2026)
    assert (new["bands"][0]["min_total"], new["bands"][0]["source"]) == (95, "qd-15-qd-ubnd")
    assert new["sources"]["qd-15-qd-ubnd"] == {"kind": "decision", **DECISION}
    repo = tomllib.loads((config.FRAMEWORKS_DIR / "profiles" / f"{PID}.toml").read_text(encoding="utf-8"))
    assert repo["version"] == "2025.1"  # the repository's own file untouched
