"""Stored scores: each (profile version, basis, year) scored once, kept, and brought up to date
from the change log for the units a change names; always equal to scoring from scratch."""

from __future__ import annotations


import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from conftest import OLD_RELEASE_LATE_COLUMN, as_an_old_release
from test_ingest import edit

from dcmetrics import access, config, scoring
from dcmetrics.appraisal import set_appraisals
from dcmetrics.ingest import commit as ingest
from dcmetrics.units import replace_units

YEAR = 2024  # the last year with districts


def district_file(area: str = "991", year: int = YEAR) -> bytes:
    from dcmetrics import config

    return (config.SAMPLE_DIR / str(year) / f"{area}.csv").read_bytes()


CHANGE = ["prev_total", "prev_rank", "prev_level", "total_change", "rank_change"]


def from_scratch(store, head, years, basis):
    """Each year scored from scratch with the version in force that year, its change columns
    taken against the year before as that year's own version scored it (the Polars way)."""
    units, groups, items = [], [], []
    for y in sorted(years):
        r = scoring.score(store, head.in_force(y), [y], basis)
        u = r.year(y)
        if head.has_version_for(y - 1):
            prev = scoring.score(store, head.in_force(y - 1), [y - 1], basis).year(y - 1).select(
                "unit_code", pl.col("total").alias("p_total"), pl.col("rank").alias("p_rank"),
                pl.col("level").alias("p_level"))
            u = (u.join(prev, on="unit_code", how="left")
                 .with_columns(pl.col("p_total").alias("prev_total"), pl.col("p_rank").alias("prev_rank"),
                               pl.col("p_level").alias("prev_level"),
                               (pl.col("total") - pl.col("p_total")).alias("total_change"),
                               (pl.col("p_rank") - pl.col("rank")).alias("rank_change"))
                 .select(u.columns))
        else:
            u = u.with_columns([pl.lit(None, u.schema[c]).alias(c) for c in CHANGE])
        units.append(u)
        groups.append(r.groups)
        items.append(r.items)
    return pl.concat(units), pl.concat(groups), pl.concat(items)


def assert_same_as_from_scratch(store, profile, years=(YEAR,), basis="appraised"):
    units, groups, items = from_scratch(store, profile, years, basis)
    kept = scoring.stored_score(store, profile, list(years), basis)
    assert_frame_equal(units, kept.units.drop("group_points"), check_exact=False, abs_tol=1e-9)
    for y in years:  # the stored list of group points gives the same columns as the pivot
        fresh_wide = scoring.score(store, profile.in_force(y), [y], basis).wide(y)
        assert_frame_equal(fresh_wide.drop(CHANGE), kept.wide(y).drop(CHANGE), check_exact=False, abs_tol=1e-9)
    assert_frame_equal(groups, kept.groups, check_exact=False, abs_tol=1e-9)
    assert_frame_equal(items, kept.items, check_exact=False, abs_tol=1e-9)
    if all(head_v is profile for head_v in (profile.in_force(y) for y in years)) and all(
            not profile.has_version_for(y - 1) or profile.in_force(y - 1) is profile for y in years):
        # one version throughout: also equal to scoring all the years together
        fresh = scoring.score(store, profile, list(years), basis)
        assert_frame_equal(fresh.units, kept.units.drop("group_points"), check_exact=False, abs_tol=1e-9)
    return kept


def run_of(store, profile, year=YEAR, basis="appraised") -> dict:
    rows = store.frame("SELECT * FROM score_runs WHERE framework_id = $i AND basis = $b AND year = $y",
                       {"i": profile.id, "b": basis, "y": year}).to_dicts()
    assert len(rows) == 1
    return rows[0]


@pytest.mark.parametrize("basis", scoring.BASES)
def test_stored_scores_equal_scoring_from_scratch_for_every_profile(sample_store, profiles, basis):
    for profile in profiles.values():
        assert_same_as_from_scratch(sample_store, profile, (2023, YEAR), basis)


