"""PostgreSQL as the system of record (issue 21): the translator, the schema of both stores, and
the upload path (`dcmetrics import`) giving the same stored rows on both. The server is the
session's throwaway one (conftest.pg_server); without local PostgreSQL binaries these skip."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from dcmetrics import access, audit, bootstrap, cli, config
from dcmetrics.pg import translate
from dcmetrics.store import Store, open_store

SAMPLE_FILE = config.SAMPLE_DIR / "2024" / "991.csv"


# ---------------------------------------------------------------- the translator (no server)

@pytest.mark.parametrize("sql, expected, names", [
    ("SELECT $a, $b, $a", "SELECT $1, $2, $1", ("a", "b")),
    # inside literals, quoted identifiers and comments nothing moves
    ("SELECT '$x' || $y -- $z\n, \"$w\"", "SELECT '$x' || $1 -- $z\n, \"$w\"", ("y",)),
    ("CHECK (h LIKE '$argon2%') AND v = $v", "CHECK (h LIKE '$argon2%') AND v = $1", ("v",)),
    ("SELECT 'it''s $q', $q_2 /* $c */", "SELECT 'it''s $q', $1 /* $c */", ("q_2",)),
    ("SELECT $1, $$ body $$", "SELECT $1, $$ body $$", ()),  # already positional, dollar quotes
])
def test_positional_parameters(sql, expected, names):
    got = translate.positional(sql)
    assert (got.sql, got.names) == (expected, names)


def test_positional_values_in_order_and_missing_named():
    pos = translate.positional("SELECT $b, $a, $b")
    assert pos.values({"a": 1, "b": 2, "unused": 3}) == [2, 1]
    with pytest.raises(KeyError, match="a"):
        pos.values({"b": 2})


_TABLES = {"meta": (["key", "value"], ["key"]),
           "unit_reviews": (["unit_code", "year", "submission_id", "state"], ["unit_code", "year"]),
           "area_locks": (["area_code", "year"], ["area_code", "year"])}


@pytest.mark.parametrize("sql, expected", [
    ("INSERT OR REPLACE INTO meta VALUES ($k, $v)",
     'INSERT INTO meta VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET "value" = EXCLUDED."value"'),
    ("INSERT OR REPLACE INTO unit_reviews (unit_code, year, submission_id, state) SELECT a, b, c, d FROM t",
     "INSERT INTO unit_reviews (unit_code, year, submission_id, state) SELECT a, b, c, d FROM t ON CONFLICT "
     '(unit_code, year) DO UPDATE SET "submission_id" = EXCLUDED."submission_id", "state" = EXCLUDED."state"'),
    ("INSERT OR REPLACE INTO area_locks (area_code, year) VALUES ($a, $y)",
     "INSERT INTO area_locks (area_code, year) VALUES ($a, $y) ON CONFLICT (area_code, year) DO NOTHING"),
    ("insert or replace into meta values ($k, $v) RETURNING key",
     'INSERT INTO meta values ($k, $v) ON CONFLICT (key) DO UPDATE SET "value" = EXCLUDED."value" RETURNING key'),
    ("INSERT INTO meta VALUES ($k, $v)", "INSERT INTO meta VALUES ($k, $v)"),
])
def test_insert_or_replace_becomes_on_conflict(sql, expected):
    assert translate.upsert(sql, _TABLES.__getitem__) == expected


@pytest.mark.parametrize("sql, expected", [
    ("x DOUBLE, y DOUBLE[], z BLOB NOT NULL", "x DOUBLE PRECISION, y DOUBLE PRECISION[], z BYTEA NOT NULL"),
    ("CAST(s AS DOUBLE) -- summed in DOUBLE", "CAST(s AS DOUBLE PRECISION) -- summed in DOUBLE"),
    ("a DOUBLE PRECISION, 'DOUBLE'", "a DOUBLE PRECISION, 'DOUBLE'"),
    ("doubled BLOBS", "doubled BLOBS"),
])
def test_type_names(sql, expected):
    assert translate.ddl(sql) == expected


# ---------------------------------------------------------------- schema of both stores

def _duckdb_type_as_pg(t: str) -> str:
    """A DuckDB column type as PostgreSQL's format_type() spells the same type."""
    if t.endswith("[]"):
        return _duckdb_type_as_pg(t[:-2]) + "[]"
    m = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", t)
    if m:
        return f"numeric({m[1]},{m[2]})"
    return {"VARCHAR": "character varying", "INTEGER": "integer", "BIGINT": "bigint", "DOUBLE": "double precision",
            "BLOB": "bytea", "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp without time zone",
            "JSON": "json"}[t]


