"""A stored run brought up to date for the units of an upload ('units': the district's units
rescored, the ranks of the whole run taken again and written where they moved) holds exactly
the rows a full rescore of the year writes: score_units, score_groups and score_items compared
column by column, row for row, without tolerance (the DECIMALs as stored)."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from test_ingest import edit

from dcmetrics import access, bench, config, framework, scoring
from dcmetrics.ingest import commit as ingest
from dcmetrics.scores import ranks
from dcmetrics.store import Store

YEAR = 2024  # the sample's last year with districts
ORDER = {"score_units": "unit_code", "score_groups": "unit_code, group_ord", "score_items": "unit_code, group_ord, item_ord"}


def run_rows(store, profile, year: int, basis: str) -> tuple[str, dict[str, pl.DataFrame]]:
    """The stored run of (profile, basis, year) brought up to date: how it was (last_mode), and its rows."""
    run_id = scoring.refresh(store, profile, [year], basis)[year]
    mode = store.rows("SELECT last_mode FROM score_runs WHERE id = $r", {"r": run_id})[0][0]
    return mode, {t: store.frame(f"SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = $r ORDER BY {o}", {"r": run_id})
                  for t, o in ORDER.items()}


def full_rows(store, profile, year: int, basis: str) -> dict[str, pl.DataFrame]:
    """The same run scored again from scratch: dropped, then refreshed (a 'full' rescore)."""
    with store.transaction() as cur:
        run_id = cur.execute("SELECT id FROM score_runs WHERE framework_id = $f AND framework_version = $v "
                             "AND basis = $b AND year = $y",
                             {"f": profile.id, "v": profile.version, "b": basis, "y": year}).fetchall()[0][0]
        for table in (*ORDER, "score_runs"):
            cur.execute(f"DELETE FROM {table} WHERE {'id' if table == 'score_runs' else 'run_id'} = $r",
                        {"r": run_id}).fetchall()
    mode, rows = run_rows(store, profile, year, basis)
    assert mode == "full"
    return rows


def assert_units_refresh_is_a_full_rescore(store, profile, year: int, basis: str) -> dict[str, pl.DataFrame]:
    mode, got = run_rows(store, profile, year, basis)
    assert mode == "units"
    want = full_rows(store, profile, year, basis)
    for table in ORDER:
        assert_frame_equal(got[table], want[table], check_exact=True)
    # both take their ranks in scores/ranks.py: those are the chain's own (ranks.sql), scored afresh
    cols = ["unit_code", *ranks.RANK_COLUMNS]
    chain = scoring.score(store, profile, [year], basis).units.select(cols).sort("unit_code")
    assert_frame_equal(got["score_units"].select(cols), chain, check_exact=True)
    return got


@pytest.mark.parametrize("basis", scoring.BASES)
def test_a_district_upload_rescored_for_its_units_equals_a_full_rescore(fresh_sample_store, profiles, basis):
    store, profile = fresh_sample_store, profiles["chung"]
    before = run_rows(store, profile, YEAR, basis)[1]["score_units"]
    content = (config.SAMPLE_DIR / str(YEAR) / "991.csv").read_bytes()
    for row, value in ((2, "0"), (3, "100"), (5, "0"), (8, "100")):  # totals that move far, so do ranks
        content = edit(content, row, "TRAIN_STAFF", value)
    ingest.import_file(store, content, "991-sua.csv", YEAR, "canbo.991", area_code="991")
    ingest.approve(store, "thamdinh.tinh", "991", YEAR)
    after = assert_units_refresh_is_a_full_rescore(store, profile, YEAR, basis)["score_units"]
    # the upload moved ranks outside the district too: the comparison covers ranks taken again
    moved = (before.join(after, on="unit_code", suffix="_after")
             .filter((pl.col("area_code") != "991") & (pl.col("rank") != pl.col("rank_after"))))
    assert moved.height > 0


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(2, 30), st.sampled_from(["TRAIN_STAFF", "RESP_DISCLOSURE", "TRAIN_BOARDS"]),
                          st.integers(0, 100)), min_size=1, max_size=8))
def test_any_edit_of_a_district_file_rescored_for_its_units_equals_a_full_rescore(fresh_sample_store, profiles, edits):
    store, profile = fresh_sample_store, profiles["chung"]
    run_rows(store, profile, YEAR, "self")
    content = (config.SAMPLE_DIR / str(YEAR) / "992.csv").read_bytes()
    rows = len(content.decode("utf-8-sig").splitlines())
    for row, column, value in edits:
        content = edit(content, min(row, rows), column, str(value))
    result = ingest.import_file(store, content, "992-sua.csv", YEAR, "canbo.992", area_code="992")
    if result.stored:  # (an edit that changes nothing stores nothing and rescores nothing)
        assert_units_refresh_is_a_full_rescore(store, profile, YEAR, "self")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A province built by the benchmark's generator (2,500 units), and its first district's files."""
    path = tmp_path_factory.mktemp("rescore") / "bench.duckdb"
    built = bench.build_db(path, 2_500, workers=1, n_files=2, log=lambda *a, **k: None)
    store = Store(path)
    yield store, built["uploads"]
    store.close()


