"""Stored score runs on PostgreSQL (issue 21, docs/postgresql.md step 3): refresh() runs the chain
in DuckDB over what PostgreSQL holds and stores the run back in one PostgreSQL transaction; every
read of the stored runs gives what the embedded store gives; several processes refreshing the
same run compute it once. The server is the session's throwaway one (conftest.pg_server)."""

from __future__ import annotations

import polars as pl
import pytest

from dcmetrics import bootstrap, config, framework, scoring
from dcmetrics.ingest.commit import import_file
from dcmetrics.store import Store, open_store

# columns whose values are the moment of writing (each store wrote its own appraisals)
_WHEN = ["appraised_at"]


def _stored(store, table: str, run_ids: list[int]) -> pl.DataFrame:
    """A stored table's rows of some runs, without the run id (each store numbers its runs)."""
    frame = store.frame(f"SELECT * FROM {table} WHERE list_contains($r, run_id)", {"r": run_ids}).drop("run_id")
    frame = frame.drop([c for c in _WHEN if c in frame.columns])
    return frame.sort(["year", "unit_code", *[c for c in ("group_ord", "item_ord") if c in frame.columns]])


def _same_runs(duck, pg, duck_runs: list[int], pg_runs: list[int]) -> dict[str, int]:
    """score_units, score_groups, score_items of the runs equal row for row (digest compared)."""
    heights = {}
    for table in ("score_units", "score_groups", "score_items"):
        a, b = _stored(duck, table, duck_runs), _stored(pg, table, pg_runs)
        assert a.height > 0 and a.columns == b.columns, table
        b = b.cast(a.schema, strict=False)
        assert a.equals(b, null_equal=True), (table, a.hash_rows().sum(), b.hash_rows().sum())
        assert a.hash_rows().sum() == b.hash_rows().sum(), table
        heights[table] = a.height
    return heights


@pytest.fixture(scope="module")
def both_samples(pg_server):
    """The sample on the embedded store and on a PostgreSQL database of this module."""
    import psycopg

    name = "t_pg_scores_sample"
    admin = f"postgresql://dcmetrics@/postgres?host={pg_server['folder']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    duck = Store(":memory:")
    bootstrap.register_frameworks(duck)
    bootstrap.load_sample(duck)
    pg = open_store(f"postgresql://dcmetrics@/{name}?host={pg_server['folder']}")
    bootstrap.register_frameworks(pg)
    bootstrap.load_sample(pg)
    yield duck, pg
    pg.close()
    duck.close()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_stored_runs_on_postgresql_equal_the_embedded_ones(both_samples):
    """Every profile × both bases × 2024 and 2025: the stored rows are the same on both stores,
    and so is every read of them (units with the change columns, groups, items)."""
    duck, pg = both_samples
    checked = 0
    for pid, profile in sorted(framework.load_profiles().items()):
        for basis in scoring.BASES:
            for year in (2024, 2025):
                p = profile.in_force(year)
                ra, rb = scoring.refresh(duck, p, [year], basis), scoring.refresh(pg, p, [year], basis)
                _same_runs(duck, pg, [ra[year]], [rb[year]])
                a, b = scoring.stored_score(duck, profile, [year], basis), scoring.stored_score(pg, profile, [year], basis)
                assert a.units.height > 0 and a.units.equals(b.units, null_equal=True), (pid, basis, year)
                assert a.groups.equals(b.groups, null_equal=True), (pid, basis, year)
                some = a.units["unit_code"].head(3).to_list()
                ia, ib = a.items_for(some).drop(_WHEN), b.items_for(some).drop(_WHEN)
                assert ia.height > 0 and ia.equals(ib, null_equal=True), (pid, basis, year)
                assert a.groups_for(some).equals(b.groups_for(some)), (pid, basis, year)
                checked += 1
    assert checked == 4 * len(framework.load_profiles())
    # a second refresh finds the runs fresh: nothing stored twice
    p = framework.load_profiles()["chung"].in_force(2024)
    runs = scoring.refresh(pg, p, [2024])
    assert pg.rows("SELECT count(*), count(DISTINCT unit_code) FROM score_units WHERE run_id = $r",
                   {"r": runs[2024]}) == duck.rows("SELECT count(*), count(DISTINCT unit_code) FROM score_units "
                                                   "WHERE run_id = $r", {"r": scoring.refresh(duck, p, [2024])[2024]})


