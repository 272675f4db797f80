"""Each unit-year's figures: submitted, returned (reason), approved (locked); only approved figures in
the appraised basis; a file carrying some units keeps the others' figures and states."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import table_digest

from dcmetrics import scoring, unit_reviews
from dcmetrics.errors import Conflict, ValidationError
from dcmetrics.ingest import commit as ingest
from dcmetrics.unit_reviews import APPROVED, RETURNED, SUBMITTED

COMMUNE, SCHOOL = "99401", "SN97201"  # the two units of new commune 99401's 2025 file (awaiting review)
FILE_2025 = "data/sample/2025/99401.csv"


def only_row(path: str, unit: str, column: str | None = None, value: str | None = None) -> bytes:
    """The sample file with the header and one unit's row (optionally one cell changed)."""
    lines = open(path, encoding="utf-8-sig").read().splitlines()
    header = lines[0].split(",")
    row = next(line.split(",") for line in lines[1:] if line.split(",")[0] == unit)
    if column:
        row[header.index(column)] = value
    return ("\n".join([lines[0], ",".join(row)]) + "\n").encode("utf-8")


@pytest.mark.parametrize("act, state, expected", [
    ("upload", None, SUBMITTED), ("upload", SUBMITTED, SUBMITTED), ("upload", RETURNED, SUBMITTED),
    ("upload", APPROVED, "đã được phê duyệt và khóa; cần mở lại trước khi gửi số liệu mới"),
    ("approve", SUBMITTED, APPROVED), ("approve", APPROVED, "đã được phê duyệt; không duyệt lại"),
    ("approve", RETURNED, "đã bị trả lại, chờ đơn vị gửi lại trước khi duyệt"),
    ("approve", None, "chưa có số liệu"),
    ("return", SUBMITTED, RETURNED), ("return", RETURNED, RETURNED),
    ("return", APPROVED, "đã được phê duyệt và khóa; cần mở lại trước khi trả lại"),
    ("reopen", APPROVED, SUBMITTED), ("reopen", SUBMITTED, "chưa được phê duyệt"),
    ("restore", RETURNED, SUBMITTED), ("restore", APPROVED, "đã được phê duyệt và khóa; cần mở lại trước"),
])
def test_state_transitions(act, state, expected):
    if expected in unit_reviews.STATE_LABELS:
        assert unit_reviews.next_state(act, state, "X1") == expected
    else:
        with pytest.raises(Conflict) as err:
            unit_reviews.next_state(act, state, "X1")
        assert str(err.value) == f"Số liệu của đơn vị X1 {expected}."


def test_the_sample_has_both_states(any_sample_store):
    assert unit_reviews.pending_count(any_sample_store, 2024) == {SUBMITTED: 0, RETURNED: 0, APPROVED: 283}
    assert unit_reviews.pending_count(any_sample_store, 2025) == {SUBMITTED: 37, RETURNED: 0, APPROVED: 95}
    states = dict(unit_reviews.states(any_sample_store, 2025).select("unit_code", "review_state").iter_rows())
    assert states[COMMUNE] == states[SCHOOL] == SUBMITTED and states["99421"] == APPROVED


def test_the_appraised_basis_leaves_out_figures_not_approved(any_sample_store, profiles):
    chung = profiles["chung"]
    appraised = scoring.score(any_sample_store, chung, [2025], "appraised").year(2025)
    self_ = scoring.score(any_sample_store, chung, [2025], "self").year(2025)
    assert COMMUNE not in appraised["unit_code"].to_list() and COMMUNE in self_["unit_code"].to_list()
    approved = {u for u, s in unit_reviews.states(any_sample_store, 2025).select("unit_code", "review_state").iter_rows()
                if s == APPROVED}
    assert set(appraised["unit_code"]) <= approved
    assert set(self_["unit_code"]) - set(appraised["unit_code"]) == set(self_["unit_code"]) - approved
    text = unit_reviews.awaiting_sentence(unit_reviews.pending_count(any_sample_store, 2025), "appraised")
    assert text == ("Còn 37 đơn vị chờ thẩm định. Số liệu chưa được phê duyệt không có trong kết quả sau thẩm định.")


