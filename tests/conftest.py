"""Shared fixtures: in-memory DuckDB stores, the sample province, the real profiles; the same
stores on PostgreSQL for the store-facing tests (`any_*`, StoreFactory, at the end)."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import polars as pl
import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))  # reference_scoring, scoring_cases
# No read-ahead thread in the app under test (AppTest, streamlit run): it would read the store while
# a test changes it and make timings and query counts depend on it. test_primer turns it on.
os.environ.setdefault("DCMETRICS_PRIME", "0")

from dcmetrics import access, bootstrap, framework  # noqa: E402
from dcmetrics.store import Store, bump_data_version  # noqa: E402


@pytest.fixture
def store() -> Store:
    """An empty in-memory database with the schema and the framework versions."""
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    yield s
    s.close()


@pytest.fixture(scope="session")
def sample_store() -> Store:
    """The sample province loaded once for the session. Read it, never change it."""
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    yield s
    s.close()


# The districts whose 2024 files the tests correct: the sample approves every 2024 file, so these
# are reopened (their figures await review again and leave the appraised basis until approved).
OPEN_FOR_TESTS = ("991", "992")


def open_for_uploads(s: Store, areas=OPEN_FOR_TESTS, year: int = 2024) -> None:
    from dcmetrics.ingest.commit import reopen

    for area in areas:
        reopen(s, access.SYSTEM, area, year, "kiểm thử: mở lại để gửi tệp")


# today's code writes submissions.late and accounts.last_failed_at (014 and 013 add them only where
# missing): the columns an old release's database is given before today's code loads the sample
OLD_RELEASE_LATE_COLUMN = ("ALTER TABLE submissions ADD COLUMN late BOOLEAN; "
                           "ALTER TABLE accounts ADD COLUMN last_failed_at TIMESTAMP")


def as_an_old_release(monkeypatch, sample_dir: Path, into: Path) -> Path:
    """For a database written by a release before review states per unit (012): its uploads wrote
    none and knew no unit-level lock, and its sample had no reviews.csv. Patches today's upload
    path to match (undone by monkeypatch.undo()) and returns a copy of the sample without reviews."""
    import shutil

    from dcmetrics import unit_reviews
    from dcmetrics.ingest import commit as commit_module

    monkeypatch.setattr(unit_reviews, "record_upload", lambda *a, **k: None)
    monkeypatch.setattr(unit_reviews, "file_state", lambda *a, **k: "pending")
    monkeypatch.setattr(commit_module, "lock_problems", lambda *a, **k: [])
    from dcmetrics import periods  # nor evaluation periods (014)

    monkeypatch.setattr(periods, "upload_verdict", lambda *a, **k: periods.Verdict(False))
    if not into.exists():
        shutil.copytree(sample_dir, into, ignore=shutil.ignore_patterns("reviews.csv"))
    return into


@pytest.fixture
def fresh_sample_store() -> Store:
    """A sample province of its own, for tests that change data; 2024 of OPEN_FOR_TESTS reopened."""
    s = Store(":memory:")
    bootstrap.register_frameworks(s)
    bootstrap.load_sample(s)
    open_for_uploads(s)
    yield s
    s.close()


@pytest.fixture
def frameworks_copy(tmp_path, monkeypatch):
    """A copy of data/frameworks that DCMETRICS_FRAMEWORKS_DIR points at: what a test publishes
    is written there, never into the repository. The app's cached profiles are forgotten on both
    sides, so no other test reads the copy's versions."""
    import shutil

    from dcmetrics import config

    dest = tmp_path / "frameworks"
    shutil.copytree(config.FRAMEWORKS_DIR, dest)
    monkeypatch.setenv("DCMETRICS_FRAMEWORKS_DIR", str(dest))

    def forget():
        if "ui.context" in sys.modules:  # (only once a page test has imported it)
            sys.modules["ui.context"].get_profiles.clear()

    forget()
    yield dest
    forget()


@pytest.fixture(scope="session")
def profiles():
    return framework.load_profiles()


