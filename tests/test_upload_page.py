"""The upload page (and the review actions that lock it) through AppTest, as the demo accounts use them.

Each test runs app.py, logs in through the login form with a demo account of the sample
(canbo.991: data officer of district 991; thamdinh.tinh: the province's reviewer) and switches to
the page. The database is this module's own file (test_pages' sample_db/app_env fixtures: the app
creates it and loads the sample), so the data these tests store stay here. What the page shows is
compared with dcmetrics called directly: the same problems as the core, the preview's totals, the
history and scores after "Lưu số liệu".
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from conftest import table_digest
from streamlit.testing.v1 import AppTest
from test_ingest import edit
from test_pages import (  # noqa: F401 - fixtures used by name, autouse ones included
    APP,
    PAGE_DIR,
    _admin_credentials,
    _navigation_not_pages_dir,
    app_env,
    display_values,
    frame_with,
    sample_db,
    store_of,
    vn_points,
    vn_value,
)

from dcmetrics import config, framework, scoring
from dcmetrics.ingest import commit as ingest

CORPUS = Path(__file__).resolve().parent / "upload_corpus"
EXPECTED: dict[str, dict] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
PASSWORDS = {"canbo.991": "demo-officer", "thamdinh.tinh": "demo-reviewer"}
AREA, YEAR = "991", 2024
AREA_NAME = "Thành phố Mẫu An Hòa"
BASE = (config.SAMPLE_DIR / "2024" / "991.csv").read_bytes()
# Xã Bình Phú (99018, Excel row 19) reports 36,8 % of its staff trained in 2024 (36,8 % in 2023 too); the
# corrected file says 100: a better total, and a "far from last year" warning (not a refusal)
CHANGED_UNIT, CHANGED_ROW, CHANGED_COLUMN, NEW_VALUE = "99018", 19, "TRAIN_STAFF", "100"
PAGE_CASES = ["04-text-in-number.csv", "02-unit-outside-area.csv", "14-missing-unit-column.csv",
              "24-report.pdf", "27-over-size-limit.csv", "33-windows-1258-bad-cell.csv", "39-many-problems.csv",
              "41-bad-cells.xlsx", "42-corrupt-zip.xlsx"]
MIME = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".pdf": "application/pdf"}


def changed_file() -> bytes:
    return edit(BASE, CHANGED_ROW, CHANGED_COLUMN, NEW_VALUE)


# ---------------------------------------------------------------- driving the app

def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception] + ["\n".join(e.stack_trace) for e in at.exception]
    return at


def login(username: str, page: str | None = None) -> AppTest:
    """A new session: the login form drawn by app.py, filled with a demo account, then `page`."""
    at = ok(AppTest.from_file(APP, default_timeout=60).run())
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(PASSWORDS[username])
    ok(at.form_submit_button[0].click().run())
    assert at.session_state["account"].username == username, [e.value for e in at.error]
    if page:
        ok(at.switch_page(f"{PAGE_DIR}/{page}.py").run())
    return at


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    """Send a file through the uploader. Its type= list is enforced on the server too (a .pdf name
    raises in Streamlit itself), so other files go in renamed .csv, as a user gets them past the
    file picker: the page has to judge them by their content."""
    if Path(name).suffix not in (".csv", ".xlsx"):
        name += ".csv"
    at.file_uploader(key="upload_file").set_value((name, content, MIME.get(Path(name).suffix, "text/plain")))
    return ok(at.run())


def alerts(at: AppTest, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def shown_problems(at: AppTest) -> list[str]:
    # (a st.dataframe without on_select has no key in AppTest's tree: found by its headers)
    raw = frame_with(at, "Vị trí", "Lỗi").value
    assert list(raw.columns) == ["Vị trí", "Giá trị", "Lỗi"]
    return [f"{w}: {m}" for w, m in zip(raw["Vị trí"], raw["Lỗi"])]


@pytest.fixture(scope="module")
def profile():
    return framework.load_profiles()["chung"]


@pytest.fixture
def officer(request):
    request.getfixturevalue("app_env")  # this module's database, the app's store pointed at it
    request.getfixturevalue("district_open")
    return login("canbo.991", "upload")


@pytest.fixture
def district_open(app_env):
    """The sample approved 991's 2024 file (locked): reopened once, as a reviewer would, so the
    officer may send corrections; a test that locks it again reopens it when done."""
    from ui.context import get_store

    from dcmetrics import access

    store = get_store()
    if store.rows("SELECT 1 FROM area_locks WHERE area_code = $a AND year = $y", {"a": AREA, "y": YEAR}):
        ingest.reopen(store, access.SYSTEM, AREA, YEAR, "kiểm thử: mở lại để gửi tệp")


# ---------------------------------------------------------------- the page as the officer opens it

def test_upload_page_offers_templates_and_only_the_officers_area(officer):
    at = officer
    assert at.title[0].value == "Nhập số liệu"
    buttons = {b.key: b.label for b in at.get("download_button")}
    assert {k: buttons.get(k) for k in ("tpl_xlsx", "tpl_csv", "tpl_csv_sc")} == {
        "tpl_xlsx": "Mẫu Excel (.xlsx)", "tpl_csv": "Mẫu CSV (dấu phẩy)", "tpl_csv_sc": "Mẫu CSV (dấu chấm phẩy)"}
    area = at.selectbox(key="upload_area")
    assert area.options == [f"{AREA_NAME} ({AREA})"] and area.value == AREA
    assert at.selectbox(key="upload_year").value == YEAR
    assert at.file_uploader(key="upload_file").allowed_type == [".xlsx", ".csv"]
    # the file in use for the area-year, as the core's status says
    s = ingest.area_status(store_of(at), "canbo.991", YEAR).filter(pl.col("area_code") == AREA).row(0, named=True)
    assert alerts(at, "info") == [(f"Đang dùng tệp «{s['file_name']}» do {s['sent_by']} gửi. Tệp mới thay số liệu "
                                   "của các đơn vị có trong tệp; đơn vị không có trong tệp giữ nguyên số liệu, trừ khi "
                                   "chọn thay toàn bộ (tệp cũ vẫn được lưu trong lịch sử).")]
    # nothing to save before a file is sent
    assert "commit_upload" not in {b.key for b in at.button} and not alerts(at, "error")


@pytest.mark.usefixtures("district_open")
@pytest.mark.parametrize("name", PAGE_CASES)
def test_bad_file_shows_every_problem_and_stores_nothing(monkeypatch, name):
    case = EXPECTED[name]
    assert (case["user"], case["area"], case["year"]) == ("canbo.991", AREA, YEAR)
    # limits first: the uploader's max_upload_size follows DCMETRICS_MAX_UPLOAD_MB and is part of
    # the widget's identity, so changing it between two runs would drop the staged file
    for key, value in case.get("env", {}).items():
        monkeypatch.setenv(key, value)
    at = login("canbo.991", "upload")
    store = store_of(at)
    before = table_digest(store)
    upload(at, name, (CORPUS / name).read_bytes())
    n = len(case["problems"])
    assert alerts(at, "error") == [f"Tệp có {n} lỗi, chưa lưu dữ liệu nào. Sửa các lỗi dưới đây rồi gửi lại."]
    sent = name if Path(name).suffix in (".csv", ".xlsx") else name + ".csv"  # as upload() renames it
    assert shown_problems(at) == [p.replace(f"«{name}»", f"«{sent}»") for p in case["problems"]]
    assert not alerts(at, "success") and "commit_upload" not in {b.key for b in at.button}
    assert "problems_xlsx" in {b.key for b in at.get("download_button")}
    assert table_digest(store) == before


def test_clean_file_preview_then_save(officer, profile):
    at = officer
    store = store_of(at)
    content = changed_file()
    checked = ingest.check_file(store, content, "991-sua.csv", YEAR, "canbo.991", AREA)
    expected = ingest.preview(store, checked, profile, "canbo.991", basis="self").filter(
        pl.col("unit_code") == CHANGED_UNIT)
    new_total, old_total = expected["total"][0], expected["total_now"][0]
    assert new_total > old_total
    before = table_digest(store)

    upload(at, "991-sua.csv", content)
    assert alerts(at, "error") == []
    assert alerts(at, "success") == [f"Tệp hợp lệ: {checked.n_units} đơn vị, {checked.n_rows} dòng. Chưa lưu."]
    assert (checked.n_units, checked.n_rows) == (25, 25)
    # 100 % against 36,8 % in 2023 is far from the year before: a warning in the expander, not a refusal
    far = [str(w) for w in checked.warnings if w.where == f"dòng {CHANGED_ROW}, cột «{CHANGED_COLUMN}»"]
    assert len(far) == 1 and "khác xa năm 2023" in far[0]
    [box] = [e for e in at.expander if "cảnh báo" in e.label]
    assert box.label == f"{len(checked.warnings)} cảnh báo (không chặn việc lưu)"
    assert [m.value for m in box.markdown] == [f"- {w}" for w in checked.warnings]
    # the checking and the trial scoring ran under a status box with a progress bar, finished
    [box] = [s for s in at.status if s.label == "Đã kiểm tra tệp và tính điểm thử."]
    assert box.state == "complete" and [p.value for p in at.progress] == [100]
    # which units' figures the file changes, and which indicators: one unit, one cell
    assert "So với số liệu đang lưu: 1 đơn vị thay đổi, 24 đơn vị không đổi." in [c.value for c in at.caption]
    grid = frame_with(at, "Mã", "Điểm nếu lưu")
    raw, shown = grid.value, display_values(grid)
    assert len(raw) == 25 and set(raw["Mã"]) == set(checked.observations["unit_code"])
    i = list(raw["Mã"]).index(CHANGED_UNIT)
    assert (raw["Số liệu"].iloc[i], raw["Chỉ tiêu thay đổi"].iloc[i]) == ("Thay đổi", CHANGED_COLUMN)
    others = raw[raw["Mã"] != CHANGED_UNIT]
    assert set(others["Số liệu"]) == {"Không đổi"} and set(others["Chỉ tiêu thay đổi"]) == {""}
    assert vn_value(raw["Điểm nếu lưu"].iloc[i]) == pytest.approx(new_total)
    assert vn_value(raw["Điểm hiện tại"].iloc[i]) == pytest.approx(old_total)
    assert shown["Điểm nếu lưu"].iloc[i] == vn_points(new_total)
    assert shown["Thay đổi"].iloc[i] == vn_points(new_total - old_total)
    assert table_digest(store) == before, "a preview stores nothing"

    ok(at.button(key="commit_upload").click().run())
    [saved] = [s for s in alerts(at, "success") if s.startswith("Đã lưu")]
    hist = ingest.history(store, "canbo.991", AREA, YEAR)
    top = hist.row(0, named=True)
    assert saved == f"Đã lưu số liệu của 25 đơn vị (địa bàn {AREA}, năm {YEAR}), mã lần gửi {top['id']}."
    assert (top["state"], top["sent_by"], top["file_name"], top["review_state"]) == (
        "current", "canbo.991", "991-sua.csv", "pending")
    assert hist.filter(pl.col("state") == "current").height == 1 and hist.height >= 2
    page_hist = frame_with(at, "Mã lần gửi", "Người gửi").value
    assert (page_hist["Tệp"].iloc[0], page_hist["Người gửi"].iloc[0], page_hist["Trạng thái"].iloc[0]) == (
        "991-sua.csv", "canbo.991", "Đang dùng")
    now = scoring.score(store, profile.in_force(YEAR), [YEAR], "self").year(YEAR).filter(
        pl.col("unit_code") == CHANGED_UNIT)
    assert now["total"][0] == pytest.approx(new_total)

    # the unit page of the same session shows the new total, self-assessed and marked as awaiting review
    at.switch_page(f"{PAGE_DIR}/unit.py")
    at.session_state["unit_code"] = CHANGED_UNIT
    at.session_state["basis"] = "self"
    ok(at.run())
    assert [m.value for m in at.metric if m.label == "Tổng điểm"] == [vn_points(new_total)]
    assert f"Số liệu năm {YEAR} của đơn vị: chờ thẩm định — kết quả dưới đây là tự chấm, chưa qua thẩm định." in \
        alerts(at, "warning")


# ---------------------------------------------------------------- review: return needs a reason, approval locks

def review_page():
    """The province reviewer on the review page, the sample year and district chosen."""
    at = login("thamdinh.tinh", "review")
    ok(at.selectbox(key="review_year").select(YEAR).run())  # the areas of that year (districts up to 2024)
    at.selectbox(key="review_area").select(AREA)
    ok(at.run())
    return at


@pytest.mark.usefixtures("district_open")
def test_return_without_a_reason_is_refused():
    at = review_page()
    store = store_of(at)
    before = table_digest(store)
    at.text_area(key="return_reason").set_value("   ")
    ok(at.button(key="return").click().run())
    assert alerts(at, "error") == ["Trả lại số liệu phải ghi rõ lý do để đơn vị sửa."]
    assert not alerts(at, "success")
    assert table_digest(store) == before


@pytest.mark.usefixtures("district_open")
def test_approval_locks_the_officers_upload():
    reviewer = review_page()
    store = store_of(reviewer)
    ok(reviewer.button(key="approve").click().run())
    try:
        assert alerts(reviewer, "success") == [f"Đã phê duyệt số liệu năm {YEAR} của {AREA_NAME}."]
        status = ingest.area_status(store, "thamdinh.tinh", YEAR).filter(pl.col("area_code") == AREA).row(0, named=True)
        assert status["locked"] and status["review_state"] == "approved"

        at = login("canbo.991", "upload")
        assert alerts(at, "warning")[-1:] == [
            (f"Số liệu năm {YEAR} của {AREA_NAME} đã được phê duyệt và khóa (người duyệt: thamdinh.tinh). "
             "Tệp mới sẽ bị từ chối cho đến khi được mở lại.")], alerts(at, "warning")
        before = table_digest(store)
        upload(at, "991-moi.csv", edit(BASE, CHANGED_ROW, CHANGED_COLUMN, "85"))
        assert alerts(at, "error") == ["Tệp có 1 lỗi, chưa lưu dữ liệu nào. Sửa các lỗi dưới đây rồi gửi lại."]
        assert shown_problems(at) == EXPECTED["32-locked-area-year.csv"]["problems"]
        assert "commit_upload" not in {b.key for b in at.button}
        assert table_digest(store) == before
    finally:
        ingest.reopen(store, "thamdinh.tinh", AREA, YEAR, "mở lại sau kiểm thử")


@pytest.mark.usefixtures("district_open")
def test_the_page_warns_of_every_lock_that_will_refuse_the_file():
    """Whatever a lock covers, the officer learns it before sending: either the page warns of the lock
    and the file is refused, or there is no warning and the file is accepted."""
    at = login("canbo.991", "upload")
    store = store_of(at)
    ingest.reopen(store, "thamdinh.tinh", "99", YEAR)  # the sample approved it: approved again here
    ingest.approve(store, "thamdinh.tinh", "99", YEAR)  # the province's departments, approved
    try:
        at = login("canbo.991", "upload")
        warned = any("đã được phê duyệt và khóa" in w for w in alerts(at, "warning"))
        upload(at, "991-moi.csv", edit(BASE, CHANGED_ROW, CHANGED_COLUMN, "85"))
        refused = bool(alerts(at, "error"))
        assert warned == refused, (warned, alerts(at, "error"))
    finally:
        ingest.reopen(store, "thamdinh.tinh", "99", YEAR)
        ingest.approve(store, "thamdinh.tinh", "99", YEAR)  # as the sample left it