def test_migrate_creates_the_same_schema_as_duckdb(pg_url):
    duck = Store(":memory:")
    with open_store(pg_url) as pg:
        assert pg.dialect == "postgresql"
        assert [r[0] for r in pg.rows("SELECT version FROM schema_version ORDER BY version")] == list(range(1, 19))
        got = pg.rows(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped "
            "ORDER BY c.relname, a.attnum")
        pg_keys = pg.rows("SELECT tc.table_name, kc.column_name FROM information_schema.table_constraints tc "
                          "JOIN information_schema.key_column_usage kc USING (constraint_schema, constraint_name) "
                          "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()")
        pg_indexes = pg.rows(
            "SELECT t.relname, i.relname, string_agg(a.attname, ', ' ORDER BY k.ord) "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE n.nspname = current_schema() AND NOT x.indisprimary AND NOT x.indisunique "
            "GROUP BY t.relname, i.relname")
        assert pg.data_version() == 0 and len(pg.meta("login_name_salt")) == 64
    want = duck.rows("SELECT table_name, column_name, data_type, is_nullable = 'NO' FROM information_schema.columns "
                     "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position")
    duck_keys = duck.rows("SELECT table_name, unnest(constraint_column_names) FROM duckdb_constraints() "
                          "WHERE constraint_type = 'PRIMARY KEY'")
    duck_indexes = duck.rows("SELECT table_name, index_name FROM duckdb_indexes()")
    duck.close()
    assert len(want) == 274 and len({t for t, *_ in want}) == 29  # every table of the 18 migrations
    # the same tables, the same columns in the same order (write_registry inserts SELECT *), the same types
    assert [(t, c, _duckdb_type_as_pg(ty)) for t, c, ty, _ in want] == [(t, c, ty) for t, c, ty, _ in got]
    # a primary-key column is NOT NULL in PostgreSQL whether declared so or not
    keyed = set(pg_keys)
    assert [(t, c, nn) for t, c, _, nn in want if (t, c) not in keyed] == \
           [(t, c, nn) for t, c, _, nn in got if (t, c) not in keyed]
    assert sorted(pg_keys) == sorted(duck_keys)
    # the indexes differ, on purpose: PostgreSQL alone indexes the stored scores by run and unit
    # (018_score_indexes.pg.sql: a district's rescore deletes its rows); the DuckDB file has none
    assert sorted(pg_indexes) == [(f"score_{t}", f"score_{t}_run_unit", "run_id, unit_code")
                                  for t in ("groups", "items", "units")]
    assert duck_indexes == []


def test_an_empty_read_of_every_table_has_the_embedded_stores_types(pg_url):
    """Reads with no rows keep each column's type (no Null columns): a page reading an empty
    stored run (group_points, a DECIMAL list) must get the List(Decimal) the DuckDB file gives,
    or its first list operation fails (seen on the ranking during the load test)."""
    duck = Store(":memory:")
    tables = [r[0] for r in duck.rows("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_schema = 'main' ORDER BY 1")]
    with open_store(pg_url) as pg:
        got = {t: pg.frame(f"SELECT * FROM {t} WHERE false").schema for t in tables}
    want = {t: duck.frame(f"SELECT * FROM {t} WHERE false").schema for t in tables}
    duck.close()
    assert len(got) == 29 and got["score_units"]["group_points"] == pl.List(pl.Decimal(18, 6))
    assert {t: s for t, s in got.items() if s != want[t]} == {}