# Stored scores are derived data that any page view may bring up to date; what they derive
# from (observations, appraisals, units, data_changes, ...) is what must not change.
DERIVED_TABLES = {"score_runs", "score_units", "score_groups", "score_items"}


def table_digest(store: Store) -> dict[str, str]:
    """A digest of every table's full content, to prove a failed attempt changed nothing."""
    from dcmetrics.sqlfiles import quote_ident

    pg = getattr(store, "dialect", "duckdb") == "postgresql"
    schema = "current_schema()" if pg else "'main'"
    out = {}
    for (name,) in store.rows("SELECT table_name FROM information_schema.tables "
                              f"WHERE table_schema = {schema} AND table_type = 'BASE TABLE' ORDER BY 1"):
        if name in DERIVED_TABLES or name == "schema_version":
            continue
        # every row as text (blobs included), sorted, hashed (PostgreSQL's sha256 takes bytes)
        text = "coalesce(string_agg(t::VARCHAR, chr(10) ORDER BY t::VARCHAR), '')"
        digest = f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')" if pg else f"sha256({text})"
        out[name] = store.rows(f"SELECT count(*), {digest} FROM {quote_ident(name)} t")[0]
    return out


def insert_observations(store: Store, units: list[dict], observations: list[dict], year: int = 2024,
                        appraised: set[str] = frozenset()) -> None:
    """Units and raw observations straight into the tables (scoring tests, not the upload path);
    values of the indicators in `appraised` go in as the level above's appraisals."""
    parents = {u.get("parent_code") for u in units} - {None} - {u["code"] for u in units}
    rows = [{"code": p, "name": f"Địa bàn {p}", "type": "district", "parent_code": None, "cluster": None,
             "active_from": None, "active_to": None} for p in sorted(parents)]
    rows += [{"code": u["code"], "name": u.get("name", f"Đơn vị {u['code']}"), "type": u["type"],
              "parent_code": u.get("parent_code"), "cluster": u.get("cluster"),
              "active_from": None, "active_to": None} for u in units]
    from dcmetrics.units import replace_units

    replace_units(store, pl.DataFrame(rows), access.SYSTEM)
    with store.transaction() as cur:
        sid = cur.execute("INSERT INTO submissions (area_code, year, file_name, sha256, content, sent_by, n_rows) "
                          "VALUES ('T', $y, 'test.csv', 'x', ''::BLOB, 'test', 0) RETURNING id", {"y": year}).fetchone()[0]
        # every unit is 'sent' even without values (a row per unit is what an upload stores)
        for u in units:
            if not any(o["unit_code"] == u["code"] for o in observations):
                cur.execute("INSERT INTO observations VALUES ($s, $u, $y, '__none__', NULL, NULL, NULL, NULL)",
                            {"s": sid, "u": u["code"], "y": year})
        for o in observations:
            if o["indicator"] in appraised:
                cur.execute("INSERT INTO appraisals (unit_code, year, indicator, value, num, den, reason, appraised_by) "
                            "VALUES ($u, $y, $i, $v, $n, $d, 'thử', 'test')",
                            {"u": o["unit_code"], "y": year, "i": o["indicator"], "v": o.get("value"),
                             "n": o.get("num"), "d": o.get("den")})
                continue
            cur.execute("INSERT INTO observations VALUES ($s, $u, $y, $i, $v, $n, $d, NULL)",
                        {"s": sid, "u": o["unit_code"], "y": year, "i": o["indicator"], "v": o.get("value"),
                         "n": o.get("num"), "d": o.get("den")})
        # scoring tests read the appraised basis: their figures count as reviewed and approved
        cur.execute("INSERT OR REPLACE INTO unit_reviews (unit_code, year, submission_id, state) "
                    "SELECT unnest($u), $y, $s, 'approved'", {"u": [u["code"] for u in units], "y": year, "s": sid})
        bump_data_version(cur)


