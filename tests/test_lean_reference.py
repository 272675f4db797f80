"""The benchmark's lean one-statement reference (sql/bench_lean.sql) and the scoring chain agree
unit by unit: total, rated, level and overall rank, on the sample (every profile, both bases) and
on a database the benchmark's generator builds (a few thousand units, several provinces). The
chain's change columns read from the stored year before agree with scoring that year again."""

from __future__ import annotations

import polars as pl
import pytest

from dcmetrics import bench, framework, scoring
from dcmetrics.store import Store, bump_data_version

YEAR = 2025  # the sample's year with the merged communes


def assert_agrees(chain_units: pl.DataFrame, lean: pl.DataFrame, at_least: int) -> dict:
    check = bench.compare_lean(chain_units, lean)
    assert check["units_chain"] == check["units_lean"] >= at_least, check
    assert check["units_not_in_both"] == 0, check
    assert (check["total_mismatches"], check["rated_mismatches"], check["level_mismatches"],
            check["rank_mismatches"]) == (0, 0, 0, 0), check
    bench.assert_lean_agrees(check)
    return check


@pytest.mark.parametrize("basis", ["appraised", "self"])
def test_lean_reference_agrees_with_the_chain_on_the_sample(sample_store, profiles, basis):
    for profile in profiles.values():
        lean = bench.lean_score(sample_store, profile, [YEAR], basis)
        chain = scoring.score(sample_store, profile, [YEAR], basis).year(YEAR)
        # (appraised: the units of 2025 whose figures are approved; self: all 132)
        assert_agrees(chain, lean, 120 if basis == "self" else 90)


def test_lean_reference_can_disagree(sample_store, profiles):
    # the comparison is no formality: one total moved by a hundredth, one level changed
    profile = profiles["chung"]
    lean = bench.lean_score(sample_store, profile, [YEAR])
    chain = scoring.score(sample_store, profile, [YEAR]).year(YEAR)
    first = chain["unit_code"][0]
    moved = chain.with_columns(pl.when(pl.col("unit_code") == first).then(pl.col("total") + 0.01)
                               .otherwise(pl.col("total")).alias("total"))
    check = bench.compare_lean(moved, lean)
    assert check["total_mismatches"] == 1 and check["rank_mismatches"] == 0
    with pytest.raises(AssertionError, match="disagree"):
        bench.assert_lean_agrees(check)
    relabelled = chain.with_columns(pl.when(pl.col("unit_code") == first).then(pl.lit("không có"))
                                    .otherwise(pl.col("level")).alias("level"))
    assert bench.compare_lean(relabelled, lean)["level_mismatches"] == 1


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Store:
    path = tmp_path_factory.mktemp("lean") / "bench.duckdb"
    bench.build_db(path, 3_000, workers=1, log=lambda *a, **k: None)
    store = Store(path)
    yield store
    store.close()


def test_lean_reference_agrees_with_the_chain_on_a_built_database(built):
    profile = framework.get_profile(bench.PROFILE)
    years = scoring.scored_years(built)
    year = max(years)
    lean = bench.lean_score(built, profile, [year - 1, year])
    chain = scoring.score(built, profile, [year - 1, year]).units
    check = assert_agrees(chain, lean, 2 * 2_900)
    assert check["units_chain"] == chain.height
    # several levels and some units not rated: the agreement covers every branch the data takes
    assert chain["level"].n_unique() >= 3


def test_change_columns_from_the_stored_year_before(built):
    # score([y]) reads y-1 from its fresh stored run instead of scoring it again; the change
    # columns are the same as when y-1 is scored in the same pass
    profile = framework.get_profile(bench.PROFILE)
    year = max(scoring.scored_years(built))
    cols = ["unit_code", "total", "rank", "level", "prev_total", "prev_rank", "prev_level", "total_change",
            "rank_change"]
    both = scoring.score(built, profile, [year - 1, year]).year(year).select(cols)
    scoring.refresh(built, profile, [year - 1])
    alone = scoring.score(built, profile, [year]).year(year).select(cols)
    assert alone["prev_total"].null_count() < alone.height  # the year before was found
    assert alone.equals(both)
    # read from the stored run, and only while it is fresh
    assert scoring._fresh_stored_totals(built, profile, "appraised", [year - 1], None, None)[1] == {year - 1}
    assert scoring._fresh_stored_totals(built, profile, "self", [year - 1], None, None)[1] == set()
    assert scoring._fresh_stored_totals(built, profile, "appraised", [year - 1], None, ["X"])[1] == set()
    with built.transaction() as cur:
        bump_data_version(cur, year - 1, [both["unit_code"][0]])
    assert scoring._fresh_stored_totals(built, profile, "appraised", [year - 1], None, None)[1] == set()
    assert scoring.score(built, profile, [year]).year(year).select(cols).equals(both)