def test_approve_return_send_again_approve(any_fresh_sample_store, profiles):
    store, chung = any_fresh_sample_store, profiles["chung"]

    def in_appraised():
        return COMMUNE in scoring.cached_score(store, chung, [2025], "appraised").year(2025)["unit_code"].to_list()

    assert not in_appraised()
    ingest.return_submission(store, "thamdinh.tinh", COMMUNE, 2025, "Thiếu biên bản hội nghị", unit_codes=[COMMUNE])
    st = dict(unit_reviews.states(store, 2025, [COMMUNE, SCHOOL]).select("unit_code", "review_state").iter_rows())
    assert st == {COMMUNE: RETURNED, SCHOOL: SUBMITTED}
    with pytest.raises(Conflict, match="Số liệu của đơn vị 99401 đã bị trả lại, chờ đơn vị gửi lại"):
        ingest.approve(store, "thamdinh.tinh", COMMUNE, 2025)
    # the school alone may be approved; the commune waits for its file
    ingest.approve(store, "thamdinh.tinh", COMMUNE, 2025, unit_codes=[SCHOOL])
    with pytest.raises(Conflict, match="đơn vị SN97201 đã được phê duyệt; không duyệt lại"):
        ingest.approve(store, "thamdinh.tinh", COMMUNE, 2025, unit_codes=[SCHOOL])
    assert not in_appraised()
    # the officer sends the commune's row again: the school's approved figures are kept as they are
    again = only_row(FILE_2025, COMMUNE, "TRAIN_STAFF", "9")
    res = ingest.import_file(store, again, "99401-sua.csv", 2025, "canbo.99401", area_code=COMMUNE)
    assert res.stored and res.checked.kept_units == [SCHOOL]
    st = dict(unit_reviews.states(store, 2025, [COMMUNE, SCHOOL]).select("unit_code", "review_state").iter_rows())
    assert st == {COMMUNE: SUBMITTED, SCHOOL: APPROVED}
    ingest.approve(store, "thamdinh.tinh", COMMUNE, 2025)
    assert in_appraised()
    assert store.rows("SELECT count(*) FROM area_locks WHERE area_code = $a AND year = 2025", {"a": COMMUNE}) == [(1,)]
    with pytest.raises(Conflict, match="đã được phê duyệt; không duyệt lại"):
        ingest.approve(store, "thamdinh.tinh", COMMUNE, 2025)
    ingest.reopen(store, "thamdinh.tinh", COMMUNE, 2025, "Sửa số liệu")
    assert not in_appraised()
    assert unit_reviews.pending_count(store, 2025, [COMMUNE, SCHOOL]) == {SUBMITTED: 2, RETURNED: 0, APPROVED: 0}


def test_a_file_with_some_units_keeps_the_others(any_fresh_sample_store, profiles):
    store = any_fresh_sample_store
    school_before = store.rows("SELECT indicator, value, num, den FROM observations o JOIN submissions s "
                               "ON s.id = o.submission_id WHERE s.state = 'current' AND o.unit_code = $u AND "
                               "o.year = 2025 ORDER BY indicator", {"u": SCHOOL})
    partial = only_row(FILE_2025, COMMUNE, "TRAIN_STAFF", "7")
    checked = ingest.check_file(store, partial, "mot-don-vi.csv", 2025, "canbo.99401", area_code=COMMUNE)
    changes = dict(ingest.data_changes(store, checked).select("unit_code", "data_change").iter_rows())
    assert changes == {COMMUNE: "changed", SCHOOL: "kept"}
    assert ingest.change_summary(ingest.data_changes(store, checked)) == (
        "So với số liệu đang lưu: 1 đơn vị thay đổi, 1 đơn vị không có trong tệp, giữ nguyên số liệu đang lưu.")
    preview = ingest.preview(store, checked, profiles["chung"], "canbo.99401", basis="self")
    assert set(preview["unit_code"]) == {COMMUNE, SCHOOL}
    ingest.commit(store, checked, "canbo.99401")
    school_after = store.rows("SELECT indicator, value, num, den FROM observations o JOIN submissions s "
                              "ON s.id = o.submission_id WHERE s.state = 'current' AND o.unit_code = $u AND "
                              "o.year = 2025 ORDER BY indicator", {"u": SCHOOL})
    assert school_after == school_before and len(school_after) > 10
    # the whole area's data replaced: the school left out loses its figures and its state
    whole = ingest.check_file(store, partial, "ca-dia-ban.csv", 2025, "canbo.99401", area_code=COMMUNE,
                              replace_all=True)
    assert dict(ingest.data_changes(store, whole).select("unit_code", "data_change").iter_rows()) == {
        COMMUNE: "unchanged", SCHOOL: "removed"}
    ingest.commit(store, whole, "canbo.99401")
    assert unit_reviews.states(store, 2025, [SCHOOL]).height == 0
    # each unit's history stays restorable: the first file brings the school back, awaiting review
    first = store.rows("SELECT min(id) FROM submissions WHERE area_code = $a AND year = 2025", {"a": COMMUNE})[0][0]
    ingest.restore(store, "thamdinh.tinh", first)
    assert unit_reviews.pending_count(store, 2025, [COMMUNE, SCHOOL])[SUBMITTED] == 2


def test_a_unit_approved_alone_is_locked_the_others_stay_open(any_fresh_sample_store):
    store = any_fresh_sample_store
    ingest.approve(store, "thamdinh.tinh", COMMUNE, 2025, unit_codes=[SCHOOL])
    before = table_digest(store)
    with pytest.raises(ValidationError) as err:
        ingest.import_file(store, only_row(FILE_2025, SCHOOL, "TRAIN_STAFF", "3"), "truong.csv", 2025,
                           "canbo.99401", area_code=COMMUNE)
    assert [str(p) for p in err.value.problems] == [
        "dòng 2, cột «ma_don_vi»: đơn vị «SN97201» thuộc số liệu năm 2025 của Phường Nghĩa Tường (99401) đã được "
        "phê duyệt và khóa (người duyệt: thamdinh.tinh); đề nghị người thẩm định mở lại hoặc bỏ đơn vị này khỏi tệp"]
    assert table_digest(store) == before
    assert ingest.import_file(store, only_row(FILE_2025, COMMUNE), "xa.csv", 2025, "canbo.99401",
                              area_code=COMMUNE).stored


