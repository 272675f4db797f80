"""Evaluation periods: the rules an upload meets (before opening, on time, late accepted, late
refused, after closing, reopened), who may set a period or reopen an area, the audit rows, and
the same rules through the real upload path (check_file → commit, the stored `late` flag)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from conftest import STORE_KINDS, table_digest
from test_ingest import edit

from dcmetrics import access, audit, config, periods
from dcmetrics.errors import AccessDenied, Conflict, ValidationError
from dcmetrics.ingest import commit as ingest
from dcmetrics.store import Store

ADMIN, REVIEWER, OFFICER = "quantri.demo", "thamdinh.tinh", "canbo.991"
AREA, YEAR = "991", 2024
BASE = (config.SAMPLE_DIR / str(YEAR) / f"{AREA}.csv").read_bytes()


@pytest.fixture(scope="module", params=STORE_KINDS)
def db(request, module_store_factory) -> Store:
    """The sample province of this module (uploads change it), on each store in turn; 991's
    2024 figures unlocked."""
    s = module_store_factory(request.param, "sample")
    for area in (AREA, "992"):
        if s.rows("SELECT 1 FROM area_locks WHERE area_code = $a AND year = $y", {"a": area, "y": YEAR}):
            ingest.reopen(s, access.SYSTEM, area, YEAR, "kiểm thử kỳ đánh giá")
    return s


def _clear(store: Store) -> None:
    """Test-only reset between cases: no period, no reopening (the app has no way to delete them)."""
    with store.transaction() as cur:
        cur.execute("DELETE FROM evaluation_periods")
        cur.execute("DELETE FROM period_reopenings")


def _set(store: Store, year: int, opens: int, submit: int, review: int, closes: int, policy: str,
         today: date) -> periods.Period:
    opens, submit, review, closes = (today + timedelta(days=n) for n in (opens, submit, review, closes))
    return periods.set_period(store, ADMIN, year, opens, submit, review, closes, policy)


def vn(d: date) -> str:
    return d.strftime("%d/%m/%Y")


# ---------------------------------------------------------------- the rules, at a fixed moment

T = datetime(2026, 1, 20, 9, 30)  # the moment judged
D = T.date()
# name, (opens, submit_by, review_by, closes) in days from T, policy, reopened area, late, message or None
CASES = [
    ("before opening", (1, 10, 20, 30), "accept_late", None, False,
     f"Kỳ đánh giá năm {YEAR} chưa mở: nhận số liệu từ ngày {vn(D + timedelta(1))} (hạn gửi {vn(D + timedelta(10))})."),
    ("on time", (-10, 5, 20, 30), "accept_late", None, False, None),
    ("on the deadline day", (-10, 0, 20, 30), "refuse", None, False, None),
    ("opening day", (0, 5, 20, 30), "refuse", None, False, None),
    ("late, accepted", (-20, -1, 5, 10), "accept_late", None, True, None),
    ("late, refused", (-20, -1, 5, 10), "refuse", None, True,
     (f"Đã quá hạn gửi số liệu năm {YEAR} (hạn {vn(D - timedelta(1))}); kỳ đánh giá không nhận số liệu gửi muộn: "
      "đề nghị người thẩm định mở lại địa bàn.")),
    ("late, refused, area reopened", (-20, -1, 5, 10), "refuse", AREA, True, None),
    ("closing day, accepted late", (-20, -10, -5, 0), "accept_late", None, True, None),
    ("after closing", (-30, -20, -10, -1), "accept_late", None, True,
     f"Kỳ đánh giá năm {YEAR} đã đóng ngày {vn(D - timedelta(1))}; chỉ người thẩm định mở lại được địa bàn."),
    ("after closing, area reopened", (-30, -20, -10, -1), "accept_late", AREA, True, None),
    ("after closing, the province reopened", (-30, -20, -10, -1), "refuse", "99", True, None),
    ("after closing, another area reopened", (-30, -20, -10, -1), "accept_late", "992", True,
     f"Kỳ đánh giá năm {YEAR} đã đóng ngày {vn(D - timedelta(1))}; chỉ người thẩm định mở lại được địa bàn."),
]


@pytest.mark.parametrize("name, days, policy, reopened, late, message", CASES, ids=[c[0] for c in CASES])
def test_upload_verdict(db, name, days, policy, reopened, late, message):
    _clear(db)
    _set(db, YEAR, *days, policy, today=D)
    if reopened:
        periods.reopen_area(db, REVIEWER, reopened, YEAR, "đơn vị gửi bổ sung", at=T)
    v = periods.upload_verdict(db, AREA, YEAR, T)
    assert v.late is late
    assert (v.refused.message if v.refused else None) == message
    assert v.reopened is (reopened is not None and message is None and late)


def test_a_year_without_a_period_is_open_and_never_late(db):
    _clear(db)
    for at in (datetime(2000, 1, 1), T, datetime(2099, 12, 31)):
        assert periods.upload_verdict(db, AREA, YEAR, at) == periods.Verdict(False)
    assert periods.status_text(db, YEAR) == ("Năm 2024 chưa đặt kỳ đánh giá: địa bàn gửi số liệu lúc nào cũng được, "
                                             "không tính nộp muộn.")


# ---------------------------------------------------------------- through the upload path

TODAY = date.today()
# name, period in days from today (None: no period), policy, reopened area, stored?, late flag stored, message start
UPLOADS = [
    ("no period", None, None, None, True, False, None),
    ("before opening", (1, 10, 20, 30), "accept_late", None, False, None, f"Kỳ đánh giá năm {YEAR} chưa mở"),
    ("on time", (-10, 5, 20, 30), "refuse", None, True, False, None),
    ("late, accepted", (-20, -1, 5, 10), "accept_late", None, True, True, None),
    ("late, refused", (-20, -1, 5, 10), "refuse", None, False, None, f"Đã quá hạn gửi số liệu năm {YEAR} (hạn "),
    ("after closing", (-30, -20, -10, -1), "accept_late", None, False, None,
     f"Kỳ đánh giá năm {YEAR} đã đóng ngày {vn(TODAY - timedelta(1))}"),
    ("after closing, reopened: uploads again", (-30, -20, -10, -1), "accept_late", AREA, True, True, None),
]


@pytest.mark.parametrize("case", range(len(UPLOADS)), ids=[u[0] for u in UPLOADS])
def test_upload_path(db, case):
    name, days, policy, reopened, stored, late, message = UPLOADS[case]
    _clear(db)
    if days:
        _set(db, YEAR, *days, policy, today=TODAY)
    if reopened:
        periods.reopen_area(db, REVIEWER, reopened, YEAR, "bổ sung số liệu")
    content = edit(BASE, 2, "TRAIN_STAFF", str(40 + case))  # a file of its own: never «unchanged»
    if not stored:
        before = table_digest(db)
        with pytest.raises(ValidationError) as err:
            ingest.import_file(db, content, f"{name}.csv", YEAR, OFFICER, AREA)
        assert [p.message for p in err.value.problems][0].startswith(message)
        assert len(err.value.problems) == 1
        assert table_digest(db) == before
        return
    result = ingest.import_file(db, content, f"{name}.csv", YEAR, OFFICER, AREA)
    assert result.stored
    stored = db.rows("SELECT late, state FROM submissions WHERE id = $i", {"i": result.submission_id})
    assert stored == [(late, "current")]


def test_commit_refuses_when_the_period_closed_after_the_check(db):
    _clear(db)
    _set(db, YEAR, -10, 5, 20, 30, "accept_late", today=TODAY)
    checked = ingest.check_file(db, edit(BASE, 2, "TRAIN_STAFF", "77"), "x.csv", YEAR, OFFICER, AREA)
    _set(db, YEAR, -30, -20, -10, -1, "accept_late", today=TODAY)  # the administrator closes the year
    before = table_digest(db)
    with pytest.raises(ValidationError, match="1 lỗi") as err:
        ingest.commit(db, checked, OFFICER)
    assert "đã đóng ngày" in err.value.problems[0].message
    assert table_digest(db) == before


# ---------------------------------------------------------------- setting, reopening: who, what, audit

def _audit(store: Store, action: str) -> list[tuple]:
    return store.rows("SELECT actor, object, before_json, after_json FROM audit WHERE action = $a ORDER BY id",
                      {"a": action})


@pytest.mark.parametrize("who", [REVIEWER, OFFICER, "lanhdao.tinh", "thiduakhenthuong"])
def test_only_an_administrator_sets_a_period(db, who):
    _clear(db)
    before = table_digest(db)
    with pytest.raises(AccessDenied, match="không được đặt kỳ đánh giá"):
        periods.set_period(db, who, 2025, date(2025, 12, 1), date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 1))
    assert table_digest(db) == before


def test_setting_a_period_is_audited_with_before_and_after(db):
    _clear(db)
    n = len(_audit(db, audit.PERIOD_SET))
    periods.set_period(db, ADMIN, 2025, date(2025, 12, 1), date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 1))
    periods.set_period(db, ADMIN, 2025, date(2025, 12, 1), date(2026, 1, 31), date(2026, 2, 15), date(2026, 3, 1),
                       "refuse")
    rows = _audit(db, audit.PERIOD_SET)[n:]
    assert [(r[0], r[1]) for r in rows] == [(ADMIN, "period:2025"), (ADMIN, "period:2025")]
    assert rows[0][2] is None
    assert json.loads(rows[0][3]) == {"year": 2025, "opens_on": "2025-12-01", "submit_by": "2026-01-15",
                                      "review_by": "2026-02-15", "closes_on": "2026-03-01",
                                      "late_policy": "accept_late"}
    assert json.loads(rows[1][2])["submit_by"] == "2026-01-15"
    assert json.loads(rows[1][3])["submit_by"] == "2026-01-31" and json.loads(rows[1][3])["late_policy"] == "refuse"
    p = periods.get_period(db, 2025)
    assert (p.submit_by, p.late_policy, p.set_by) == (date(2026, 1, 31), "refuse", ADMIN)


BAD = [
    ("deadline before opening", (date(2026, 1, 15), date(2025, 12, 1), date(2026, 2, 15), date(2026, 3, 1)),
     "accept_late", [("Hạn gửi số liệu", "Hạn gửi số liệu (01/12/2025) phải từ ngày mở (15/01/2026) trở đi")]),
    ("review before deadline", (date(2025, 12, 1), date(2026, 1, 15), date(2026, 1, 10), date(2026, 3, 1)),
     "accept_late", [("Hạn thẩm định", "Hạn thẩm định (10/01/2026) phải từ hạn gửi số liệu (15/01/2026) trở đi")]),
    ("closing before review", (date(2025, 12, 1), date(2026, 1, 15), date(2026, 2, 15), date(2026, 2, 1)),
     "accept_late", [("Ngày đóng", "Ngày đóng (01/02/2026) phải từ hạn thẩm định (15/02/2026) trở đi")]),
    ("closing before the year", (date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)),
     "accept_late", [("Ngày đóng", "ngày đóng (04/01/2024) phải sau khi năm 2025 bắt đầu")]),
    ("a date missing, a policy unknown", (None, date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 1)), "maybe",
     [("Ngày mở", "chưa nhập ngày mở"),
      ("Số liệu gửi sau hạn", "cách xử lý «maybe» không có; chọn một trong: Nhận, đánh dấu nộp muộn, Không nhận")]),
]


@pytest.mark.parametrize("name, dates, policy, problems", BAD, ids=[b[0] for b in BAD])
def test_a_period_out_of_order_is_refused_naming_the_field(db, name, dates, policy, problems):
    _clear(db)
    before = table_digest(db)
    with pytest.raises(ValidationError) as err:
        periods.set_period(db, ADMIN, 2025, *dates, policy)
    assert [(p.where, p.message) for p in err.value.problems] == problems
    assert table_digest(db) == before


def test_reopening_is_for_reviewers_needs_a_reason_and_is_audited(db):
    _clear(db)
    _set(db, YEAR, -30, -20, -10, -1, "accept_late", today=TODAY)
    with pytest.raises(AccessDenied):
        periods.reopen_area(db, OFFICER, AREA, YEAR, "tự mở")
    with pytest.raises(AccessDenied):  # nor outside its area
        periods.reopen_area(db, OFFICER, "992", YEAR, "tự mở")
    with pytest.raises(Conflict, match="phải ghi rõ lý do"):
        periods.reopen_area(db, REVIEWER, AREA, YEAR, "  ")
    assert db.rows("SELECT count(*) FROM period_reopenings")[0][0] == 0
    n = len(_audit(db, audit.PERIOD_REOPEN))
    periods.reopen_area(db, REVIEWER, AREA, YEAR, "Huyện gửi bổ sung")
    rows = _audit(db, audit.PERIOD_REOPEN)[n:]
    assert [(r[0], r[1]) for r in rows] == [(REVIEWER, f"area:{AREA}:{YEAR}")]
    assert json.loads(rows[0][3]) == {"reason": "Huyện gửi bổ sung", "closes_on": (TODAY - timedelta(1)).isoformat()}
    assert periods.reopenings(db, OFFICER, YEAR)["area_code"].to_list() == [AREA]
    assert periods.reopenings(db, "canbo.992", YEAR).is_empty()


def test_reopening_before_the_deadline_or_without_a_period_is_refused(db):
    _clear(db)
    with pytest.raises(Conflict, match="chưa đặt kỳ đánh giá"):
        periods.reopen_area(db, REVIEWER, AREA, YEAR, "lý do")
    _set(db, YEAR, -10, 5, 20, 30, "accept_late", today=TODAY)
    with pytest.raises(Conflict, match="vẫn gửi được, không cần mở lại"):
        periods.reopen_area(db, REVIEWER, AREA, YEAR, "lý do")
