"""Commendation shortlist: rules, quota and ties, cluster leaders, reminders, access, exports."""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import replace

import polars as pl
import pytest

from dcmetrics import access, appraisal, bootstrap, proposal, scoring, territory, units
from dcmetrics.errors import AccessDenied, DcmetricsError
from dcmetrics.fmt import fmt_points
from dcmetrics.shortlist import (FAILED, NEAR, RULE_COLUMNS, SELECTED, Rules, _violations, apply_quota,
                                 share_cap, shortlist)
from dcmetrics.store import Store

YEAR = 2024  # the last year with districts: areas, clusters and a year before it, as the rules use them
COMMITTEE = "thiduakhenthuong"
# Found in the sample first (see test_history_premise): Tốt in 2024 (97,9) and Khá in 2023, and
# meets every other rule, so only previous_years keeps it off the list.
TOT_2024_KHA_2023 = "99056"
FORMULA_NAME = '=HYPERLINK("x")'
SCRIPT_NAME = '<script>alert("x")</script>'
RENAMED = {"99011": FORMULA_NAME, "99104": SCRIPT_NAME}  # both proposed under the chung defaults
VIOLATOR = "99167"  # proposed under the defaults; given one unhandled violation in `modified_store`

# words that name each rule in the reasons (the reasons are Vietnamese sentences)
RULE_WORDS = {
    "ok_level": ("chưa đạt mức tối thiểu", "không đủ điều kiện xếp loại"),
    "ok_total": ("tổng điểm",),
    "ok_complete": ("thiếu số liệu",),
    "ok_violations": ("vi phạm chưa xử lý",),
    "ok_history": ("năm 2023", "năm 2022"),
    "ok_quota": ("vượt hạn mức", "đơn vị đứng đầu"),
}


@pytest.fixture(scope="module")
def chung(profiles):
    return profiles["chung"]


@pytest.fixture(scope="module")
def default_list(any_sample_store, chung):
    return shortlist(any_sample_store, COMMITTEE, chung, YEAR, Rules.from_profile(chung))


@pytest.fixture(scope="module")
def modified_store(module_store_factory) -> Store:
    """The sample with two proposed units renamed (a formula, a script tag) and one proposed unit
    given an unhandled violation (appraised: 2 found, 1 handled; with none of them handled, DISC_HANDLED alone
    would take its group under the Tốt floor). On the embedded store: the shortlist is the same code
    over the stored runs, which tests/test_pg_scores.py finds equal on PostgreSQL."""
    s = module_store_factory("duckdb", "sample")
    frame = units.all_units(s).with_columns(
        pl.when(pl.col("code").is_in(list(RENAMED))).then(pl.col("code").replace_strict(RENAMED, default=None))
        .otherwise(pl.col("name")).alias("name"))
    units.replace_units(s, frame, access.SYSTEM)
    appraisal.set_appraisals(s, access.SYSTEM, [
        {"unit_code": VIOLATOR, "year": YEAR, "indicator": "DISC_HANDLED", "num": 1, "den": 2,
         "reason": "Đoàn kiểm tra phát hiện 02 vi phạm, 01 vi phạm chưa được xử lý"},
        {"unit_code": VIOLATOR, "year": YEAR, "indicator": "DISC_VIOLATIONS", "value": 2,
         "reason": "Đoàn kiểm tra phát hiện 02 vi phạm"}])
    return s


def _check_invariants(sl, profile, rules: Rules):
    u = sl.units
    min_ord = profile.level_names().index(rules.min_level) + 1
    sel = u.filter(pl.col("selected"))
    # every selected unit passes every rule, has the level and the total
    for col in RULE_COLUMNS:
        assert sel[col].fill_null(False).all(), col
    assert (sel["level_ord"] <= min_ord).all()
    if rules.min_total is not None:
        assert (sel["total"] >= rules.min_total).all()
    assert (sel["status"] == SELECTED).all()
    assert sel["reasons"].str.starts_with("Đạt mọi tiêu chí").all()
    # every other rated unit fails at least one rule and its reasons name each failed rule
    others = u.filter(~pl.col("selected") & pl.col("rated"))
    for row in others.iter_rows(named=True):
        failed = [c for c in RULE_COLUMNS if row[c] is False]
        assert failed, row["unit_code"]
        assert row["reasons"], row["unit_code"]
        text = row["reasons"].lower()
        for col in failed:
            assert any(w in text for w in RULE_WORDS[col]), (row["unit_code"], col, row["reasons"])
        assert row["status"] == (NEAR if len(failed) == 1 else FAILED)
    # the quota is judged only for units that pass every other rule
    cand = u.filter(pl.all_horizontal([pl.col(c) for c in RULE_COLUMNS[:-1]]))
    assert cand["ok_quota"].is_not_null().all()
    assert u.filter(~pl.col("candidate"))["ok_quota"].is_null().all()