@pytest.mark.parametrize("kind", ["xlsx", "csv-comma", "csv-semicolon"])
def test_a_filled_template_carries_the_stored_figures_and_comes_back_unchanged(any_sample_store, kind):
    from dcmetrics.ingest.template import build_csv, build_xlsx

    content = {"xlsx": lambda: build_xlsx(any_sample_store, COMMUNE, 2025, filled=True),
               "csv-comma": lambda: build_csv(any_sample_store, COMMUNE, 2025, filled=True),
               "csv-semicolon": lambda: build_csv(any_sample_store, COMMUNE, 2025, "semicolon", filled=True)}[kind]()
    checked = ingest.check_file(any_sample_store, content, f"mau.{kind[:4]}", 2025, "canbo.99401", area_code=COMMUNE)
    changes = ingest.data_changes(any_sample_store, checked)
    assert dict(changes.select("unit_code", "data_change").iter_rows()) == {COMMUNE: "unchanged", SCHOOL: "unchanged"}
    stored = any_sample_store.rows("SELECT count(*) FROM observations o JOIN submissions s ON s.id = o.submission_id "
                               "WHERE s.state = 'current' AND s.area_code = $a AND o.year = 2025 AND "
                               "(o.value IS NOT NULL OR o.num IS NOT NULL)", {"a": COMMUNE})[0][0]
    filled = checked.observations.filter(pl.col("value").is_not_null() | pl.col("num").is_not_null()).height
    assert filled == stored > 20
    if kind == "csv-semicolon":  # Vietnamese Excel's decimal comma
        assert any("," in cell for line in content.decode("utf-8-sig").splitlines()[1:]
                   for cell in line.split(";")[3:])
    # a new year's template stays blank
    blank = build_csv(any_sample_store, COMMUNE, 2026, filled=True).decode("utf-8-sig").splitlines()
    assert all(not any(line.split(",")[3:]) for line in blank[1:])


def test_the_shortlist_leaves_out_figures_not_approved_and_says_why(any_sample_store, profiles):
    from dcmetrics import proposal, shortlist

    chung = profiles["chung"]
    appraised = shortlist.shortlist(any_sample_store, "thiduakhenthuong", chung, 2025)
    waiting = set(appraised.awaiting["unit_code"])
    assert COMMUNE in waiting and not waiting & set(appraised.units["unit_code"])
    row = appraised.awaiting.filter(pl.col("unit_code") == COMMUNE).row(0, named=True)
    assert (row["review_label"], row["reason"]) == ("Chờ thẩm định", "Số liệu chưa được phê duyệt (chờ thẩm định)")
    assert appraised.pending_selected.is_empty()
    assert "Không xét" in proposal.header_lines(appraised)["counts"]
    # on the self-assessed basis a unit awaiting review may be proposed: no export without the committee's reason
    version = chung.in_force(2025)
    rules = shortlist.Rules.from_profile(version, basis="self", min_level=version.levels[1].level, previous_years=0,
                                         max_per_area=None, max_share=None, require_complete=False,
                                         no_unhandled_violation=False)
    own = shortlist.shortlist(any_sample_store, "thiduakhenthuong", chung, 2025, rules)
    pending = own.pending_selected
    assert pending.height > 0 and set(pending["review_state"]) <= {SUBMITTED, RETURNED}
    with pytest.raises(Conflict, match=f"^{pending.height} đơn vị được đề nghị có số liệu chưa được phê duyệt"):
        proposal.shortlist_xlsx(own)
    with pytest.raises(Conflict):
        proposal.shortlist_html(own, pending_reason="  ")
    html = proposal.shortlist_html(own, pending_reason="Hội đồng họp trước hạn thẩm định")
    assert "Hội đồng vẫn xuất danh sách vì: Hội đồng họp trước hạn thẩm định" in html
    assert proposal.shortlist_xlsx(own, pending_reason="Hội đồng họp trước hạn thẩm định").startswith(b"PK")


def test_results_pages_say_how_many_units_await_review(any_sample_store, profiles):
    from dcmetrics.dashboard import Filters, awaiting_review, ranking

    chung = profiles["chung"]
    assert awaiting_review(any_sample_store, chung, Filters(2024), "lanhdao.tinh") is None
    said = awaiting_review(any_sample_store, chung, Filters(2025), "lanhdao.tinh")
    mine = ranking(any_sample_store, chung, Filters(2025, basis="self"), "lanhdao.tinh")
    n = mine.filter(pl.col("review_state") == SUBMITTED).height
    assert n > 0 and said == (f"Còn {n} đơn vị chờ thẩm định. Số liệu chưa được phê duyệt không có trong kết quả "
                              "sau thẩm định.")
    assert set(mine.filter(pl.col("unit_code") == COMMUNE)["review_label"]) == {"Chờ thẩm định"}
