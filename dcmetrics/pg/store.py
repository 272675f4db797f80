"""The store on a PostgreSQL server: the same methods as the DuckDB Store (transaction, cursor,
rows, frame, data_version, meta), the same `$name` SQL (dcmetrics.pg.translate), psycopg 3.

Connections: a bounded pool per process (Streamlit runs each script run on a thread of its own); a
read takes one in autocommit, a transaction takes one for its whole length; a connection idle for
a while is checked before it is lent again. Every connection's session TimeZone is the
deployment's (the embedded store's zone): the schema's `current_timestamp` defaults then write
the same naive local time on both stores. Every transaction
first takes one advisory lock (WRITER_LOCK), held until it ends: writes from every process and
thread are serialised exactly as the embedded file serialises them today, so each commit keeps
the guarantees the code was written for (a check inside the transaction sees every commit made
before it). Finer locks (per area-year) are the next step, docs/postgresql.md.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb
import polars as pl

from dcmetrics.errors import StoreError
from dcmetrics.pg import translate
from dcmetrics.store import Store, refuse_newer_schema

PRELUDE = Path(__file__).resolve().parent / "prelude.sql"
SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
# pg_advisory_xact_lock's key for «one writer at a time» (any fixed bigint; "dcm" in ASCII)
WRITER_LOCK = 0x64636D
SETUP_LOCK = 0x64636E  # held while a process sets up an empty database (exclusive())
_IDLE_KEPT = 4
# Connections one process may hold open at once (DCMETRICS_PG_POOL_SIZE): the software's default.
# A server's max_connections (100 by default) is shared by every process of the deployment.
DEFAULT_POOL_SIZE = 10
# How long a caller waits for a free connection before StoreError (software's default).
POOL_WAIT_SECONDS = 30.0
# A connection idle longer than this is checked (`SELECT 1`) before it is lent: the server may
# have been restarted or have ended it. Shorter idles are trusted (a round trip saved per read).
CHECK_IDLE_SECONDS = 2.0

# PostgreSQL type oid → the Polars type DuckDB's .pl() gives for the same column
_POLARS = {16: pl.Boolean, 20: pl.Int64, 21: pl.Int16, 23: pl.Int32, 700: pl.Float32, 701: pl.Float64,
           25: pl.String, 1043: pl.String, 1042: pl.String, 18: pl.String, 19: pl.String,
           114: pl.String, 3802: pl.String, 17: pl.Binary, 1082: pl.Date, 1114: pl.Datetime("us"),
           1009: pl.List(pl.String), 1015: pl.List(pl.String), 1016: pl.List(pl.Int64),
           1007: pl.List(pl.Int32), 1022: pl.List(pl.Float64), 1000: pl.List(pl.Boolean), 1005: pl.List(pl.Int16),
           1021: pl.List(pl.Float32), 1014: pl.List(pl.String)}
_NUMERIC, _NUMERIC_ARRAY = 1700, 1231


def pool_size() -> int:
    raw = os.environ.get("DCMETRICS_PG_POOL_SIZE", "").strip()
    try:
        size = int(raw) if raw else DEFAULT_POOL_SIZE
    except ValueError:
        size = 0
    if not 1 <= size <= 1000:
        raise StoreError(f"Biến môi trường DCMETRICS_PG_POOL_SIZE = «{raw}» không dùng được: "
                         "cần một số nguyên từ 1 đến 1000, ví dụ 10.")
    return size


@functools.cache
def local_time_zone() -> str:
    """The zone the embedded store writes `current_timestamp` in (DuckDB's session TimeZone:
    the TZ variable, else the machine's /etc/localtime), an IANA name PostgreSQL knows too."""
    con = duckdb.connect(":memory:")
    try:
        return con.execute("SELECT current_setting('TimeZone')").fetchone()[0]
    finally:
        con.close()


def is_url(target) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def shown_url(url: str) -> str:
    """The URL without its password (for messages, logs and cache keys)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def _pg_type(dtype: pl.DataType) -> str:
    """The column type a registered frame's column gets in PostgreSQL."""
    if isinstance(dtype, pl.Decimal):
        return f"NUMERIC({dtype.precision or 38}, {dtype.scale})"
    if isinstance(dtype, pl.List):
        return _pg_type(dtype.inner) + "[]"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMP"
    simple = {pl.String: "VARCHAR", pl.Int64: "BIGINT", pl.Int32: "INTEGER", pl.Int16: "SMALLINT",
              pl.Int8: "SMALLINT", pl.UInt8: "SMALLINT", pl.UInt16: "INTEGER", pl.UInt32: "BIGINT",
              pl.UInt64: "NUMERIC(20, 0)", pl.Float64: "DOUBLE PRECISION", pl.Float32: "REAL",
              pl.Boolean: "BOOLEAN", pl.Date: "DATE", pl.Binary: "BYTEA", pl.Null: "VARCHAR"}
    for k, v in simple.items():
        if dtype == k:
            return v
    raise StoreError(f"Kiểu dữ liệu {dtype} chưa được hỗ trợ khi chuyển sang PostgreSQL.")


_CSV_CHUNK = 200_000

# What the scoring chain reads from the stored tables (dcmetrics/sql: current_observations,
# values, scored_units), copied into its DuckDB database: table, columns, filter. The file bytes
# stay on the server (the chain never reads them).
# With some units named (a rescore after a district's upload), the per-unit tables are read for
# those units only, and the registry for them and their ancestors (scored_units walks up to the
# district and names the parent); submissions stay whole (which file is current is decided
# from all of them, and they are a few rows per area).
_OF_YEARS = "WHERE year IN (SELECT year FROM p_copy_years)"
_IN_UNITS = "unit_code IN (SELECT unit_code FROM p_copy_units)"
_OF_UNITS = {
    "observations": " AND " + _IN_UNITS, "appraisals": " AND " + _IN_UNITS, "unit_reviews": " AND " + _IN_UNITS,
    "unit_name_order": "WHERE code IN (SELECT unit_code FROM p_copy_units)",
    "units": "WHERE code IN (WITH RECURSIVE up(code) AS (SELECT unit_code FROM p_copy_units UNION "
             "SELECT u.parent_code FROM units u JOIN up ON u.code = up.code WHERE u.parent_code IS NOT NULL) "
             "SELECT code FROM up)",
}
COMPUTE_INPUTS = [
    ("units", "*", ""),
    ("submissions", "id, area_code, year, file_name, sha256, ''::bytea AS content, sent_by, sent_at, state, n_rows, "
                    "review_state, review_reason, reviewed_by, reviewed_at, late", _OF_YEARS),
    ("observations", "*", _OF_YEARS),
    ("appraisals", "*", _OF_YEARS),
    ("unit_reviews", "*", _OF_YEARS),
]
# stored runs also copy each unit's place in name order into score_units (unit_rows_to_store)
NAME_ORDER = ("unit_name_order", "*", "")
# pg_advisory_lock's key space for stored runs: a run key's hash, never WRITER_LOCK
def run_lock_key(text: str) -> int:
    """A signed 64-bit advisory-lock key for a stored run's key (its text)."""
    import hashlib

    key = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)
    return key if key != WRITER_LOCK else key + 1