def test_migrate_twice_is_a_no_op_and_newer_schema_refused(pg_url):
    with open_store(pg_url) as pg, pg.transaction() as cur:
        cur.execute("INSERT INTO meta VALUES ('marker', 'x')")
    with open_store(pg_url) as pg:
        assert pg.meta("marker") == "x"
        assert pg.rows("SELECT count(*) FROM schema_version")[0][0] == 18
        with pg.transaction() as cur:
            cur.execute("INSERT INTO schema_version (version) VALUES (99)")
    from dcmetrics.errors import StoreError

    with pytest.raises(StoreError, match="phiên bản lược đồ 99, mới hơn phần mềm này"):
        open_store(pg_url)


def test_unreachable_server_is_a_store_error_without_password(tmp_path):
    pytest.importorskip("psycopg")
    from dcmetrics.errors import StoreError

    with pytest.raises(StoreError, match="Không kết nối được máy chủ PostgreSQL") as e:
        open_store(f"postgresql://u:secret@/nowhere?host={tmp_path}")
    assert "secret" not in str(e.value) and "u:***@" in str(e.value)


# ---------------------------------------------------------------- the upload path on both stores

# columns whose values are the moment of writing or random by design (salts, password hashes)
_VOLATILE = {"sent_at", "at", "changed_at", "loaded_at", "acted_at", "created_at", "password_changed_at",
             "password_hash", "appraised_at", "reviewed_at", "locked_at", "recorded_at", "set_at"}
_COMPARED = ["units", "unit_name_order", "submissions", "observations", "unit_reviews", "audit", "data_changes",
             "meta", "accounts", "frameworks", "area_locks", "reviews", "appraisals", "unit_lineage", "unit_places",
             "profile_assignments"]


def _table(store, name: str) -> pl.DataFrame:
    frame = store.frame(f"SELECT * FROM {name}")
    frame = frame.drop([c for c in frame.columns if c in _VOLATILE])
    if name == "meta":
        frame = frame.filter(pl.col("key") != "login_name_salt")
    if name == "audit":  # before/after JSON: the same values, each engine's own spacing
        import json

        frame = frame.with_columns(pl.col(c).map_elements(lambda s: json.dumps(json.loads(s), sort_keys=True),
                                                          return_dtype=pl.String) for c in ("before_json", "after_json"))
    if name == "frameworks":
        frame = frame.drop("body_json")  # the same text; compared by its sha256 column
    return frame.sort(frame.columns, nulls_last=True)


def _assert_same(duck, pg, tables=_COMPARED) -> dict[str, int]:
    heights = {}
    for name in tables:
        a, b = _table(duck, name), _table(pg, name)
        assert a.columns == b.columns, name
        assert a.cast({c: pl.String for c in a.columns if a[c].dtype == pl.Null}).equals(
            b.cast({c: a[c].dtype for c in b.columns if a[c].dtype != pl.Null}, strict=False), null_equal=True), name
        heights[name] = a.height
    return heights


def _registry(store) -> None:
    """Frameworks, the sample's units and the demo accounts: what an upload needs, on either store."""
    from dcmetrics.units import replace_units

    bootstrap.register_frameworks(store)
    replace_units(store, pl.read_csv(config.SAMPLE_DIR / "units.csv", infer_schema=False), access.SYSTEM)
    access.create_demo_accounts(store)


def _cli_import(db: str, *more: str) -> int:
    return cli.main(["import", str(SAMPLE_FILE), "--db", db, "--year", "2024", "--user", "canbo.991", *more])


def test_dcmetrics_import_stores_the_same_rows_on_postgresql(pg_url, tmp_path, capsys):
    duck_file = str(tmp_path / "embedded.duckdb")
    for db in (duck_file, pg_url):
        with open_store(db) as s:
            _registry(s)
        assert _cli_import(db) == 0
    out = capsys.readouterr().out
    assert out.count("Đã lưu số liệu của") == 2 and out.count("mã lần gửi 1.") == 2
    with Store(duck_file) as duck, open_store(pg_url) as pg:
        heights = _assert_same(duck, pg)
        assert heights["submissions"] == 1 and heights["observations"] > 100
        assert heights["unit_reviews"] == pg.rows("SELECT count(DISTINCT unit_code) FROM observations")[0][0]
        assert pg.rows("SELECT content FROM submissions")[0][0] == SAMPLE_FILE.read_bytes()
        version = pg.data_version()
        assert version == duck.data_version() == 2  # the registry, then the upload
    # the very same file again: nothing stored, nothing bumped, on both
    for db in (duck_file, pg_url):
        assert _cli_import(db) == 0
    assert capsys.readouterr().out.count("giống hệt tệp đang dùng") == 2
    with Store(duck_file) as duck, open_store(pg_url) as pg:
        assert _assert_same(duck, pg) == heights
        assert pg.data_version() == version