def sourced(raw: dict) -> dict:
    """A profile dict whose every number-bearing table names a source ("mac-dinh", the software's
    default, where it names none): the loader refuses a number without one."""
    import copy

    p = copy.deepcopy(raw)
    if "total_max" in p:
        p.setdefault("total_max_source", "mac-dinh")
    for g in p.get("groups", []):
        g.setdefault("source", "mac-dinh")
        for it in g.get("items", []):
            it.setdefault("source", "mac-dinh")
            it.setdefault("rule_source", "mac-dinh")
    for key in ("bands", "vetoes", "adjustments", "targets"):
        for t in p.get(key, []):
            if isinstance(t, dict):
                t.setdefault("source", "mac-dinh")
    for key in ("adjustment_caps", "commendation", "rounding"):
        if isinstance(p.get(key), dict) and p[key]:
            p[key].setdefault("source", "mac-dinh")
    return p


def raw_profile_of(profile) -> dict:
    """The TOML of one profile version as written (the current file or its archived copy)."""
    import tomllib

    from dcmetrics import config

    folder = config.FRAMEWORKS_DIR / "profiles"
    raw = tomllib.loads((folder / f"{profile.id}.toml").read_text(encoding="utf-8"))
    if raw.get("version") != profile.version:
        raw = tomllib.loads((folder / "archive" / profile.id / f"{profile.version}.toml").read_text(encoding="utf-8"))
    return raw


# ---------------------------------------------------------------- PostgreSQL (issue 21)

def _pg_binaries() -> str | None:
    """The folder of a local PostgreSQL's initdb and pg_ctl (PG_BIN, else Debian's), or None."""
    import glob
    import os

    if os.environ.get("PG_BIN"):
        return os.environ["PG_BIN"] if Path(os.environ["PG_BIN"], "initdb").is_file() else None
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return str(Path(found[-1]).parent) if found else None


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (scripts/pg.sh: its own folder, a unix socket
    there, no TCP port), stopped and removed at the end. Yields the URL of its `dcmetrics`
    database's server without the database: `pg_url` makes a fresh database per test."""
    import shutil
    import subprocess
    import tempfile

    pytest.importorskip("psycopg", reason="psycopg 3 is not installed: pip install 'psycopg[binary]'")
    if _pg_binaries() is None:
        pytest.skip("No local PostgreSQL binaries (initdb, pg_ctl): apt-get install postgresql, or set PG_BIN")
    folder = tempfile.mkdtemp(prefix="dcm-pg-")  # short: a unix socket's path is at most 107 bytes
    script = TESTS.parent / "scripts" / "pg.sh"
    run = subprocess.run(["bash", str(script), "start", folder], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"scripts/pg.sh start failed: {run.stderr or run.stdout}")
    try:
        yield {"folder": folder, "url": run.stdout.strip()}
    finally:
        subprocess.run(["bash", str(script), "stop", folder], capture_output=True, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server, request):
    """The URL of a new, empty database on the session's server (dropped after the test)."""
    import re

    import psycopg

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:50]
    admin = f"postgresql://dcmetrics@/postgres?host={pg_server['folder']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql://dcmetrics@/{name}?host={pg_server['folder']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- the same test on both stores

# ids of the stores a store-facing test runs on (the `any_*` fixtures below are parametrised on them)
STORE_KINDS = ("duckdb", "postgresql")
_TEMPLATES = ("empty", "sample", "sample_open")


def _pg_admin(server) -> str:
    return f"postgresql://dcmetrics@/postgres?host={server['folder']}"


def _pg_fill(store, template: str) -> None:
    bootstrap.register_frameworks(store)
    if template != "empty":
        bootstrap.load_sample(store)
    if template == "sample_open":
        open_for_uploads(store)