# --- rules ---------------------------------------------------------------------------------------

def test_rules_from_profile(chung):
    r = Rules.from_profile(chung)
    assert r == Rules(min_level="Tốt", min_total=90.0, require_complete=True, no_unhandled_violation=True,
                      previous_years=1, max_per_area=5, max_share=0.15, per_cluster=False, basis="appraised")
    bare = Rules.from_profile(replace(chung, commendation={}))
    assert bare.min_level == chung.levels[0].level and bare.previous_years == 0
    assert bare.max_share is None and bare.max_per_area is None and bare.require_complete
    assert Rules.from_profile(chung, max_share=0.1).max_share == 0.1


def test_invalid_rules_refused(any_sample_store, chung):
    with pytest.raises(DcmetricsError, match="mức tối thiểu «Xuất sắc» không phải một mức xếp loại"):
        shortlist(any_sample_store, COMMITTEE, chung, YEAR, Rules.from_profile(chung, min_level="Xuất sắc"))
    with pytest.raises(DcmetricsError, match="tỷ lệ tối đa"):
        shortlist(any_sample_store, COMMITTEE, chung, YEAR, Rules.from_profile(chung, max_share=0))


def test_defaults_invariants_and_counts(default_list, chung):
    sl = default_list
    _check_invariants(sl, chung, sl.rules)
    # every unit the province's profile scores, all rated (the former province's under its own resolution)
    assert sl.units.height == sl.n_rated == 244
    # (chung 2025.2 no longer scores BOARD_RECOMMEND, PROP_PORTAL, INSP_REPORT_ON_TIME, DISC_VIOLATIONS, nor the
    # Boards for enterprises)
    assert sl.selected.height == 28
    assert sl.reminders.height == 18
    assert set(sl.units["status"]) <= {SELECTED, NEAR, FAILED}
    assert sl.profile_id == "chung" and sl.profile_version == chung.in_force(YEAR).version and sl.year == YEAR
    assert sl.area_code == "99"  # the committee's own area when none is given


def test_invariants_under_other_rules(any_sample_store, chung):
    for rules in (Rules.from_profile(chung, max_per_area=1, max_share=0.1),
                  Rules.from_profile(chung, previous_years=0, min_total=95.0, max_share=0.05),
                  Rules.from_profile(chung, previous_years=2, per_cluster=True, max_per_area=1),
                  Rules.from_profile(chung, min_level="Khá", previous_years=0, max_per_area=2)):
        _check_invariants(shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules), chung, rules)


def test_vietnamese_points_in_reasons(default_list):
    row = default_list.selected.row(0, named=True)
    assert fmt_points(row["total"]) in row["reasons"]
    km = default_list.units.filter(pl.col("level") == "Khá").row(0, named=True)
    assert km["reasons"].startswith("Mức Khá, chưa đạt mức tối thiểu Tốt")


def test_deterministic(any_sample_store, chung):
    rules = Rules.from_profile(chung, previous_years=0, max_share=0.02)
    a = shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules)
    b = shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules)
    assert a.units.equals(b.units) and a.reminders.equals(b.reminders) and a.cluster_leaders.equals(b.cluster_leaders)


# --- violations and reminders --------------------------------------------------------------------

def _scored(store, profile) -> scoring.ScoreResult:
    """The year scored from scratch as the shortlist sees it: the version in force, the profile's own units."""
    return scoring.score(store, profile.in_force(YEAR), [YEAR], unit_codes=territory.units_of(store, profile.id, YEAR))


def _independent_unhandled(store, profile) -> dict[str, int]:
    items = _scored(store, profile).items.filter(pl.col("year") == YEAR)
    h = items.filter(pl.col("indicator") == "DISC_HANDLED").select("unit_code", (pl.col("den") - pl.col("num")).alias("u"))
    return {c: int(n) for c, n in h.iter_rows() if n and n > 0}