def test_a_failing_commit_leaves_nothing_on_postgresql(pg_url, monkeypatch):
    from dcmetrics.ingest.commit import import_file

    with open_store(pg_url) as pg:
        _registry(pg)
        before = {t: pg.rows(f"SELECT count(*) FROM {t}")[0][0]
                  for t in ("submissions", "observations", "unit_reviews", "audit", "data_changes")}
        version = pg.data_version()

        def fail(*a, **k):  # the last write before the version bump: everything else is written
            raise RuntimeError("mất kết nối giữa chừng")

        monkeypatch.setattr(audit, "record", fail)
        with pytest.raises(RuntimeError, match="giữa chừng"):
            import_file(pg, SAMPLE_FILE.read_bytes(), SAMPLE_FILE.name, 2024, "canbo.991", area_code="991")
        assert {t: pg.rows(f"SELECT count(*) FROM {t}")[0][0] for t in before} == before
        assert pg.data_version() == version
        monkeypatch.undo()
        # the pool's connection is clean again: the same upload now goes through
        result = import_file(pg, SAMPLE_FILE.read_bytes(), SAMPLE_FILE.name, 2024, "canbo.991", area_code="991")
        assert result.stored and pg.data_version() == version + 1
        assert pg.rows("SELECT count(*) FROM observations")[0][0] == result.checked.observations.height


def test_the_whole_sample_loads_the_same_on_postgresql(pg_url):
    """Every write path the sample loader takes (units, lineage, places, assignments, 89 files,
    appraisals, approvals, demo accounts) gives the same rows on both stores."""
    duck = Store(":memory:")
    bootstrap.register_frameworks(duck)
    counts = bootstrap.load_sample(duck)
    with open_store(pg_url) as pg:
        bootstrap.register_frameworks(pg)
        assert bootstrap.load_sample(pg) == counts
        heights = _assert_same(duck, pg)
        assert pg.data_version() == duck.data_version()
    duck.close()
    assert heights["submissions"] == counts["files"] and heights["appraisals"] == counts["appraisals"]
    assert heights["area_locks"] > 0 and heights["accounts"] == len(access.DEMO_ACCOUNTS)


def test_registered_frames_read_back_exactly(pg_url):
    """register(): the CSV path (scalar columns) and the row path (lists, bytes) give back every
    value: NULL apart from the empty string, quotes, line breaks, diacritics, doubles to the bit."""
    from datetime import date, datetime
    from decimal import Decimal

    scalar = pl.DataFrame({
        "s": ["x", "", None, 'q"uo,te\nline', "Đà Nẵng"],
        "f": [0.1 + 0.2, None, 2.0, 1e-7, 123456789.123456],
        "i": [1, 2, None, 4, 2**40], "b": [True, None, False, True, False],
        "d": [date(2024, 1, 31), None, date(1999, 12, 1), date(2025, 7, 1), date(2023, 2, 28)],
        "t": [datetime(2024, 1, 31, 8, 5, 59, 123456), None, None, None, datetime(2025, 7, 1)],
        "m": pl.Series([Decimal("99.705000"), None, Decimal("-1.000001"), Decimal(0), Decimal(1)],
                       dtype=pl.Decimal(18, 6))}).with_columns(pl.col("i").cast(pl.Int64))
    listed = pl.DataFrame({"codes": [["a", "b"], None, [], ["Đ"], ["x"]],
                           "raw": [b"\x00\x01", None, b"", b"PK\x03\x04", b"x"], "n": [1, 2, 3, 4, 5]})
    with open_store(pg_url) as pg:
        cur = pg.cursor()
        try:
            for name, frame in (("scalar", scalar), ("listed", listed)):
                cur.register(name, frame)
                back = cur.execute(f"SELECT * FROM {name}").pl()
                assert back.schema == frame.schema, name
                assert back.equals(frame, null_equal=True), name
                assert cur.execute(f"SELECT count(*) FROM {name} WHERE {frame.columns[0]} IS NULL").fetchone()[0] == 1
                cur.unregister(name)
        finally:
            cur.close()


