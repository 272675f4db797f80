"""Completeness: the numbers against a plain Polars computation on the sample, the states (late,
returned, approved) after real uploads and reviews, the actor's area, the reminder export, and the
page through AppTest for a reviewer and an officer."""

from __future__ import annotations

import io
from datetime import date, timedelta

import polars as pl
import pytest
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
    metric,
    sample_db,
    store_of,
    vn_int,
)

from dcmetrics import access, completeness, config, framework, periods, territory
from dcmetrics.dashboard import Filters
from dcmetrics.fmt import fmt_pct
from dcmetrics.ingest import commit as ingest

PROFILE = "chung"


@pytest.fixture(scope="module")
def profile():
    return framework.load_profiles()[PROFILE]


# ---------------------------------------------------------------- the plain computation

def _area_of(units: pl.DataFrame) -> dict[str, str]:
    """Who sends each unit's figures, walking up in Python: the first node at or above it that is a
    commune directly under a province, or a non-commune with units below it, else the root."""
    parent = dict(zip(units["code"], units["parent_code"]))
    kind = dict(zip(units["code"], units["type"]))
    with_children = set(units["parent_code"].drop_nulls())
    out = {}
    for code in units["code"]:
        node = code
        while True:
            p = parent[node]
            if p is None or (kind[node] == "commune" and kind[p] == "province") or \
                    (kind[node] not in ("commune", "village") and node in with_children):
                break
            node = p
        out[code] = node
    return out


def plain(store, profile, year: int, root: str | None = None) -> pl.DataFrame:
    """unit_code, area_code, n_expected, n_submitted straight from the tables."""
    v = profile.in_force(year)
    applies = pl.DataFrame([{"indicator": i.code, "unit_type": t} for i in v.indicators() if i.entered_by == "unit"
                            for t in set(i.applies) & set(v.unit_types)])
    units = store.frame("SELECT code, type, parent_code, active_from, active_to FROM units")
    area = _area_of(units)
    if root is not None:
        inside, frontier = {root}, {root}
        while frontier:
            frontier = set(units.filter(pl.col("parent_code").is_in(sorted(frontier)))["code"]) - inside
            inside |= frontier
        units = units.filter(pl.col("code").is_in(sorted(inside)))
    ev = units.filter(pl.col("type").is_in(v.unit_types)
                      & (pl.col("active_from").is_null() | (pl.col("active_from") <= year))
                      & (pl.col("active_to").is_null() | (pl.col("active_to") >= year)))
    own = territory.units_of(store, profile.id, year)
    if own is not None:
        ev = ev.filter(pl.col("code").is_in(own))
    ev = ev.select(pl.col("code").alias("unit_code"), pl.col("type").alias("unit_type"))
    expected = ev.join(applies, on="unit_type").group_by("unit_code").agg(n_expected=pl.len())
    obs = store.frame("SELECT o.* FROM observations o JOIN submissions s ON s.id = o.submission_id "
                      "WHERE s.state = 'current' AND o.year = $y", {"y": year})
    newest = obs.group_by("unit_code").agg(pl.col("submission_id").max())
    sent = (obs.join(newest, on=["unit_code", "submission_id"])
            .filter(pl.col("value").is_not_null() | (pl.col("num").is_not_null() & pl.col("den").is_not_null()))
            .join(ev, on="unit_code").join(applies, on=["indicator", "unit_type"])
            .group_by("unit_code").agg(n_submitted=pl.len()))
    return (expected.join(sent, on="unit_code", how="left")
            .with_columns(pl.col("n_submitted").fill_null(0).cast(pl.Int64), pl.col("n_expected").cast(pl.Int64),
                          area_code=pl.col("unit_code").replace_strict(area))
            .select("unit_code", "area_code", "n_expected", "n_submitted").sort("unit_code"))


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_numbers_match_a_plain_computation(any_sample_store, profile, year):
    got = completeness.completeness(any_sample_store, profile, Filters(year), access.SYSTEM)
    want = plain(any_sample_store, profile, year)
    assert want.height > 100
    assert got.units.select(want.columns).sort("unit_code").equals(want)
    by_area = (want.group_by("area_code").agg(pl.col("n_expected", "n_submitted").sum(), units=pl.len())
               .sort("area_code"))
    assert got.areas.select(by_area.columns).sort("area_code").equals(by_area)
    t = got.total
    assert (t["units"], t["n_expected"], t["n_submitted"]) == (want.height, want["n_expected"].sum(),
                                                              want["n_submitted"].sum())
    assert t["n_missing"] == want["n_expected"].sum() - want["n_submitted"].sum()
    # the sample's files all came before any period existed: nothing late, nothing approved yet
    assert t["n_late"] == 0 and t["n_on_time"] == t["n_submitted"]
    incomplete = want.filter(pl.col("n_submitted") < pl.col("n_expected"))["unit_code"].sort().to_list()
    assert got.reminders["unit_code"].sort().to_list() == incomplete