def test_unhandled_violations_never_selected(any_sample_store, chung, default_list):
    violators = _independent_unhandled(any_sample_store, chung)
    assert violators  # the sample has some every year
    relaxed = shortlist(any_sample_store, COMMITTEE, chung, YEAR,
                        Rules.from_profile(chung, min_level="Yếu", min_total=None, previous_years=0,
                                           require_complete=False, max_per_area=None, max_share=None))
    for sl in (default_list, relaxed):
        rows = sl.units.filter(pl.col("unit_code").is_in(list(violators)))
        assert not rows["selected"].any()
        assert not rows["ok_violations"].any()
        for code, n in violators.items():
            reason = rows.filter(pl.col("unit_code") == code)["reasons"].item()
            assert f"còn {n} vi phạm chưa xử lý" in reason.lower()
        assert set(violators) <= set(sl.reminders["unit_code"])


def test_violation_alone_keeps_a_good_unit_off(modified_store, chung):
    rules = Rules.from_profile(chung, previous_years=0)
    row = shortlist(modified_store, COMMITTEE, chung, YEAR, rules).units.filter(
        pl.col("unit_code") == VIOLATOR).row(0, named=True)
    assert row["level"] == "Tốt" and row["total"] >= 90 and row["n_unhandled"] == 1
    assert [c for c in RULE_COLUMNS if row[c] is False] == ["ok_violations"]
    assert row["status"] == NEAR and row["reasons"] == "Còn 1 vi phạm chưa xử lý"
    sl = shortlist(modified_store, COMMITTEE, chung, YEAR, replace(rules, no_unhandled_violation=False))
    assert sl.units.filter(pl.col("unit_code") == VIOLATOR)["selected"].item()
    reminder = sl.reminders.filter(pl.col("unit_code") == VIOLATOR)
    assert reminder["reasons"].item() == "Còn 1 vi phạm chưa xử lý"


def test_violations_fall_back_to_the_count():
    items = pl.DataFrame({
        "unit_code": ["A", "A", "B", "C", "D"], "year": [YEAR] * 5,
        "indicator": ["DISC_HANDLED", "DISC_VIOLATIONS", "DISC_VIOLATIONS", "DISC_HANDLED", "TRAIN_STAFF"],
        "value": [None, 3.0, 2.0, None, 50.0], "num": [3.0, None, None, None, None], "den": [3.0, None, None, None, None]})
    got = dict(_violations(items, YEAR).iter_rows())
    assert got == {"A": 0, "B": 2}  # C has no usable value, D no such indicator


def test_reminders(any_sample_store, chung, default_list):
    units_ = _scored(any_sample_store, chung).year(YEAR)
    lowest = chung.levels[-1].level
    expected = set(units_.filter(~pl.col("rated") | (pl.col("level") == lowest))["unit_code"])
    expected |= set(_independent_unhandled(any_sample_store, chung))
    assert set(default_list.reminders["unit_code"]) == expected
    assert default_list.reminders["reasons"].str.len_chars().min() > 0
    yeu = default_list.reminders.filter(pl.col("level") == lowest)
    assert yeu["reasons"].str.starts_with(f"Mức {lowest} (mức thấp nhất)").all()


def test_not_rated_units(any_sample_store, profiles):
    prof = profiles["tiep-can-phap-luat-mau"]
    sl = shortlist(any_sample_store, COMMITTEE, prof, YEAR, Rules.from_profile(prof))
    nr = sl.units.filter(~pl.col("rated"))
    assert nr.height > 0
    assert (nr["status"] == FAILED).all() and not nr["ok_level"].any()
    assert nr["reasons"].str.starts_with("Không đủ điều kiện xếp loại (").all()
    assert set(nr["unit_code"]) <= set(sl.reminders["unit_code"])
    _check_invariants(sl, prof, sl.rules)


# --- history -------------------------------------------------------------------------------------

def test_history_premise(any_sample_store, chung):
    """Each year as the shortlist sees it: by the version in force that year."""
    levels = {}
    for y in (2023, YEAR):
        u = scoring.score(any_sample_store, chung.in_force(y), [y]).year(y).filter(pl.col("unit_code") == TOT_2024_KHA_2023)
        levels[y] = u["level"].item()
    assert levels == {2023: "Khá", 2024: "Tốt"}