def _review_cycle(store) -> dict:
    """A late upload inside a period, approval (locks), a refused file, reopening, a return: the
    review path's reads and writes, on either store. What each step showed, for comparison."""
    from datetime import date, datetime

    from dcmetrics import periods, unit_reviews
    from dcmetrics.errors import ValidationError
    from dcmetrics.ingest import commit

    _registry(store)
    content = SAMPLE_FILE.read_bytes()
    # the deadline passed (today is after 31/01/2025), the year still open: stored, marked late
    periods.set_period(store, "quantri.demo", 2024, date(2024, 1, 1), date(2025, 1, 31), date(2030, 1, 31),
                       date(2030, 12, 31))
    stored = commit.import_file(store, content, SAMPLE_FILE.name, 2024, "canbo.991", area_code="991")
    commit.approve(store, "thamdinh.tinh", "991", 2024)
    with pytest.raises(ValidationError) as refused:
        commit.import_file(store, content, SAMPLE_FILE.name, 2024, "canbo.991", area_code="991")
    commit.reopen(store, "thamdinh.tinh", "991", 2024, "sửa số liệu")
    commit.return_submission(store, "thamdinh.tinh", "991", 2024, "thiếu minh chứng")
    history = commit.history(store, "thamdinh.tinh", "991", 2024).drop("sent_at", "reviewed_at")
    states = unit_reviews.states(store, 2024).drop("reviewed_at")
    return {"stored": (stored.stored, stored.submission_id), "refused": [str(p) for p in refused.value.problems],
            "history": history, "states": states, "pending": unit_reviews.pending_count(store, 2024),
            "verdict": periods.upload_verdict(store, "991", 2024, datetime.now())}


def test_the_review_path_is_the_same_on_postgresql(pg_url):
    duck = Store(":memory:")
    want = _review_cycle(duck)
    with open_store(pg_url) as pg:
        got = _review_cycle(pg)
        _assert_same(duck, pg, _COMPARED + ["evaluation_periods", "period_reopenings"])
        assert pg.rows("SELECT late FROM submissions") == [(True,)]
    duck.close()
    assert want["refused"] and "đã được phê duyệt và khóa" in want["refused"][0]
    assert got["refused"] == want["refused"] and got["stored"] == want["stored"] == (True, 1)
    assert got["pending"] == want["pending"] and want["pending"]["returned"] > 0
    verdicts = [(v.late, v.refused, v.period.submit_by) for v in (want["verdict"], got["verdict"])]
    assert verdicts[0] == verdicts[1] and verdicts[0][:2] == (True, None)
    for key in ("history", "states"):
        assert got[key].schema == want[key].schema, key
        assert got[key].equals(want[key], null_equal=True), key
    assert want["history"]["review_state"].to_list() == ["returned"]


# ---------------------------------------------------------------- what PostgreSQL accepts today

# dcmetrics/sql files that PostgreSQL does not prepare yet (docs/postgresql.md, «Still DuckDB-only»):
# a ratchet. A file fixed leaves this list; a new file must prepare.
NOT_YET_PORTABLE = {
    # the scoring chain's steps: they read its temp tables and always run in DuckDB
    "attainment", "bench_lean", "exact_macros", "group_points", "groups_to_store",
    "items_wide", "ranks", "scored_units", "totals", "unit_rows_to_store", "values"}


