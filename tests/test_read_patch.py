"""The stored read kept after a refresh and patched (scoring._patched) equals a full fresh read
of the same runs: frame.equals, every row, every column, no tolerance. Each case also checks
that the patch was used (no full read) or, where it must not be, that the read was a full one."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from test_ingest import edit

from dcmetrics import access, bench, config, framework, scoring
from dcmetrics.ingest import commit as ingest
from dcmetrics.store import Store, bump_data_version

YEAR = 2024  # the sample's last year with districts


class FullReads:
    """Counts the full reads of stored units (scoring._units_read without `patch`)."""

    def __init__(self, monkeypatch):
        self.n = 0
        real = scoring._units_read

        def counted(cur, runs, unit_code=None, patch=""):
            if not patch:
                self.n += 1
            return real(cur, runs, unit_code, patch)

        monkeypatch.setattr(scoring, "_units_read", counted)


@pytest.fixture
def reads(monkeypatch):
    return FullReads(monkeypatch)


def full_read(store, profile, years, basis) -> pl.DataFrame:
    _, runs = scoring._stored_runs(store, profile, sorted(years), basis)
    return scoring._stored_units(store, runs)


def read_and_compare(store, profile, years, basis, reads: FullReads, patched: bool = True) -> pl.DataFrame:
    """The read as pages get it (stored_score), checked against a full read; whether it was a patch."""
    n = reads.n
    got = scoring.stored_score(store, profile, years, basis).units
    assert (reads.n == n) is patched, "patched" if patched else "read in full"
    want = full_read(store, profile, years, basis)
    assert_frame_equal(got, want, check_exact=True)
    assert got.equals(want)
    return got


def import_991(store, year: int, values=((2, "0"), (3, "100"), (5, "0"), (8, "100"))) -> None:
    content = (config.SAMPLE_DIR / str(year) / "991.csv").read_bytes()
    for row, value in values:  # totals that move far, so ranks move outside the district too
        content = edit(content, row, "TRAIN_STAFF", value)
    assert ingest.import_file(store, content, "991-sua.csv", year, access.SYSTEM, area_code="991").stored


def ranks_outside(units: pl.DataFrame, year: int) -> pl.DataFrame:
    return units.filter((pl.col("year") == year) & (pl.col("area_code") != "991")).select("unit_code", "rank")


@pytest.mark.parametrize("basis", scoring.BASES)
def test_an_upload_then_its_approval_patched_equal_a_full_read(fresh_sample_store, profiles, reads, basis):
    store, profile = fresh_sample_store, profiles["chung"]
    first = read_and_compare(store, profile, [YEAR], basis, reads, patched=False)
    import_991(store, YEAR)  # appraised: awaiting review, the district's rows leave the run
    after_upload = read_and_compare(store, profile, [YEAR], basis, reads)
    ingest.approve(store, access.SYSTEM, "991", YEAR)  # appraised: the district comes back
    after_approval = read_and_compare(store, profile, [YEAR], basis, reads)
    # the patch moved ranks of units outside the district (not read again)
    moved = ranks_outside(first, YEAR).join(ranks_outside(after_approval, YEAR), on="unit_code", suffix="_now")
    assert moved.filter(pl.col("rank") != pl.col("rank_now")).height > 0
    if basis == "appraised":
        assert after_upload.filter(pl.col("area_code") == "991").height == 0
        assert after_approval.filter(pl.col("area_code") == "991").height > 0


def test_an_upload_to_the_year_before_patches_the_change_columns(fresh_sample_store, profiles, reads):
    store, profile = fresh_sample_store, profiles["chung"]
    first = read_and_compare(store, profile, [YEAR], "self", reads, patched=False)
    ingest.reopen(store, access.SYSTEM, "991", YEAR - 1, "kiểm thử: sửa năm trước")
    import_991(store, YEAR - 1)
    now = read_and_compare(store, profile, [YEAR], "self", reads)
    cols = ["unit_code", "prev_total", "total_change", "prev_rank", "rank_change"]
    changed = first.select(cols).join(now.select(cols), on="unit_code", suffix="_now").filter(
        pl.col("prev_total") != pl.col("prev_total_now"))
    assert changed.height > 0  # the year before's totals moved, and the year's change columns with them


def test_two_uploads_in_a_row_over_two_wanted_years(fresh_sample_store, profiles, reads):
    store, profile = fresh_sample_store, profiles["chung"]
    years = [YEAR - 1, YEAR]  # the year before is a wanted year too: its rows give the change columns
    read_and_compare(store, profile, years, "self", reads, patched=False)
    import_991(store, YEAR)
    scoring.refresh(store, profile, years, "self")  # (a refresh between, no read)
    content = (config.SAMPLE_DIR / str(YEAR) / "992.csv").read_bytes()
    content = edit(edit(content, 2, "RESP_DISCLOSURE", "0"), 4, "TRAIN_BOARDS", "100")
    assert ingest.import_file(store, content, "992-sua.csv", YEAR, access.SYSTEM, area_code="992").stored
    read_and_compare(store, profile, years, "self", reads)
    ingest.reopen(store, access.SYSTEM, "991", YEAR - 1, "kiểm thử: sửa năm trước")
    import_991(store, YEAR - 1, ((2, "100"), (4, "0")))
    read_and_compare(store, profile, years, "self", reads)


def test_a_full_refresh_is_read_in_full(fresh_sample_store, profiles, reads):
    store, profile = fresh_sample_store, profiles["chung"]
    read_and_compare(store, profile, [YEAR], "self", reads, patched=False)
    with store.transaction() as cur:
        bump_data_version(cur, YEAR)  # every unit of the year: the run is rescored in full
    read_and_compare(store, profile, [YEAR], "self", reads, patched=False)
    import_991(store, YEAR)  # and the next step patches the read the full one kept
    read_and_compare(store, profile, [YEAR], "self", reads)


def test_a_run_another_store_refreshed_is_read_in_full(generated, reads):
    path, up = generated
    profile = framework.get_profile(bench.PROFILE)
    year = up["year"]
    a, b = Store(path), Store(path)
    try:
        read_and_compare(a, profile, [year], "appraised", reads, patched=False)
        ingest.reopen(b, access.SYSTEM, up["area"], year, "kiểm thử: tệp sửa")
        scoring.refresh(b, profile, [year - 1, year])  # b's step, which a never saw
        read_and_compare(a, profile, [year], "appraised", reads, patched=False)
        ingest.approve(a, access.SYSTEM, up["area"], year)
        read_and_compare(a, profile, [year], "appraised", reads)
    finally:
        a.close()
        b.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A province built by the benchmark's generator (2,500 units), and its first district's files."""
    path = tmp_path_factory.mktemp("readpatch") / "bench.duckdb"
    built = bench.build_db(path, 2_500, workers=1, n_files=3, log=lambda *a, **k: None)
    return path, built["uploads"]