def test_previous_years_excludes_unit_not_good_last_year(any_sample_store, chung):
    base = Rules.from_profile(chung, previous_years=0, max_per_area=None, max_share=None)
    without = shortlist(any_sample_store, COMMITTEE, chung, YEAR, base)
    with_ = shortlist(any_sample_store, COMMITTEE, chung, YEAR, replace(base, previous_years=1))
    assert without.units.filter(pl.col("unit_code") == TOT_2024_KHA_2023)["selected"].item()
    row = with_.units.filter(pl.col("unit_code") == TOT_2024_KHA_2023).row(0, named=True)
    assert not row["selected"] and row["ok_history"] is False and row["ok_level"]
    assert row["reasons"] == "Năm 2023 chỉ đạt Khá" and row["status"] == NEAR
    # every unit the history rule adds to the refusals was below Tốt (or not scored) in 2023
    prev = (scoring.score(any_sample_store, chung.in_force(2023), [2023]).year(2023)
            .select("unit_code", pl.col("level").alias("l24")))
    lost = (without.selected.join(with_.units.filter(~pl.col("selected")), on="unit_code", how="semi")
            .join(prev, on="unit_code", how="left"))
    assert lost.height > 0 and (lost["l24"].fill_null("") != "Tốt").all()
    assert set(with_.selected["unit_code"]) < set(without.selected["unit_code"])


# --- quota and ties ------------------------------------------------------------------------------

def test_max_per_area_one(any_sample_store, chung):
    rules = Rules.from_profile(chung, previous_years=0, max_per_area=1, max_share=None)
    sl = shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules)
    # one unit where there is a candidate, more only where several tie at the top of the area
    per_area = sl.selected.group_by("parent_code").agg(pl.len().alias("n"), pl.col("total").n_unique().alias("totals"))
    assert (per_area["totals"] == 1).all()
    assert sl.selected.filter(~pl.col("kept_by_tie")).group_by("parent_code").len()["len"].max() == 1
    assert set(sl.selected["parent_code"]) == set(sl.units.filter(pl.col("candidate"))["parent_code"])
    cut = sl.units.filter(pl.col("ok_quota") == False)  # noqa: E712
    assert cut.height > 0
    assert cut["reasons"].str.to_lowercase().str.contains("vượt hạn mức: tối đa 1 đơn vị mỗi địa bàn", literal=True).all()
    assert (cut["status"] == NEAR).all()
    # the one kept in each area has the best total of the area's candidates
    best = sl.units.filter(pl.col("candidate")).group_by("parent_code").agg(pl.col("total").max().alias("best"))
    assert sl.selected.join(best, on="parent_code").filter(pl.col("total") != pl.col("best")).is_empty()


def test_max_share_ten_percent(any_sample_store, chung):
    rules = Rules.from_profile(chung, previous_years=0, max_per_area=None, max_share=0.1)
    sl = shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules)
    cap = math.floor(0.1 * sl.n_rated)
    assert share_cap(rules, sl.n_rated) == cap == sl.selected["share_cap"].max()
    n = sl.selected.height
    assert n >= cap
    if n > cap:  # only ties with the last unit within the cap may go beyond it
        last_total = sl.selected["total"].sort(descending=True)[cap - 1]
        assert (sl.selected.sort("total", descending=True)["total"][cap:] == last_total).all()
    cut = sl.units.filter(pl.col("ok_quota") == False)  # noqa: E712
    assert cut.height > 0
    assert cut["reasons"].str.to_lowercase().str.contains(f"ngoài 10 % đơn vị đứng đầu: tối đa {cap} đơn vị", literal=True).all()
    assert cut["total"].max() < sl.selected["total"].min()


def test_tie_at_the_cut_keeps_every_tied_unit(any_sample_store, chung):
    # eight units score 100 under previous_years=0; 2 % of 244 is 4: all eight are kept
    rules = Rules.from_profile(chung, previous_years=0, max_per_area=None, max_share=0.02)
    sl = shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules)
    top = sl.units.filter(pl.col("candidate") & (pl.col("total") == 100.0))
    assert top.height > 4
    assert sl.selected.height == top.height and (sl.selected["total"] == 100.0).all()
    kept = sl.selected.filter(pl.col("kept_by_tie"))
    assert kept.height == top.height - 4
    assert kept["reasons"].str.contains("đồng điểm", literal=True).all()
    # the units listed first among the tied ones are those first in Vietnamese name order
    assert sl.selected["name_ord"].to_list() == sorted(sl.selected["name_ord"].to_list())