def _csv_safe(dtype: pl.DataType) -> bool:
    """Types whose Polars CSV text PostgreSQL's COPY reads back exactly (not lists, not bytes)."""
    if isinstance(dtype, (pl.Decimal, pl.Datetime)):
        return getattr(dtype, "time_zone", None) is None
    return dtype in (pl.String, pl.Int64, pl.Int32, pl.Int16, pl.Int8, pl.UInt8, pl.UInt16, pl.UInt32,
                     pl.Float64, pl.Float32, pl.Boolean, pl.Date, pl.Null)


def _dtype(col) -> pl.DataType | None:
    if col.type_code in (_NUMERIC, _NUMERIC_ARRAY):
        if col.precision is None or col.scale is None:
            return None  # numeric without a declared scale: Polars infers it from the values
        dec = pl.Decimal(col.precision, col.scale)
        # (typed even with no rows: an empty read must keep DuckDB's List(Decimal) column, or
        # the first list operation on it fails, as the ranking did during a load)
        return dec if col.type_code == _NUMERIC else pl.List(dec)
    return _POLARS.get(col.type_code)


def result_frame(description, rows: list[tuple]) -> pl.DataFrame:
    """Rows of a psycopg result as a Polars frame with the types DuckDB would give."""
    if description is None:
        return pl.DataFrame()
    columns = list(zip(*rows)) if rows else [()] * len(description)
    out = []
    for col, values in zip(description, columns):
        dtype = _dtype(col)
        if col.type_code == 2950:  # uuid
            values, dtype = [None if v is None else str(v) for v in values], pl.String
        out.append(pl.Series(col.name, list(values), dtype=dtype, strict=dtype is not None))
    return pl.DataFrame(out)