# The frames and temp tables the code gives those files (cur.register, CREATE TEMP TABLE) with the
# columns the files read, as empty temp tables: a file that reads one is prepared against it.
REGISTERED = {
    "p_runs": "year INTEGER, run_id BIGINT, wanted BOOLEAN",  # scoring._read_stored
    # scores.ranks.update_run_ranks (update_moved_ranks)
    "p_ranks": "unit_code VARCHAR, rank BIGINT, rank_parent BIGINT, rank_type BIGINT, rank_cluster BIGINT, "
               "n_rated BIGINT",
    # scoring.register_inputs (current_observations, current_observations_of_units)
    "fw_params": "basis VARCHAR", "p_years": "year INTEGER", "p_replaced": "submission_id BIGINT",
    "p_scope": "restricted BOOLEAN", "p_units": "unit_code VARCHAR",
    "p_pending": "submission_id BIGINT, unit_code VARCHAR, year INTEGER, indicator VARCHAR, "
                 "value DOUBLE PRECISION, num DOUBLE PRECISION, den DOUBLE PRECISION",
    # completeness._unit_rows
    "c_types": "unit_type VARCHAR", "c_units": "unit_code VARCHAR", "c_applies": "indicator VARCHAR, unit_type VARCHAR",
    # territory._resolved (profile_of_units)
    "p_assignments": "profile_id VARCHAR, area_code VARCHAR, unit_types VARCHAR[], year_from INTEGER, year_to INTEGER",
    # analysis.quality.raw_findings (q_sent, q_all: what quality_sent and quality_values select)
    "q_units": "unit_code VARCHAR, unit_type VARCHAR, area_code VARCHAR",
    "q_asked": "unit_type VARCHAR, indicator VARCHAR, kind VARCHAR",
    "q_jump_rules": "kind VARCHAR, min_change DOUBLE PRECISION",
    "q_sent": "year INTEGER, unit_code VARCHAR, unit_type VARCHAR, area_code VARCHAR, submission_id BIGINT",
    "q_all": "year INTEGER, unit_code VARCHAR, unit_type VARCHAR, area_code VARCHAR, indicator VARCHAR, "
             "kind VARCHAR, submission_id BIGINT, value DOUBLE PRECISION, num DOUBLE PRECISION, "
             "den DOUBLE PRECISION, x DOUBLE PRECISION, empty BOOLEAN",
}


def test_which_sql_files_postgresql_prepares(pg_url):
    """Each dcmetrics/sql file as PgStore would run it, prepared (parsed, typed, planned) without
    parameter values, the frames the code registers for it present as empty temp tables: the
    portable ones must keep preparing, the others are the known list."""
    import psycopg

    from dcmetrics import sqlfiles

    failing = {}
    with open_store(pg_url) as pg, psycopg.connect(pg_url, autocommit=True) as conn:
        for name, columns in REGISTERED.items():
            conn.execute(f"CREATE TEMP TABLE {name} ({columns})")
        for path in sorted(sqlfiles.SQL_DIR.glob("*.sql")):
            if path.name.endswith(".pg.sql"):
                continue
            body = translate.positional(pg.statement(sqlfiles.load(path.stem))).sql.strip().rstrip(";")
            try:
                with conn.transaction():
                    conn.execute("PREPARE probe AS " + body)
                    conn.execute("DEALLOCATE probe")
            except psycopg.Error as e:
                failing[path.stem] = str(e).splitlines()[0]
    assert set(failing) == NOT_YET_PORTABLE, {k: v for k, v in failing.items() if k not in NOT_YET_PORTABLE}


# ---------------------------------------------------------------- scoring on PostgreSQL's data