def test_apply_quota_synthetic():
    frame = pl.DataFrame({
        "unit_code": ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "x"],
        "quota_group": ["A", "A", "A", "A", "B", "B", "B", "B"],
        "total": [95.0, 93.0, 93.0, 91.0, 99.0, 97.0, 97.0, 99.5],
        "name_ord": [1, 3, 2, 4, 5, 6, 7, 8],
        "candidate": [True] * 7 + [False],
        "rated": [True] * 8})
    out = apply_quota(frame, Rules("Tốt", max_per_area=2), 8).sort("unit_code")
    got = dict(zip(out["unit_code"], out["selected"]))
    assert got == {"a1": True, "a2": True, "a3": True, "a4": False, "b1": True, "b2": True, "b3": True, "x": False}
    ties = dict(zip(out["unit_code"], out["kept_by_tie"]))
    assert ties["a2"] and not ties["a3"]  # a3 comes first by name, a2 is the one beyond the cap
    assert ties["b3"] and not ties["b2"]
    assert out.filter(pl.col("unit_code") == "x")["ok_quota"].item() is None
    # share: 8 rated × 0.25 = 2 over the whole scope, after the per-area cap; ties kept
    out = apply_quota(frame, Rules("Tốt", max_per_area=2, max_share=0.25), 8)
    assert set(out.filter(pl.col("selected"))["unit_code"]) == {"b1", "b2", "b3"}
    # at least one when there is a candidate
    out = apply_quota(frame, Rules("Tốt", max_share=0.01), 8)
    assert out.filter(pl.col("selected"))["unit_code"].to_list() == ["b1"]


def test_per_cluster_mode(any_sample_store, chung):
    rules = Rules.from_profile(chung, previous_years=0, max_per_area=1, max_share=None, per_cluster=True)
    sl = shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules)
    assert sl.selected.group_by("cluster").len()["len"].max() == 1
    assert sl.units.filter(pl.col("rated"))["rank_used"].equals(sl.units.filter(pl.col("rated"))["rank_cluster"])
    cut = sl.units.filter(pl.col("ok_quota") == False)  # noqa: E712
    assert cut.height > 0
    assert cut["reasons"].str.to_lowercase().str.contains("tối đa 1 đơn vị mỗi cụm thi đua", literal=True).all()
    # the selected unit of each cluster is its leader (every leader here passes every rule)
    leaders = sl.cluster_leaders.filter(pl.col("selected"))
    assert set(sl.selected["unit_code"]) == set(leaders["unit_code"])
    # share per cluster: floor(share × rated units of the cluster), at least 1
    rules = replace(rules, max_per_area=None, max_share=0.1)
    sl = shortlist(any_sample_store, COMMITTEE, chung, YEAR, rules)
    size = sl.units.filter(pl.col("rated")).group_by("cluster").len("n")
    per = sl.selected.group_by("cluster").len("k").join(size, on="cluster")
    assert per.filter(pl.col("k") > pl.max_horizontal(pl.lit(1), (pl.col("n") * 0.1).floor())).is_empty()


def test_cluster_leaders_match_independent_argmax(any_sample_store, chung, default_list):
    u = _scored(any_sample_store, chung).year(YEAR).filter(pl.col("rated") & pl.col("cluster").is_not_null())
    best = u.group_by("cluster").agg(pl.col("total").max().alias("best"))
    expected = set(u.join(best, on="cluster").filter(pl.col("total") == pl.col("best"))
                   .select("cluster", "unit_code").iter_rows())
    got = set(default_list.cluster_leaders.select("cluster", "unit_code").iter_rows())
    assert got == expected
    assert (default_list.cluster_leaders["rank_cluster"] == 1).all()
    assert default_list.cluster_leaders["cluster"].n_unique() == u["cluster"].n_unique()


def test_scope_by_area_and_type(any_sample_store, chung):
    sl = shortlist(any_sample_store, COMMITTEE, chung, YEAR, area="991", unit_type="commune")
    inside = set(units.subtree(any_sample_store, "991")["code"])
    assert sl.units.height > 0 and set(sl.units["unit_code"]) <= inside
    assert (sl.units["unit_type"] == "commune").all()
    assert sl.n_rated == sl.units.filter(pl.col("rated")).height
    assert sl.area_code == "991" and sl.unit_type == "commune"