def test_on_a_generated_province_an_upload_rescored_for_its_units_equals_a_full_rescore(generated):
    store, up = generated
    profile = framework.get_profile(bench.PROFILE)
    year = up["year"]
    run_rows(store, profile, year, "appraised")
    ingest.reopen(store, access.SYSTEM, up["area"], year, "kiểm thử: tệp sửa")
    content = up["files"][1]
    for row in range(2, min(up["rows"], 60) + 1, 3):  # a third of the first 60 units far off their totals
        content = edit(content, row, "RESP_DISCLOSURE", "0" if row % 2 else "100")
    assert ingest.import_file(store, content, f"{year}/{up['area']}.csv", year, access.SYSTEM,
                              area_code=up["area"]).stored
    ingest.approve(store, access.SYSTEM, up["area"], year)
    rows = assert_units_refresh_is_a_full_rescore(store, profile, year, "appraised")["score_units"]
    assert rows.height > 2_000 and rows["rank"].n_unique() > 1_000


# the ranks taken in Polars are those of ranks.sql (the chain's own), on frames with ties, units
# not rated, null totals and comparison groups of every size
_unit = st.tuples(st.booleans() | st.just(True), st.one_of(st.none(), st.integers(0, 40)),
                  st.sampled_from(["P1", "P2", None]), st.sampled_from(["commune", "agency"]),
                  st.sampled_from(["C1", "C2", "C3", None]))


@settings(max_examples=60, deadline=None)
@given(st.lists(_unit, min_size=0, max_size=40))
def test_ranks_taken_in_polars_are_those_of_the_sql_chain(units):
    frame = pl.DataFrame(
        [{"unit_code": f"U{i:03d}", "rated": r, "total_e6": t, "parent_code": p, "unit_type": ty, "cluster": c}
         for i, (r, t, p, ty, c) in enumerate(units)],
        schema={"unit_code": pl.String, "rated": pl.Boolean, "total_e6": pl.Int64, "parent_code": pl.String,
                "unit_type": pl.String, "cluster": pl.String})
    got = ranks.taken_again(frame).sort("unit_code")
    store = Store(":memory:")
    cur = store.cursor()
    try:
        cur.register("t_totals", frame.with_columns(pl.col("total_e6").alias("total"), pl.lit(2025).alias("year"),
                                                     pl.lit(None, pl.String).alias("level")))
        cur.register("p_prev", pl.DataFrame(schema=scoring.PREV_SCHEMA).with_columns(pl.col("total").cast(pl.Int64)))
        want = cur.sql("SELECT unit_code, rank, rank_parent, rank_type, rank_cluster, n_rated "
                       f"FROM ({scoring.sqlfiles.load('ranks')}) ORDER BY unit_code").pl()
    finally:
        cur.close()
        store.close()
    assert_frame_equal(got, want, check_dtypes=False)