def test_scores_from_postgresql_equal_the_embedded_ones(pg_url):
    """score(): the chain runs in DuckDB over what PostgreSQL holds (PgStore.compute_cursor); for
    every profile, both bases and the sample's years, the units, groups and items are the same
    as the embedded store's, row for row (the digest of each frame compared)."""
    from dcmetrics import framework, scoring

    duck = Store(":memory:")
    bootstrap.register_frameworks(duck)
    bootstrap.load_sample(duck)
    digests = {}
    with open_store(pg_url) as pg:
        bootstrap.register_frameworks(pg)
        bootstrap.load_sample(pg)
        for pid, profile in sorted(framework.load_profiles().items()):
            for basis in ("appraised", "self"):
                for year in (2024, 2025):
                    p = profile.in_force(year)
                    a, b = scoring.score(duck, p, [year], basis), scoring.score(pg, p, [year], basis)
                    ia, ib = a.items_for(), b.items_for()
                    # when each store wrote the appraisal differs; whether one was used does not
                    assert ia["appraised_at"].is_null().equals(ib["appraised_at"].is_null())
                    for part, x, y in (("units", a.units, b.units), ("groups", a.groups, b.groups),
                                       ("items", ia.drop("appraised_at"), ib.drop("appraised_at"))):
                        assert x.height > 0 and x.equals(y, null_equal=True), (pid, basis, year, part)
                        digests[(pid, basis, year, part)] = x.hash_rows().sum()
    duck.close()
    assert len(digests) == 12 * len(framework.load_profiles())  # 2 bases × 2 years × 3 parts


# ---------------------------------------------------------------- several processes at once

_WRITER = """
import random, sys
from pathlib import Path
from dcmetrics import cli
db, seed, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
random.Random(seed).shuffle(files)
for f in files:
    code = cli.main(["import", f, "--db", db, "--year", "2024", "--user", "quantri.demo", "--area", Path(f).stem])
    assert code == 0, (f, code)
"""