# --- access --------------------------------------------------------------------------------------

def test_access(any_sample_store, chung):
    assert shortlist(any_sample_store, COMMITTEE, chung, YEAR).units.height > 0
    assert shortlist(any_sample_store, access.SYSTEM, chung, YEAR).area_code is None
    with pytest.raises(AccessDenied) as err:
        shortlist(any_sample_store, "lanhdao.tinh", chung, YEAR)
    assert str(err.value) == ("Tài khoản «lanhdao.tinh» (Lãnh đạo, Tỉnh Mẫu An Hòa (dữ liệu mẫu)) không được "
                              "dùng trang đề xuất khen thưởng. Vai trò «Lãnh đạo» không có quyền này.")
    with pytest.raises(AccessDenied, match="không được dùng trang đề xuất khen thưởng cho Thành phố Mẫu An Hòa"):
        shortlist(any_sample_store, "canbo.991", chung, YEAR, area="991")
    with pytest.raises(AccessDenied, match="Vai trò «Cán bộ nhập liệu» không có quyền này"):
        shortlist(any_sample_store, "canbo.991", chung, YEAR)


# --- exports -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def modified_list(modified_store, chung):
    return shortlist(modified_store, COMMITTEE, chung, YEAR)


def test_modified_store_premise(modified_list):
    names = dict(zip(modified_list.selected["unit_code"], modified_list.selected["unit_name"]))
    assert names["99011"] == FORMULA_NAME and names["99104"] == SCRIPT_NAME
    assert VIOLATOR not in names


def test_xlsx_lists_the_selected_units_in_order(modified_list):
    data = proposal.shortlist_xlsx(modified_list, "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh")
    sheets = pl.read_excel(io.BytesIO(data), sheet_id=0, read_options={"header_row": proposal.TABLE_ROW})
    assert list(sheets)[:3] == [proposal.SHEET_SELECTED, proposal.SHEET_OTHERS, proposal.SHEET_REMINDERS]
    sel = sheets[proposal.SHEET_SELECTED]
    assert sel["Mã đơn vị"].to_list() == modified_list.selected["unit_code"].to_list()
    assert sel["STT"].to_list() == list(range(1, modified_list.selected.height + 1))
    assert sel["Tổng điểm"].dtype == pl.Float64
    assert sel["Tổng điểm"].to_list() == modified_list.selected["total"].to_list()
    assert sel["Lý do đề nghị"].to_list() == modified_list.selected["reasons"].to_list()
    # the rank the rule used: within the district (the modified rules are not per cluster)
    assert not modified_list.rules.per_cluster
    assert "Thứ hạng trong cụm" not in sel.columns
    assert sel["Thứ hạng xét trong địa bàn"].to_list() == modified_list.selected["rank_parent"].to_list()
    others = sheets[proposal.SHEET_OTHERS]
    assert others["Mã đơn vị"].to_list() == modified_list.others["unit_code"].to_list()
    assert others["Lý do chưa đề nghị"].null_count() == 0
    assert sheets[proposal.SHEET_REMINDERS]["Mã đơn vị"].to_list() == modified_list.reminders["unit_code"].to_list()
    # the formula-like name is text with a leading apostrophe; the workbook has no formula at all
    names = dict(zip(sel["Mã đơn vị"], sel["Tên đơn vị"]))
    assert names["99011"] == "'" + FORMULA_NAME
    assert names["99104"] == SCRIPT_NAME
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert "<f>" not in xml
    assert "0.00" in z_styles(data)
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG THỰC HIỆN DÂN CHỦ Ở CƠ SỞ NĂM 2024" in strings
    assert proposal.NOT_A_DECISION in strings
    assert "chung" in strings and "Tối đa 5 đơn vị mỗi địa bàn" in strings
    # the numbers behind the list that no text gives are named as the software's defaults
    assert modified_list.defaults_note.startswith("Ghi chú: ")
    assert "Điều kiện đề nghị khen thưởng" in modified_list.defaults_note
    assert modified_list.defaults_note.replace("&", "&amp;") in strings