def test_a_run_records_how_it_was_computed(fresh_sample_store, profiles):
    store, profile = fresh_sample_store, profiles["tiep-can-phap-luat-mau"]
    kept = scoring.stored_score(store, profile, [YEAR], "self")
    run = run_of(store, profile, basis="self")
    assert (run["framework_version"], run["framework_sha256"], run["last_mode"]) == (profile.version, profile.sha256, "full")
    assert run["n_units"] == kept.units.height == 283
    assert run["data_seq"] == store.data_version()
    # the profile body with those weights and bands is the one registered under that sha256
    assert store.rows("SELECT count(*) FROM frameworks WHERE id = $i AND version = $v AND sha256 = $h",
                      {"i": profile.id, "v": profile.version, "h": profile.sha256}) == [(1,)]


def test_an_upload_rescores_only_the_units_of_the_two_files(fresh_sample_store, profiles):
    store, profile = fresh_sample_store, profiles["chung"]
    scoring.stored_score(store, profile, [YEAR])
    # (ranks are taken again over the whole run: they may move for every unit)
    scores_only = ("SELECT * EXCLUDE (run_id, rank, rank_parent, rank_type, rank_cluster, n_rated, name_ord) "
                   "FROM score_units WHERE area_code <> '991' ORDER BY unit_code")
    other_before = store.frame(scores_only)
    content = edit(district_file(), 2, "TRAIN_STAFF", "5")
    ingest.import_file(store, content, "991-sua.csv", YEAR, "canbo.991", area_code="991")
    ingest.approve(store, "thamdinh.tinh", "991", YEAR)  # only approved figures are in the appraised run
    codes = store.rows("SELECT unit_codes FROM data_changes ORDER BY seq DESC LIMIT 1")[0][0]
    file_units = sorted(pl.read_csv(district_file(), infer_schema=False)["ma_don_vi"].to_list())
    assert codes == file_units
    kept = assert_same_as_from_scratch(store, profile)
    run = run_of(store, profile)
    assert run["last_mode"] == "units"
    assert kept.year(YEAR).filter(pl.col("unit_code") == file_units[0])["total"].item() < 100
    # the other districts' scores were not rewritten
    assert_frame_equal(other_before, store.frame(scores_only))


def test_restore_appraisal_and_approval(fresh_sample_store, profiles):
    store, profile = fresh_sample_store, profiles["vinh-linh"]
    first = store.rows("SELECT id FROM submissions WHERE area_code = '992' AND year = $y", {"y": YEAR})[0][0]
    scoring.stored_score(store, profile, [YEAR])
    ingest.import_file(store, edit(district_file("992"), 3, "TRAIN_STAFF", "0"), "992.csv", YEAR, "canbo.992",
                       area_code="992")
    assert_same_as_from_scratch(store, profile)
    ingest.restore(store, "thamdinh.tinh", first)
    assert_same_as_from_scratch(store, profile)
    unit = store.rows("SELECT unit_code FROM observations WHERE submission_id = $s LIMIT 1", {"s": first})[0][0]
    set_appraisals(store, "thamdinh.tinh", [{"unit_code": unit, "year": YEAR, "indicator": "TRAIN_STAFF",
                                             "value": 1.0, "reason": "kiểm tra hồ sơ"}])
    assert store.rows("SELECT year, unit_codes FROM data_changes ORDER BY seq DESC LIMIT 1") == [(YEAR, [unit])]
    assert_same_as_from_scratch(store, profile)
    assert run_of(store, profile)["last_mode"] == "units"
    # approving brings the district's figures into the appraised basis: its units alone are scored again
    district = set(pl.read_csv(district_file("992"), infer_schema=False)["ma_don_vi"])
    before = scoring.stored_score(store, profile, [YEAR]).year(YEAR)
    assert not district & set(before["unit_code"])  # awaiting review: not in the appraised run
    ingest.approve(store, "thamdinh.tinh", "992", YEAR)
    assert store.rows("SELECT unit_codes FROM data_changes ORDER BY seq DESC LIMIT 1")[0][0] == sorted(district)
    after = assert_same_as_from_scratch(store, profile)
    assert set(after.year(YEAR)["unit_code"]) == set(before["unit_code"]) | district
    assert run_of(store, profile)["last_mode"] == "units"
    assert run_of(store, profile)["data_seq"] == store.data_version()