def test_an_officer_counts_only_its_area(any_sample_store, profile):
    got = completeness.completeness(any_sample_store, profile, Filters(2024), "canbo.991")
    want = plain(any_sample_store, profile, 2024, root="991")
    assert got.areas["area_code"].to_list() == ["991"]
    assert got.units.select(want.columns).sort("unit_code").equals(want)
    with pytest.raises(access.AccessDenied):
        completeness.completeness(any_sample_store, profile, Filters(2024, area="992"), "canbo.991")


def test_late_returned_approved_and_whom_to_remind(any_fresh_sample_store, profile):
    s, year = any_fresh_sample_store, 2024
    for area in ("991", "992", "993"):
        if s.rows("SELECT 1 FROM area_locks WHERE area_code = $a AND year = $y", {"a": area, "y": year}):
            ingest.reopen(s, access.SYSTEM, area, year, "kiểm thử")
    before = completeness.completeness(s, profile, Filters(year), "thamdinh.tinh")  # kept per data version
    # (the sample approved 2024; the three districts reopened await review again)
    areas0 = {r["area_code"]: r for r in before.areas.iter_rows(named=True)}
    assert before.total["n_late"] == 0 and all(areas0[a]["units_approved"] == 0 for a in ("991", "992", "993"))
    today = date.today()
    periods.set_period(s, "quantri.demo", year, today - timedelta(20), today - timedelta(1), today + timedelta(5),
                       today + timedelta(10), "accept_late")
    base = (config.SAMPLE_DIR / str(year) / "991.csv").read_bytes()
    # the corrected file leaves one figure of Excel row 2's unit blank: one figure missing, sent late
    header = base.decode("utf-8-sig").splitlines()[0].split(",")
    first_indicator = next(c for c in header if c not in ("ma_don_vi", "ten_don_vi", "nam"))
    blank_unit = base.decode("utf-8-sig").splitlines()[1].split(",")[header.index("ma_don_vi")]
    ingest.import_file(s, edit(base, 2, first_indicator, ""), "991-muon.csv", year, "canbo.991", "991")
    ingest.return_submission(s, "thamdinh.tinh", "992", year, "thiếu minh chứng")
    ingest.approve(s, "thamdinh.tinh", "993", year)

    got = completeness.completeness(s, profile, Filters(year), "thamdinh.tinh")
    want = plain(s, profile, year)
    assert got.units.select(want.columns).sort("unit_code").equals(want)
    areas = {r["area_code"]: r for r in got.areas.iter_rows(named=True)}
    a991, a992, a993 = areas["991"], areas["992"], areas["993"]
    assert (a991["units_late"], a991["n_late"], a991["n_on_time"]) == (a991["units"], a991["n_submitted"], 0)
    assert a991["n_missing"] >= 1 and a991["units_incomplete"] >= 1
    assert (a992["units_returned"], a992["n_returned"], a992["n_late"]) == (a992["units"], a992["n_submitted"], 0)
    assert (a993["units_approved"], a993["n_approved"], a993["pct_approved"]) == (
        a993["units"], a993["n_submitted"], a993["n_submitted"] / a993["n_expected"])
    assert all(r["n_late"] == 0 for c, r in areas.items() if c != "991")

    rem = got.reminders
    returned = rem.filter(pl.col("area_code") == "992")
    assert returned.height == a992["units"]
    assert set(returned["reason"]) == {"Bị trả lại: thiếu minh chứng"}
    assert set(returned["uploaders"]) == {"Cán bộ nhập liệu 992 (thử) (canbo.992)"}
    blank = rem.filter(pl.col("unit_code") == blank_unit).row(0, named=True)
    assert blank["reason"].startswith("Thiếu ") and blank["uploaders"] == "Cán bộ nhập liệu 991 (thử) (canbo.991)"
    assert rem.filter(pl.col("area_code") == "993").height == 0 or \
        set(rem.filter(pl.col("area_code") == "993")["reason"]) <= {f"Thiếu {n} số liệu" for n in range(1, 40)}


def test_reminder_export_opens_with_the_headers_and_rows(any_sample_store, profile):
    got = completeness.completeness(any_sample_store, profile, Filters(2025), access.SYSTEM)
    assert got.reminders.height > 0
    data = completeness.reminders_xlsx(got)
    sheets = pl.read_excel(io.BytesIO(data), sheet_id=0, has_header=False)  # every sheet (calamine)
    assert list(sheets) == ["Cần nhắc 2025", "Ghi chú"]
    raw = sheets["Cần nhắc 2025"]
    assert raw.row(0)[0] == "DANH SÁCH ĐƠN VỊ CẦN NHẮC NỘP SỐ LIỆU NĂM 2025"  # the title rows, then the table
    head = next(i for i in range(raw.height) if raw.row(i)[0] == "Mã địa bàn")
    assert any(str(raw.row(i)[0]).startswith("Ngày xuất: ") for i in range(head))
    table = raw.slice(head + 1).rename(dict(zip(raw.columns, raw.row(head))))
    assert table.columns == list(completeness.REMINDER_HEADERS.values())
    assert table.height == got.reminders.height
    first = got.reminders.row(0, named=True)
    assert table.row(0)[2] == first["unit_code"] and table.row(0)[5] == first["reason"]
    assert int(table.row(0)[8]) == first["n_missing"]