def z_styles(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/styles.xml").decode("utf-8")


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def test_html_document(modified_list):
    sl = modified_list
    doc = proposal.shortlist_html(sl, "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh")
    assert doc.startswith("<!DOCTYPE html>") and '<html lang="vi">' in doc
    assert "@media print" in doc and "size: A4" in doc
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in doc and "Độc lập - Tự do - Hạnh phúc" in doc
    assert "DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG THỰC HIỆN DÂN CHỦ Ở CƠ SỞ NĂM 2024" in doc
    assert "Đề nghị tặng Bằng khen của Chủ tịch UBND tỉnh" in doc
    assert "NGƯỜI LẬP BIỂU" in doc and "CHỦ TỊCH HỘI ĐỒNG" in doc
    assert "không phải quyết định khen thưởng" in doc
    assert f'<p class="defaults">{html_escape(sl.defaults_note)}</p>' in doc
    import html

    for row in sl.selected.iter_rows(named=True):
        assert html.escape(row["unit_name"], quote=True) in doc
        assert fmt_points(row["total"]) in doc
    # user text is escaped
    assert "=HYPERLINK(&quot;x&quot;)" in doc and FORMULA_NAME not in doc
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in doc and "<script" not in doc
    # units just outside follow the proposed ones
    for code in sl.near["unit_code"]:
        assert code in doc
    assert doc.index("I. Đơn vị đề nghị") < doc.index("II. Đơn vị sát nút")


def test_ranking_workbook_carries_the_note_on_defaults(profiles):
    from dcmetrics import exports

    version = profiles["chung"].in_force(YEAR)
    data = exports.xlsx_bytes(pl.DataFrame({"Mã đơn vị": ["00004"], "Tổng điểm": [85.24]}), "Xếp hạng",
                              [version.defaults_note()])
    sheets = pl.read_excel(io.BytesIO(data), sheet_id=0, has_header=False)
    assert list(sheets) == ["Xếp hạng", "Ghi chú"]
    assert sheets["Ghi chú"].row(0)[0] == version.defaults_note()
    # title, export date, (a blank row the reader skips), then the table
    assert sheets["Xếp hạng"].row(0)[0] == "XẾP HẠNG" and sheets["Xếp hạng"].row(1)[0].startswith("Ngày xuất: ")
    assert sheets["Xếp hạng"].row(2) == ("Mã đơn vị", "Tổng điểm")
    assert sheets["Xếp hạng"].row(3) == ("00004", "85.24")


# --- speed: kept per data version ------------------------------------------------------------------

def test_kept_per_data_version_checked_every_time_and_equal_to_a_fresh_build(chung, monkeypatch):
    """The page reruns on every widget: the list is built once per data version, scope and rules;
    the access check runs on every call; a change of the data is seen at once; and reading the
    year's review states whole (national size) gives the same list as binding every code."""
    import dcmetrics.shortlist as sl_mod

    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    rules = Rules.from_profile(chung)
    first = shortlist(s, COMMITTEE, chung, YEAR, rules)
    assert shortlist(s, COMMITTEE, chung, YEAR, rules) is first
    assert shortlist(s, COMMITTEE, chung, YEAR, replace(rules, max_share=0.1)) is not first
    with pytest.raises(AccessDenied):  # a cached list is never handed to an account without the right
        shortlist(s, "lanhdao.tinh", chung, YEAR, rules)
    sl_mod._CACHE.clear()
    monkeypatch.setattr(sl_mod, "BIND_LIMIT", 0)
    whole = shortlist(s, COMMITTEE, chung, YEAR, rules)
    assert whole is not first and whole.units.equals(first.units) and whole.reminders.equals(first.reminders)
    assert whole.cluster_leaders.equals(first.cluster_leaders) and whole.awaiting.equals(first.awaiting)
    proposed = first.selected["unit_code"][0]
    appraisal.set_appraisals(s, access.SYSTEM, [
        {"unit_code": proposed, "year": YEAR, "indicator": "DISC_VIOLATIONS", "value": 3,
         "reason": "Đoàn kiểm tra phát hiện 03 vi phạm"},
        {"unit_code": proposed, "year": YEAR, "indicator": "DISC_HANDLED", "num": 0, "den": 3,
         "reason": "Chưa xử lý vi phạm nào"}])
    after = shortlist(s, COMMITTEE, chung, YEAR, rules)
    row = after.units.filter(pl.col("unit_code") == proposed).row(0, named=True)
    assert not row["selected"] and row["n_unhandled"] == 3 and "còn 3 vi phạm chưa xử lý" in row["reasons"]
    s.close()