def test_a_change_to_the_unit_tree_rescores_everything(fresh_sample_store, profiles):
    store, profile = fresh_sample_store, profiles["chung"]
    scoring.stored_score(store, profile, [YEAR])
    units = store.frame("SELECT * FROM units")
    renamed = units.with_columns(pl.when(pl.col("code") == "99051").then(pl.lit("Phường Tây Thịnh Mới"))
                                 .otherwise(pl.col("name")).alias("name"))
    replace_units(store, renamed, access.SYSTEM)
    kept = assert_same_as_from_scratch(store, profile)
    assert run_of(store, profile)["last_mode"] == "full"
    # (a unit of district 993, whose approved figures are in the appraised run)
    assert kept.year(YEAR).filter(pl.col("unit_code") == "99051")["unit_name"].item() == "Phường Tây Thịnh Mới"


def test_preview_ranks_equal_those_of_a_full_trial_scoring(fresh_sample_store, profiles):
    store, profile = fresh_sample_store, profiles["chung"]
    checked = ingest.check_file(store, edit(district_file(), 2, "TRAIN_STAFF", "0"), "x.csv", YEAR, "canbo.991", "991")
    pv = ingest.preview(store, checked, profile, "canbo.991")
    replaces = tuple(r[0] for r in store.rows("SELECT id FROM submissions WHERE area_code = '991' AND year = $y "
                                              "AND state = 'current'", {"y": YEAR}))
    full = scoring.score(store, profile.in_force(YEAR), [YEAR], pending=scoring.Pending(checked.observations, replaces)).year(YEAR)
    got = pv.select("unit_code", "total", "rank").sort("unit_code")
    want = full.filter(pl.col("unit_code").is_in(got["unit_code"].implode())).select("unit_code", "total", "rank").sort("unit_code")
    assert_frame_equal(got, want, check_exact=False, abs_tol=1e-9)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 240), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 1))),
                min_size=1, max_size=6))
def test_any_sequence_of_appraisals_keeps_stored_scores_exact(fresh_sample_store, profiles, changes):
    store, profile = fresh_sample_store, profiles["chung"]
    units = scoring.stored_score(store, profile, [YEAR]).year(YEAR)
    codes = units.filter(pl.col("unit_type") == "commune")["unit_code"].sort().to_list()
    for i, value in changes:
        set_appraisals(store, "thamdinh.tinh", [{"unit_code": codes[i % len(codes)], "year": YEAR,
                                                 "indicator": "TRAIN_STAFF", "value": value, "reason": "thẩm định lại"}])
        assert_same_as_from_scratch(store, profile)