def test_on_a_generated_province_the_bench_upload_is_patched(generated, reads):
    path, up = generated
    profile = framework.get_profile(bench.PROFILE)
    year = up["year"]
    store = Store(path)
    try:
        first = read_and_compare(store, profile, [year], "appraised", reads, patched=False)
        ingest.reopen(store, access.SYSTEM, up["area"], year, "kiểm thử: tệp sửa")
        for content in up["files"][1:]:  # the bench's case: the district awaits review
            assert ingest.import_file(store, content, f"{year}/{up['area']}.csv", year, access.SYSTEM,
                                      area_code=up["area"]).stored
            read_and_compare(store, profile, [year], "appraised", reads)
        content = up["files"][0]
        for row in range(2, min(up["rows"], 60) + 1, 3):  # far off their totals: ranks move across the province
            content = edit(content, row, "RESP_DISCLOSURE", "0" if row % 2 else "100")
        assert ingest.import_file(store, content, f"{year}/{up['area']}.csv", year, access.SYSTEM,
                                  area_code=up["area"]).stored
        ingest.approve(store, access.SYSTEM, up["area"], year)
        now = read_and_compare(store, profile, [year], "appraised", reads)
        outside = pl.col("area_code") != up["area"]
        moved = (first.filter(outside).select("unit_code", "rank")
                 .join(now.filter(outside).select("unit_code", "rank"), on="unit_code", suffix="_now")
                 .filter(pl.col("rank") != pl.col("rank_now")))
        assert moved.height > 100
    finally:
        store.close()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["991", "992"]), st.integers(2, 30),
                          st.sampled_from(["TRAIN_STAFF", "RESP_DISCLOSURE", "TRAIN_BOARDS"]),
                          st.integers(0, 100), st.booleans()), min_size=1, max_size=4))
def test_any_uploads_and_approvals_patched_equal_a_full_read(fresh_sample_store, profiles, monkeypatch, uploads):
    store, profile = fresh_sample_store, profiles["chung"]
    reads = FullReads(monkeypatch)
    for basis in scoring.BASES:
        scoring.stored_score(store, profile, [YEAR], basis)
    for area, row, column, value, approve in uploads:
        content = (config.SAMPLE_DIR / str(YEAR) / f"{area}.csv").read_bytes()
        content = edit(content, min(row, len(content.decode("utf-8-sig").splitlines())), column, str(value))
        ingest.import_file(store, content, f"{area}-sua.csv", YEAR, access.SYSTEM, area_code=area)
        if approve:
            ingest.approve(store, access.SYSTEM, area, YEAR)
            ingest.reopen(store, access.SYSTEM, area, YEAR, "kiểm thử: mở lại")
        for basis in scoring.BASES:
            read_and_compare(store, profile, [YEAR], basis, reads)