def _run_row(store, run_id: int) -> dict:
    return store.frame("SELECT data_seq, last_mode, n_units FROM score_runs WHERE id = $r", {"r": run_id}).to_dicts()[0]


def test_a_district_upload_rescores_its_units_on_postgresql_as_a_full_refresh_would(pg_url):
    """After an upload and its approval on PostgreSQL the run is brought up to date for the file's
    units only ('units'), and holds exactly what a full refresh and the embedded store hold."""
    from conftest import open_for_uploads
    from test_ingest import edit

    from dcmetrics.ingest import commit as ingest

    profile = framework.load_profiles()["chung"].in_force(2024)
    content = edit((config.SAMPLE_DIR / "2024" / "991.csv").read_bytes(), 2, "TRAIN_STAFF", "5")
    duck = Store(":memory:")
    with open_store(pg_url) as pg:
        for store in (duck, pg):
            bootstrap.register_frameworks(store)
            bootstrap.load_sample(store)
            open_for_uploads(store, ["991"])
            first = scoring.refresh(store, profile, [2024])[2024]
            import_file(store, content, "991-sua.csv", 2024, "canbo.991", area_code="991")
            ingest.approve(store, "thamdinh.tinh", "991", 2024)
            assert scoring.refresh(store, profile, [2024])[2024] == first
            run = _run_row(store, first)
            assert (run["last_mode"], run["data_seq"]) == ("units", store.data_version())
        n_991 = pg.rows("SELECT count(*) FROM score_units WHERE run_id = $r AND area_code = '991'", {"r": first})[0][0]
        assert 0 < n_991 < _run_row(pg, first)["n_units"]
        rescored = {t: _stored(pg, t, [first]) for t in ("score_units", "score_groups", "score_items")}
        _same_runs(duck, pg, [first], [first])
        # the same run computed whole: the same rows
        with pg.transaction() as tx:
            for t in ("score_items", "score_groups", "score_units", "score_runs"):
                tx.execute(f"DELETE FROM {t} WHERE {'id' if t == 'score_runs' else 'run_id'} = $r", {"r": first})
        again = scoring.refresh(pg, profile, [2024])[2024]
        assert again != first and _run_row(pg, again)["last_mode"] == "full"
        for t, rows in rescored.items():
            assert rows.equals(_stored(pg, t, [again]), null_equal=True), t
    duck.close()