class _StrList(list):
    """A list of strings bound as text[] (psycopg binds a lone string as «unknown», which lets
    PostgreSQL read it as the column's type, JSON or DATE included; an array of unknowns, though,
    leaves `unnest($codes)` ambiguous)."""


def _str_list_dumper():
    from psycopg.types.array import ListDumper
    from psycopg.types.string import StrDumper

    class StrListDumper(ListDumper):
        oid = 1009  # text[]

        def get_key(self, obj, format):
            return self.cls

        def upgrade(self, obj, format):
            dumper = type(self)(self.cls, self._tx)
            dumper.sub_dumper = StrDumper(str, self._tx)
            return dumper

    return StrListDumper


def _bound(values: list) -> list:
    """Parameter values as psycopg is to bind them: lists of strings as text[]."""
    out = []
    for v in values:
        if type(v) is list and any(isinstance(x, str) for x in v):
            v = _StrList(v)
        out.append(v)
    return out


def _pg_variant(sql: str) -> str:
    """A dcmetrics/sql file's PostgreSQL text (<name>.pg.sql) where one is written."""
    name = getattr(sql, "name", None)
    if name:
        path = SQL_DIR / f"{name}.pg.sql"
        if path.exists():
            return path.read_text(encoding="utf-8")
    return sql