def _python(*args: str, **kw):
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(config.ROOT)}  # this worktree's dcmetrics, not an installed one
    return subprocess.Popen([sys.executable, "-c", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def test_concurrent_writers_store_each_file_once(pg_url):
    """4 processes upload the same 8 district files of 2024 in different orders at once: each
    area-year ends with exactly one current submission holding the file's rows, every other
    upload of it is the «same file» no-op, and the data version counts exactly the 8 commits."""
    files = sorted(str(p) for p in (config.SAMPLE_DIR / "2024").glob("99?.csv"))
    assert len(files) == 8
    with open_store(pg_url) as pg:
        _registry(pg)
        version = pg.data_version()
    procs = [_python(_WRITER, pg_url, str(seed), *files) for seed in range(4)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e[-2000:] for _, e in outs]
    text = "".join(o for o, _ in outs)
    assert text.count("Đã lưu số liệu của") == 8 and text.count("giống hệt tệp đang dùng") == 24
    with open_store(pg_url) as pg:
        subs = pg.rows("SELECT area_code, count(*), count(*) FILTER (WHERE state = 'current') FROM submissions "
                       "GROUP BY area_code ORDER BY area_code")
        assert subs == [(f[-7:-4], 1, 1) for f in files]
        assert pg.data_version() == version + 8
        assert pg.rows("SELECT count(*) FROM data_changes WHERE seq > $v", {"v": version})[0][0] == 8
        # no row lost or doubled: the embedded store given the same files, one by one, holds the same
        from dcmetrics.ingest.commit import import_file

        duck = Store(":memory:")
        _registry(duck)
        for f in files:
            import_file(duck, Path(f).read_bytes(), Path(f).name, 2024, "quantri.demo", area_code=Path(f).stem)
        # (submission ids follow the commit order, which differs: rows compared without them)
        for table in ("observations", "unit_reviews"):
            a, b = (_table(s, table).drop("submission_id") for s in (duck, pg))
            assert a.height > 0 and a.sort(a.columns, nulls_last=True).equals(
                b.sort(b.columns, nulls_last=True), null_equal=True), table
        duck.close()


_HOLDER = """
import sys, time
from dcmetrics.store import open_store
store = open_store(sys.argv[1])
with store.transaction() as cur:
    cur.execute("INSERT INTO submissions (area_code, year, file_name, sha256, content, sent_by, n_rows) "
                "VALUES ('991', 2024, 'nua-chung.csv', 'x', $c, 'quantri.demo', 1)", {"c": b"a"})
    cur.execute("INSERT INTO observations VALUES (999, '99101', 2024, 'x', 1, NULL, NULL, '1')")
    print("holding", flush=True)
    time.sleep(120)
"""


def test_a_writer_killed_mid_commit_leaves_nothing_and_others_go_on(pg_url):
    import signal
    import time

    from dcmetrics.ingest.commit import import_file

    with open_store(pg_url) as pg:
        _registry(pg)
        holder = _python(_HOLDER, pg_url)
        assert holder.stdout.readline().strip() == "holding"  # its transaction holds the writer lock
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        start = time.monotonic()
        result = import_file(pg, SAMPLE_FILE.read_bytes(), SAMPLE_FILE.name, 2024, "canbo.991", area_code="991")
        assert result.stored and time.monotonic() - start < 30
        assert pg.rows("SELECT count(*) FROM submissions WHERE file_name = 'nua-chung.csv'") == [(0,)]
        assert pg.rows("SELECT count(*) FROM observations WHERE submission_id = 999") == [(0,)]
        assert pg.rows("SELECT count(*) FROM submissions") == [(1,)]


# ---------------------------------------------------------------- the portable reads on both stores

def _portable_reads(s) -> dict[str, object]:
    """What the files made portable (pgport) answer over the sample: each read as the code calls it."""
    from dcmetrics import shortlist, sqlfiles, territory
    from dcmetrics.ingest import commit

    inds = [r[0] for r in s.rows("SELECT DISTINCT indicator FROM observations WHERE unit_code = '99001' "
                                 "AND year = 2024 ORDER BY 1")]
    whatif = {b: s.frame(sqlfiles.load("whatif_unit_values"), {
        "u": "99001", "y": 2024, "basis": b, "inds": inds + ["KHONG_CO"],
        "superior": [i == inds[0] for i in inds] + [False]}).sort("indicator") for b in ("appraised", "self")}
    return {
        "vi_order": shortlist.vi_order(s, ["b", "a", "c", "d", "e"], ["Đà Lạt", "An Giang", "Ấp Bắc", "Ân Thi", "Bắc Ninh"]),
        "vi_order, no keys": s.frame(sqlfiles.load("shortlist_vi_order"), {"keys": [], "texts": []}),
        "unit_submissions": commit.submissions_for_unit(s, "99001", 2024).drop("sent_at"),
        "audit_log, no filter": audit.audit_log(s, "quantri.demo").drop("at"),
        "audit_log, filtered": audit.audit_log(s, "quantri.demo", action="approve", who="(HỆ THỐNG)").drop("at"),
        "whatif appraised": whatif["appraised"], "whatif self": whatif["self"],
        "profile_of_units": [str(p) for p in territory.coverage_problems(
            s, territory.assignments(s).drop("set_by", "set_at"), [2023, 2024, 2025])],
        "evidence_area_units": s.rows(sqlfiles.load("evidence_area_units"), {"area": "991", "y": 2024}),
    }


def test_the_portable_reads_give_the_same_rows_on_both_stores(store_factory):
    duck, pg = store_factory("duckdb", "sample"), store_factory("postgresql", "sample")
    want, got = _portable_reads(duck), _portable_reads(pg)
    for name, a in want.items():
        b = got[name]
        if isinstance(a, pl.DataFrame):
            assert a.schema == b.schema, name
            assert a.equals(b, null_equal=True), (name, a, b)
        else:
            assert a == b, name
    # the answers are real ones, not two empty results
    # a, ă, â, b … đ: An Giang, Ân Thi, Ấp Bắc (n before p; the tone second), Bắc Ninh, Đà Lạt
    assert want["vi_order"].sort("ord")["key"].to_list() == ["a", "d", "c", "e", "b"]
    assert want["vi_order, no keys"].height == 0
    assert want["unit_submissions"].height >= 1 and want["unit_submissions"]["n_values"][0] > 0
    assert want["audit_log, filtered"].height > 0 and want["audit_log, no filter"].height > want["audit_log, filtered"].height
    w = want["whatif appraised"]
    assert w.height == len(w["indicator"].unique()) and w.filter(pl.col("indicator") == "KHONG_CO")["value"].is_null().all()
    assert w["sent"].all() and (w["value"].is_not_null().any() or w["num"].is_not_null().any())
    assert w.filter(pl.col("indicator") != "KHONG_CO")["use_appraisal"].any()  # the one entered from above
    assert len(want["evidence_area_units"]) > 0