def test_dcmetrics_score_on_postgresql_writes_the_embedded_store_s_file(pg_url, tmp_path):
    """`dcmetrics score` (stored runs) on a PostgreSQL URL: the same CSV, byte for byte."""
    from dcmetrics import cli

    db = tmp_path / "nhung.duckdb"
    for target in (str(db), pg_url):
        with open_store(target) as store:
            bootstrap.register_frameworks(store)
            bootstrap.load_sample(store)
    outs = []
    for n, target in enumerate((str(db), pg_url)):
        out = tmp_path / f"diem-{n}.csv"
        assert cli.main(["score", "--db", target, "--year", "2024", "--framework", "chung", "--out", str(out)]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") > 100


_REFRESHER = """
import sys, time
from dcmetrics import framework, scoring
from dcmetrics.store import open_store
chain = scoring._run_chain
calls = []
def slow_chain(*a, **k):  # long enough for the other process to arrive meanwhile
    calls.append(1)
    time.sleep(2)
    return chain(*a, **k)
scoring._run_chain = slow_chain
store = open_store(sys.argv[1])
profile = framework.load_profiles()["chung"].in_force(2024)
print("ready", flush=True)
sys.stdin.readline()  # both start together
runs = scoring.refresh(store, profile, [2024])
print("computed", len(calls), "run", runs[2024], flush=True)
"""


def test_two_processes_refreshing_the_same_run_compute_it_once(pg_url):
    """Two processes ask for the same stored run at the same moment: one computes it, the other
    waits for it (PgStore.run_transaction) and reads it; the run's rows are stored once."""
    from test_pg_store import _python

    with open_store(pg_url) as pg:
        bootstrap.register_frameworks(pg)
        bootstrap.load_sample(pg)
    procs = [_python(_REFRESHER, pg_url, stdin=__import__("subprocess").PIPE) for _ in range(2)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e[-2000:] for _, e in outs]
    said = sorted(o.split() for o, _ in outs)
    assert [s[1] for s in said] == ["0", "1"], said  # one computed, one did not
    assert said[0][3] == said[1][3]  # the same run
    with open_store(pg_url) as pg:
        run = int(said[0][3])
        assert pg.rows("SELECT count(*) FROM score_runs") == [(1,)]
        n, distinct = pg.rows("SELECT count(*), count(DISTINCT unit_code) FROM score_units WHERE run_id = $r",
                              {"r": run})[0]
        assert n == distinct == _run_row(pg, run)["n_units"] > 100
        items = pg.rows("SELECT count(*), count(DISTINCT (unit_code, indicator)) FROM score_items WHERE run_id = $r",
                        {"r": run})[0]
        assert items[0] == items[1] > n


# ---------------------------------------------------------------- the pages on a PostgreSQL store

# AppTest's page-folder workaround and the first administrator's credentials (autouse there)
from test_pages import _admin_credentials, _navigation_not_pages_dir  # noqa: E402, F401

def test_ranking_and_unit_pages_read_stored_scores_from_postgresql(pg_url, monkeypatch, sample_store):
    """The app with DCMETRICS_DB a PostgreSQL URL (created and given the sample by the app itself):
    the ranking page lists the embedded store's ranking in its order, and the unit page shows
    each chosen unit's total, level and rank as the embedded store gives them."""
    import test_pages as tp
    from streamlit.testing.v1 import AppTest

    from dcmetrics.dashboard import Filters

    monkeypatch.setenv("DCMETRICS_DB", pg_url)
    tp._forget_store()
    try:
        # (straight to the ranking: the overview's completeness reads are another step's work,
        # docs/postgresql.md «Still DuckDB-only»)
        at = AppTest.from_file(tp.APP, default_timeout=60)
        at.switch_page(f"{tp.PAGE_DIR}/ranking.py").run()
        tp.login_if_asked(at)
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == "Xếp hạng đơn vị"
        from ui.context import get_store

        assert get_store().dialect == "postgresql"
        year = at.selectbox(key="year").value
        profile = framework.load_profiles()[tp.DEFAULT_PROFILE]
        want = tp.ranking(sample_store, profile, Filters(year))
        raw = at.dataframe(key="ranking_table").value
        assert len(raw) == want.height > 50
        assert list(raw["Mã"]) == want["unit_code"].to_list()
        assert [tp.vn_value(t) for t in raw["Tổng điểm"]] == pytest.approx(want["total"].to_list())

        at.switch_page(f"{tp.PAGE_DIR}/unit.py")
        for code in want["unit_code"].gather([0, want.height // 2, want.height - 1]).to_list():
            at.session_state["unit_code"] = code
            at.run()
            assert not at.exception, [e.value for e in at.exception]
            u = tp.unit_detail(sample_store, profile, code, Filters(year)).unit
            assert at.subheader[0].value == u["unit_name"]
            assert tp.metric(at, "Tổng điểm") == tp.vn_points(u["total"])
            assert tp.metric(at, "Mức độ thực hiện") == (u["level"] or "Không xếp loại")
            assert tp.metric(at, "Hạng chung") == (f"{u['rank']}/{u['n_rated']}" if u["rank"] is not None else "–")
        # what the pages showed came from runs stored on the server
        assert get_store().rows("SELECT count(*) FROM score_runs WHERE year = $y", {"y": year})[0][0] >= 1
    finally:
        tp._forget_store()