class PgCursor:
    """What the code calls on a DuckDB cursor, over one psycopg connection."""

    dialect = "postgresql"  # store.bump_data_version also notifies the other processes

    def __init__(self, store: PgStore, conn, owned: bool):
        self._store, self._conn, self._owned = store, conn, owned
        self._cur = conn.cursor()

    def execute(self, sql: str, params: dict | list | None = None) -> PgCursor:
        text = self._store.statement(sql)
        pos = translate.positional(text)
        if pos.names:
            self._cur.execute(pos.sql, _bound(pos.values(params)))
        elif isinstance(params, (list, tuple)) and params:
            self._cur.execute(text, list(params))  # already positional ($1 …)
        else:
            self._cur.execute(text)  # no parameters: simple protocol, several statements allowed
        return self

    sql = execute  # DuckDB's cur.sql(...).pl()

    def executemany(self, sql: str, seq) -> None:
        pos = translate.positional(self._store.statement(sql))
        self._cur.executemany(pos.sql, [_bound(pos.values(p)) for p in seq])

    def fetchall(self) -> list[tuple]:
        # (a statement without rows gives [], as DuckDB's does: the code fetches after every one)
        return self._cur.fetchall() if self._cur.description is not None else []

    def fetchone(self) -> tuple | None:
        return self._cur.fetchone()

    @property
    def description(self):
        return self._cur.description

    def pl(self) -> pl.DataFrame:
        return result_frame(self._cur.description, self._cur.fetchall())

    def copy_frame(self, sql: str, schema: dict) -> pl.DataFrame:
        """A query's rows (no parameters: COPY takes none) through COPY … TO STDOUT in CSV, parsed
        by Polars: 3× faster than rows adapted in Python at national size. Only for scalar
        columns PostgreSQL prints as Polars reads them (not booleans, printed t/f)."""
        import io

        buf = io.BytesIO()
        with self._cur.copy(f"COPY ({self._store.statement(sql)}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                buf.write(block)
        if not buf.getbuffer().nbytes:
            return pl.DataFrame(schema=schema)
        return pl.read_csv(buf.getvalue(), has_header=False, new_columns=list(schema), schema=schema)

    def register(self, name: str, frame: pl.DataFrame) -> None:
        """A frame readable by name in this connection's SQL, as DuckDB's register gives: a
        temporary table filled by COPY (dropped by unregister, or with a rolled-back transaction)."""
        ident = '"' + name.replace('"', '""') + '"'
        cols = ", ".join('"' + c.replace('"', '""') + '" ' + _pg_type(t) for c, t in frame.schema.items())
        self._cur.execute(f"DROP TABLE IF EXISTS pg_temp.{ident}")
        self._cur.execute(f"CREATE TEMP TABLE {ident} ({cols})")
        if all(_csv_safe(t) for t in frame.schema.values()):
            # Polars writes the CSV in C (null unquoted-empty, "" an empty string, floats in their
            # shortest exact form): about 3× faster than rows adapted one by one in Python
            with self._cur.copy(f"COPY {ident} FROM STDIN (FORMAT csv)") as copy:
                for start in range(0, frame.height, _CSV_CHUNK):
                    copy.write(frame.slice(start, _CSV_CHUNK).write_csv(include_header=False))
            return
        with self._cur.copy(f"COPY {ident} FROM STDIN") as copy:
            for row in frame.iter_rows():
                copy.write_row(row)

    def unregister(self, name: str) -> None:
        self._cur.execute('DROP TABLE IF EXISTS pg_temp."' + name.replace('"', '""') + '"')

    def close(self) -> None:
        self._cur.close()
        if self._owned:
            self._store._give(self._conn)
            self._owned = False


class PgStore(Store):
    """A PostgreSQL database given by its URL (postgresql://user@host/db, or ?host=/socket/dir)."""

    dialect = "postgresql"

    def __init__(self, url: str, *, create: bool = True, lock_wait: float | None = None):
        import psycopg  # only a PostgreSQL store needs it

        self._psycopg = psycopg
        self._url = url
        self.path = shown_url(url)
        self._idle: list = []  # (connection, monotonic time it was given back)
        self._pool_lock = threading.Condition()
        self._open = 0  # connections of this store open now, lent or idle
        self._size = pool_size()
        self._tables: dict[str, tuple[list[str], list[str]]] = {}
        self._statements: dict[str, str] = {}
        self._give(self._take())  # fails here, with a clear message, if the server cannot be reached
        migrate(self)

    # ------------------------------------------------------------------ connections

    def _connect(self):
        psycopg = self._psycopg
        try:
            conn = psycopg.connect(self._url, autocommit=True, cursor_factory=psycopg.RawCursor)
        except psycopg.Error as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise StoreError(f"Không kết nối được máy chủ PostgreSQL «{self.path}»: {first}") from None
        from psycopg.types.string import TextLoader

        conn.adapters.register_dumper(_StrList, _str_list_dumper())
        for json_type in ("json", "jsonb"):  # JSON columns read back as text, as DuckDB gives them
            conn.adapters.register_loader(json_type, TextLoader)
        # the app writes naive local times (datetime.now()); the schema's current_timestamp
        # defaults must mean the same clock, not the server's zone
        zone = local_time_zone()
        try:
            conn.execute("SELECT set_config('TimeZone', $1, false)", [zone])
        except psycopg.Error:
            conn.close()
            raise StoreError(f"Máy chủ PostgreSQL «{self.path}» không nhận múi giờ «{zone}» của máy chạy ứng dụng. "
                             "Hãy đặt biến môi trường TZ, ví dụ TZ=Asia/Ho_Chi_Minh.") from None
        return conn

    def _healthy(self, conn) -> bool:
        try:
            conn.execute("SELECT 1")
            return True
        except self._psycopg.Error:
            conn.close()
            return False

    def _take(self):
        """A connection of the pool: an idle one (checked if idle long), else a new one while
        fewer than the pool's size are open, else wait for one given back (StoreError after
        POOL_WAIT_SECONDS)."""
        deadline = time.monotonic() + POOL_WAIT_SECONDS
        while True:
            with self._pool_lock:
                while not self._idle and self._open >= self._size:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise StoreError(f"Máy chủ PostgreSQL «{self.path}»: cả {self._size} kết nối của tiến trình "
                                         f"đang bận quá {POOL_WAIT_SECONDS:g} giây. Hãy thử lại sau ít phút.")
                    self._pool_lock.wait(left)
                if self._idle:
                    conn, since = self._idle.pop()
                else:
                    conn, since = None, None
                    self._open += 1
            if conn is None:
                try:
                    return self._connect()
                except BaseException:
                    self._closed_one()
                    raise
            if not conn.closed and (time.monotonic() - since < CHECK_IDLE_SECONDS or self._healthy(conn)):
                return conn
            conn.close()
            self._closed_one()  # broken while idle (server restarted, connection ended): try again

    def _closed_one(self) -> None:
        with self._pool_lock:
            self._open -= 1
            self._pool_lock.notify()

    def _give(self, conn) -> None:
        if conn.closed or conn.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE:
            conn.close()
            self._closed_one()
            return
        with self._pool_lock:
            if len(self._idle) < _IDLE_KEPT:
                self._idle.append((conn, time.monotonic()))
                self._pool_lock.notify()
                return
        conn.close()
        self._closed_one()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One process at a time across the database, for work of several transactions (setting up
        an empty database: the sample loads in many commits, and a second process starting at the
        same moment must find it loaded, not load it again). A session lock on a connection of its
        own: the server releases it if the process dies."""
        conn = self._connect()
        try:
            conn.execute("SELECT pg_advisory_lock($1)", [SETUP_LOCK])
            yield
        finally:
            conn.close()  # ends the session, and the lock with it

    def listen(self):
        """A DataListener on this database: learn of other processes' commits without polling."""
        from dcmetrics.pg.notify import DataListener

        return DataListener(self._connect())

    # ------------------------------------------------------------------ the Store methods

    def cursor(self) -> PgCursor:
        """A cursor on a connection of its own (temp tables and registrations stay in it); close it."""
        return PgCursor(self, self._take(), owned=True)

    @contextmanager
    def transaction(self) -> Iterator[PgCursor]:
        """All or nothing, one writer at a time across every process (WRITER_LOCK)."""
        conn = self._take()
        try:
            with conn.transaction():
                cur = PgCursor(self, conn, owned=False)
                cur.execute("SELECT pg_advisory_xact_lock($1)", [WRITER_LOCK])
                try:
                    yield cur
                finally:
                    cur.close()
        finally:
            self._give(conn)

    def write_generation(self) -> None:
        """None: other processes commit too, so nothing read may be kept on this process's count."""
        return None

    def frame(self, sql: str, params: dict | None = None) -> pl.DataFrame:
        cur = self.cursor()
        try:
            return cur.execute(sql, params).pl()
        finally:
            cur.close()

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        cur = self.cursor()
        try:
            return cur.execute(sql, params).fetchall()
        finally:
            cur.close()

    def statement(self, sql: str) -> str:
        """The PostgreSQL text of a statement the code wrote for DuckDB (before `$name` → `$n`)."""
        text = self._statements.get(sql)
        if text is None:
            text = translate.ddl(translate.upsert(_pg_variant(sql), self.table_info))
            if len(self._statements) < 4096:
                self._statements[sql] = text
        return text

    def compute_cursor(self, years: list[int], unit_codes: list[str] | None = None, source: PgCursor | None = None,
                       name_order: bool = False) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB database with the embedded schema, holding what the scoring chain
        reads (COMPUTE_INPUTS) of `years` (with `unit_codes`, of those units only); the chain
        runs there unchanged (docs/postgresql.md). `source`: read through that cursor, in its
        transaction's snapshot (a stored run's refresh), else on a connection of its own."""
        local = Store(":memory:")
        pg = source or self.cursor()
        try:
            # COPY takes no parameters: the years and units are registered tables on the same connection
            pg.register("p_copy_years", pl.DataFrame({"year": sorted(set(years))}, schema={"year": pl.Int32}))
            if unit_codes is not None:
                pg.register("p_copy_units", pl.DataFrame({"unit_code": sorted(set(unit_codes))},
                                                         schema={"unit_code": pl.String}))
            with local.transaction() as tx:
                for table, columns, where in COMPUTE_INPUTS + ([NAME_ORDER] if name_order else []):
                    if unit_codes is not None and table in _OF_UNITS:
                        where += _OF_UNITS[table]
                    schema = tx.sql(f"SELECT * FROM {table} LIMIT 0").pl().schema
                    sql = f"SELECT {columns} FROM {table} {where}"
                    frame = (pg.copy_frame(sql, schema) if table == "observations"
                             else pg.execute(sql).pl().cast(schema, strict=False))
                    tx.register("pg_rows", frame)
                    tx.execute(f"INSERT INTO {table} SELECT * FROM pg_rows")
                    tx.unregister("pg_rows")
            pg.unregister("p_copy_years")
            pg.unregister("p_copy_units")
            # the cursor keeps the in-memory database alive after `local` is dropped
            return local.cursor()
        except BaseException:
            local.close()
            raise
        finally:
            if source is None:
                pg.close()

    @contextmanager
    def run_transaction(self, key: str) -> Iterator[PgCursor | None]:
        """The transaction that refreshes one stored run, or None once another process's refresh of
        the same run has ended (then look again: it is probably fresh). Holds the run's advisory
        lock (run_lock_key), not the writer lock: uploads go on meanwhile. REPEATABLE READ: the data
        version, the change log and the chain's inputs are read in one snapshot, so a commit made
        meanwhile is either wholly in the run or after the data_seq it records.

        (A session lock taken before BEGIN, not pg_try_advisory_xact_lock inside: the snapshot of a
        REPEATABLE READ transaction is taken at its first statement, so a lock taken by that
        statement could be granted just after the holder's commit, in a snapshot that misses it.)"""
        lock = run_lock_key(key)
        conn = self._take()
        try:
            cur = PgCursor(self, conn, owned=False)
            if not cur.execute("SELECT pg_try_advisory_lock($1)", [lock]).fetchall()[0][0]:
                # another process is computing this run: wait for it instead of computing it too
                cur.execute("SELECT pg_advisory_lock($1)", [lock]).fetchall()
                cur.execute("SELECT pg_advisory_unlock($1)", [lock]).fetchall()
                yield None
                return
            try:
                with conn.transaction():
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    yield cur
            finally:
                if not conn.closed:
                    cur.execute("SELECT pg_advisory_unlock($1)", [lock]).fetchall()
        finally:
            self._give(conn)

    def table_info(self, table: str) -> tuple[list[str], list[str]]:
        """(columns in order, primary-key columns) of a table, read once per process."""
        if table not in self._tables:
            cols = [r[0] for r in self.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = $t ORDER BY ordinal_position", {"t": table})]
            key = [r[0] for r in self.rows(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass($t) AND i.indisprimary "
                "ORDER BY array_position(i.indkey, a.attnum)", {"t": table})]
            self._tables[table] = (cols, key)
        return self._tables[table]

    def close(self) -> None:
        with self._pool_lock:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for conn, _ in idle:
            conn.close()


def migrations() -> list[tuple[int, Path]]:
    """The migrations as PostgreSQL runs them: NNN_name.pg.sql where one is written, else NNN_name.sql."""
    from dcmetrics import store as store_module  # tests shorten the list there

    out = []
    for version, path in store_module.migrations():
        pg = path.with_name(path.name[:-len(".sql")] + ".pg.sql")
        out.append((version, pg if pg.exists() else path))
    return out


def migration_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text if path.name.endswith(".pg.sql") else translate.ddl(text)


def migrate(store: PgStore) -> int:
    """Apply the migrations not yet recorded, each in its own transaction under the writer lock
    (two processes starting together: the second finds them done)."""
    known = migrations()
    with store.transaction() as tx:
        tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                   "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    done = {r[0] for r in store.rows("SELECT version FROM schema_version")}
    newest = refuse_newer_schema(done, known)
    for version, path in known:
        if version in done:
            continue
        with store.transaction() as tx:
            if tx.execute("SELECT 1 FROM schema_version WHERE version = $v", {"v": version}).fetchall():
                continue  # another process applied it while this one waited for the lock
            if version == known[0][0] and not done:
                tx.execute(PRELUDE.read_text(encoding="utf-8"))
            tx.execute(migration_text(path))
            tx.execute("INSERT INTO schema_version (version) VALUES ($v)", {"v": version})
    store._tables.clear()  # a migration may have rebuilt a table
    store._statements.clear()
    return newest