# ---------------------------------------------------------------- the page

PASSWORDS = {"canbo.991": "demo-officer", "thamdinh.tinh": "demo-reviewer", "quantri.demo": "demo-admin"}


def login(username: str, page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_password").set_value(PASSWORDS[username])
    at.form_submit_button[0].click().run()
    assert at.session_state["account"].username == username, [e.value for e in at.error]
    at.switch_page(f"{PAGE_DIR}/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def _check_area_table(at: AppTest, want: completeness.Completeness) -> None:
    shown = display_values(frame_with(at, "Địa bàn", "Số liệu phải nộp", "Tỷ lệ đã nộp"))
    assert shown["Địa bàn"].tolist() == want.areas["area_name"].to_list()
    assert shown["Số liệu phải nộp"].tolist() == [vn_int(n) for n in want.areas["n_expected"]]
    assert shown["Đã nộp"].tolist() == [vn_int(n) for n in want.areas["n_submitted"]]
    assert shown["Tỷ lệ đã nộp"].tolist() == [fmt_pct(p) for p in want.areas["pct_submitted"]]
    t = want.total
    assert metric(at, "Đơn vị được đánh giá") == vn_int(t["units"])
    assert metric(at, "Số liệu đã nộp") == fmt_pct(t["pct_submitted"])


def test_page_for_the_province_reviewer(app_env, profile):
    at = login("thamdinh.tinh", "completeness")
    store = store_of(at)
    year = at.session_state["_context"][1].year
    want = completeness.completeness(store, profile, Filters(year), "thamdinh.tinh")
    assert want.areas.height > 5
    _check_area_table(at, want)
    assert [i.value for i in at.info][0] == periods.status_text(store, year)
    units = display_values(frame_with(at, "Mã đơn vị", "Trạng thái"))
    assert units["Mã đơn vị"].tolist() == want.units["unit_code"].to_list()
    assert len(at.get("download_button")) == 1


def test_page_for_an_officer_shows_only_its_area(app_env, profile):
    at = login("canbo.991", "completeness")
    store = store_of(at)
    year = at.session_state["_context"][1].year
    assert year == 2024  # the district's last year
    want = completeness.completeness(store, profile, Filters(year), "canbo.991")
    assert want.areas["area_code"].to_list() == ["991"]
    _check_area_table(at, want)
    codes = display_values(frame_with(at, "Mã đơn vị", "Trạng thái"))["Mã đơn vị"].tolist()
    assert set(codes) == set(plain(store, profile, year, root="991")["unit_code"])


def test_overview_shows_the_completeness(app_env, profile):
    at = login("thamdinh.tinh", "overview")
    store = store_of(at)
    year = at.session_state["_context"][1].year
    t = completeness.completeness(store, profile, Filters(year), "thamdinh.tinh").total
    assert metric(at, "Số liệu đã nộp") == fmt_pct(t["pct_submitted"])


def test_period_page_saves_a_period(app_env):
    at = login("quantri.demo", "periods")
    at.number_input(key="period_year").set_value(2030).run()
    at.date_input(key="period_submit_by_2030").set_value(date(2030, 11, 1))  # before the opening (01/12/2030)
    at.form_submit_button[0].click().run()
    assert [e.value for e in at.error] == ["Kỳ đánh giá có 1 lỗi, chưa lưu."]
    assert "Hạn gửi số liệu (01/11/2030) phải từ ngày mở (01/12/2030) trở đi" in "\n".join(m.value for m in at.markdown)
    assert periods.get_period(store_of(at), 2030) is None
    at.date_input(key="period_submit_by_2030").set_value(date(2031, 1, 20))
    at.form_submit_button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    listed = display_values(frame_with(at, "Năm", "Hạn gửi số liệu"))
    assert listed.loc[listed["Năm"] == "2030", "Hạn gửi số liệu"].tolist() == ["20/01/2031"]
    p = periods.get_period(store_of(at), 2030)
    assert (p.opens_on, p.submit_by, p.closes_on, p.set_by) == (date(2030, 12, 1), date(2031, 1, 20),
                                                                date(2031, 3, 1), "quantri.demo")
    assert any("hạn gửi số liệu 20/01/2031" in s.value for s in at.success)


def test_upload_page_says_when_the_year_is_closed(app_env):
    """(Last in this module: it closes 2024 in the module's database.)"""
    at = login("canbo.991", "upload")
    store = store_of(at)
    assert periods.status_text(store, 2024) in [c.value for c in at.caption]  # no period: open, nothing late
    today = date.today()
    periods.set_period(store, "quantri.demo", 2024, today - timedelta(30), today - timedelta(20),
                       today - timedelta(10), today - timedelta(1))
    at = login("canbo.991", "upload")
    assert at.session_state["upload_year"] == 2024
    assert (f"Kỳ đánh giá năm 2024 đã đóng ngày {(today - timedelta(1)).strftime('%d/%m/%Y')}; chỉ người thẩm định "
            "mở lại được địa bàn.") in [w.value for w in at.warning]