@pytest.fixture(scope="session")
def pg_templates(pg_server):
    """Template databases on the session's server, each filled once when first asked for:
    «empty» (schema and frameworks), «sample» (the sample province), «sample_open» (the sample,
    OPEN_FOR_TESTS reopened). A test's database is CREATE DATABASE … TEMPLATE: a file copy, a
    fraction of a second, where loading the sample again takes seconds."""
    import psycopg

    from dcmetrics.store import open_store

    made: dict[str, str] = {}

    def template(kind: str) -> str:
        if kind not in made:
            name = f"tpl_{kind}"
            with psycopg.connect(_pg_admin(pg_server), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            s = open_store(f"postgresql://dcmetrics@/{name}?host={pg_server['folder']}")
            try:
                _pg_fill(s, kind)
            finally:
                s.close()  # a template is copied only while nobody is connected to it
            made[kind] = name
        return made[kind]

    yield template


class StoreFactory:
    """Stores of either kind (STORE_KINDS), closed (and a PostgreSQL database dropped) by
    close(): `make("postgresql", "sample")` is a PostgreSQL database of its own holding the
    sample; on DuckDB the same contents in memory. Skips the test without PostgreSQL binaries."""

    def __init__(self, request):
        self.request = request
        self.made: list[tuple[Store, str | None, dict | None]] = []  # store, database, server

    def __call__(self, kind: str = "duckdb", contents: str = "sample_open") -> Store:
        assert contents in _TEMPLATES, contents
        if kind == "duckdb":
            s = Store(":memory:")
            _pg_fill(s, contents)
            self.made.append((s, None, None))
            return s
        assert kind == "postgresql", kind
        import psycopg

        from dcmetrics.store import open_store

        server = self.request.getfixturevalue("pg_server")
        template = self.request.getfixturevalue("pg_templates")(contents)
        name = f"s_{next(_DB_NUMBERS)}"
        with psycopg.connect(_pg_admin(server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        s = open_store(f"postgresql://dcmetrics@/{name}?host={server['folder']}")
        self.made.append((s, name, server))
        return s

    def close(self) -> None:
        import psycopg

        for s, name, server in reversed(self.made):
            s.close()
            if name is not None:
                with psycopg.connect(_pg_admin(server), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.clear()


_DB_NUMBERS = itertools.count(1)  # database names unique in the session


@pytest.fixture
def store_factory(request):
    """A StoreFactory whose stores end with the test."""
    f = StoreFactory(request)
    yield f
    f.close()


@pytest.fixture(scope="module")
def module_store_factory(request):
    """A StoreFactory whose stores end with the module."""
    f = StoreFactory(request)
    yield f
    f.close()


@pytest.fixture(params=STORE_KINDS)
def any_store(request, store_factory) -> Store:
    """`store` (schema and frameworks, nothing else) on each store in turn."""
    return store_factory(request.param, "empty")


@pytest.fixture(scope="module", params=STORE_KINDS)
def any_sample_store(request, module_store_factory) -> Store:
    """`sample_store` on each store in turn, one per module: read it, never change it."""
    return module_store_factory(request.param, "sample")


@pytest.fixture(params=STORE_KINDS)
def any_fresh_sample_store(request, store_factory) -> Store:
    """`fresh_sample_store` on each store in turn: the sample of the test's own, OPEN_FOR_TESTS reopened."""
    return store_factory(request.param, "sample_open")


SVG = "{http://www.w3.org/2000/svg}"


def svg_charts(at) -> list[dict]:
    """The core's SVG charts an AppTest run placed (ui.charts.svg, a markdown element): for each, its aria-label, its bars
    and points as (tooltip, fill) and its dashed version marks as (x, tooltip)."""
    import re
    import xml.etree.ElementTree as ET

    out = []
    for el in at.markdown:
        for text in re.findall(r"<svg .*?</svg>", el.value, flags=re.S):
            root = ET.fromstring(text)
            def tip(e):
                t = e.find(f"{SVG}title")
                return None if t is None else t.text
            out.append({
                "label": root.get("aria-label"),
                "bars": [(tip(r), r.get("fill")) for r in root.iter(f"{SVG}rect") if tip(r)],
                "points": [(tip(c), c.get("fill"), float(c.get("cx")), float(c.get("cy")))
                           for c in root.iter(f"{SVG}circle")],
                "marks": [(float(ln.get("x1")), tip(ln)) for ln in root.iter(f"{SVG}line")
                          if ln.get("stroke-dasharray")],
                "texts": ["".join(t.itertext()) for t in root.iter(f"{SVG}text")],
            })
    return out