def test_each_year_is_scored_with_the_version_in_force_that_year(sample_store, profiles):
    head = profiles["chung"]
    old, new, newest = head.versions()
    kept = assert_same_as_from_scratch(sample_store, head, (2023, 2024, 2025))  # the sample's years
    assert {y: kept.profile_of(y).version for y in kept.years} == {2023: "2023.1", 2024: "2025.1", 2025: "2025.2"}
    assert dict(kept.units.group_by("year").agg(pl.col("framework_version").unique().first()).iter_rows()) == {
        2023: "2023.1", 2024: "2025.1", 2025: "2025.2"}
    # the old bands: Tốt from 85 points (the current version asks 90 and group floors)
    y23 = kept.year(2023).filter(pl.col("rated") & pl.col("total").is_between(85, 90, closed="left"))
    assert y23.height > 0 and set(y23["level"]) <= {"Tốt"} and "Tốt" in set(y23["level"])
    # 2024's change columns compare with 2023 as the old version scored it
    row = kept.year(2024).filter(pl.col("prev_total").is_not_null()).row(0, named=True)
    then = scoring.score(sample_store, old, [2023]).year(2023).filter(pl.col("unit_code") == row["unit_code"])
    assert (row["prev_total"], row["prev_level"]) == (then["total"].item(), then["level"].item())
    # (2022 has no data: its run, made for 2023's change columns, holds no units; a run for 2021 exists
    # when another test of the session asked for 2022, e.g. a shortlist's two-year history rule)
    runs = sample_store.rows("SELECT year, framework_version, framework_sha256 FROM score_runs "
                             "WHERE framework_id = 'chung' AND basis = 'appraised' AND year >= 2022 ORDER BY year")
    assert runs == [(2022, "2023.1", old.sha256), (2023, "2023.1", old.sha256),
                    (2024, "2025.1", new.sha256), (2025, "2025.2", newest.sha256)]


def test_a_database_from_before_stored_ranks_upgrades_and_scores_the_same(tmp_path, monkeypatch, profiles):
    """A database last opened by the release with migrations 001–004 (stored runs without
    ranks): opening it now applies 005–006, drops those runs and scores again, equal to scoring
    from scratch, ordered by the Vietnamese name order kept per unit."""
    from dcmetrics import bootstrap, store as store_module, units as units_module
    from dcmetrics.store import Store

    path = tmp_path / "old.duckdb"
    every = store_module.migrations()
    monkeypatch.setattr(store_module, "migrations", lambda: [m for m in every if m[0] <= 4])
    monkeypatch.setattr(units_module, "write_name_order", lambda cur: None)  # that release had none
    # nor review states per unit (012)
    as_an_old_release(monkeypatch, config.SAMPLE_DIR, tmp_path / "sample")
    old = Store(path)
    old.cursor().execute(OLD_RELEASE_LATE_COLUMN)
    bootstrap.register_frameworks(old)
    # that release's sample had no lineage, places (migration 008) nor assignments (009)
    sample = tmp_path / "sample"
    for name in ("lineage.csv", "places.csv", "assignments.csv"):
        (sample / name).unlink()
    bootstrap.load_sample(old, sample)
    head = profiles["chung"]
    with old.transaction() as cur:  # a stored run as 004 kept it: rows without ranks
        cur.execute("INSERT INTO score_runs (framework_id, framework_version, framework_sha256, basis, year, "
                    "data_seq, last_mode, n_units) VALUES ('chung', '2025.1', $s, 'appraised', 2025, 0, 'full', 0)",
                    {"s": head.sha256})
    assert old.rows("SELECT max(version) FROM schema_version") == [(4,)]
    old.close()
    monkeypatch.undo()

    upgraded = Store(path)
    try:
        assert upgraded.rows("SELECT max(version) FROM schema_version") == [(max(v for v, _ in every),)]
        assert upgraded.rows("SELECT count(*) FROM score_runs") == [(0,)]  # dropped, to be scored again
        n_units = upgraded.rows("SELECT count(*) FROM units")[0][0]
        assert upgraded.rows("SELECT count(*), min(name_ord), max(name_ord) FROM unit_name_order") == [
            (n_units, 1, n_units)]
        # that release reviewed nothing: 012 marks every unit of a current file as awaiting review,
        # so the self-assessed basis holds every unit and the appraised one none
        assert upgraded.rows("SELECT DISTINCT state FROM unit_reviews") == [("submitted",)]
        kept = assert_same_as_from_scratch(upgraded, head, (2023, YEAR), "self")
        assert kept.year(YEAR).height > 200
        assert kept.year(YEAR)["rank"].null_count() == kept.year(YEAR).filter(~pl.col("rated")).height
    finally:
        upgraded.close()
