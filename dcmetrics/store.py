"""The DuckDB store: one connection per process, a cursor per call, migrations, transactions.

DuckDB lets one process open a file for writing; a connection object is not thread-safe, so
every operation takes its own cursor (Streamlit runs each script run on its own thread).
While another process holds the file, opening waits (config.lock_wait_seconds) and then
raises StoreBusy.
"""

from __future__ import annotations

import os
import random
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from dcmetrics import config
from dcmetrics.errors import StoreBusy, StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_CONNECT_CONFIG = {
    # Extensions are downloaded on first use and fail offline: never try.
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
# What DuckDB (2.0) says when another process holds the file's lock; any other failure (not a
# database file, no such folder) is not retried.
_LOCK_MESSAGES = ("Could not set lock on file", "Conflicting lock")
_FIRST_RETRY_SECONDS = 0.05
_LONGEST_RETRY_SECONDS = 0.5  # short: a queue of waiting commands takes the file soon after it is freed


def _is_lock_error(error: duckdb.Error) -> bool:
    return isinstance(error, duckdb.IOException) and any(m in str(error) for m in _LOCK_MESSAGES)


def _connect(path: str, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """Connect, retrying with a growing, jittered pause while the file is locked elsewhere."""
    deadline = time.monotonic() + wait_seconds
    pause = _FIRST_RETRY_SECONDS
    while True:
        try:
            return duckdb.connect(path, config=_CONNECT_CONFIG)
        except duckdb.Error as e:
            if not _is_lock_error(e):
                raise StoreError(f"Không mở được cơ sở dữ liệu «{path}»: {e}") from None
            left = deadline - time.monotonic()
            if left <= 0:
                # DuckDB's text names the holder's program and process id: not for users
                raise StoreBusy() from None
            # jitter: processes that started together do not all retry at the same instant
            time.sleep(min(left, pause * random.uniform(0.5, 1.5)))
            pause = min(pause * 2, _LONGEST_RETRY_SECONDS)


class Store:
    """A DuckDB database (a file, or ':memory:' for tests). dcmetrics.pg.store.PgStore is the
    same interface on a PostgreSQL server."""

    dialect = "duckdb"

    def __init__(self, path: str | Path = ":memory:", *, create: bool = True, lock_wait: float | None = None):
        """`lock_wait`: seconds to wait while another process holds the file (None: the
        configured DCMETRICS_LOCK_WAIT_SECONDS); then StoreBusy."""
        self.path = str(path)
        if self.path != ":memory:":
            p = Path(self.path)
            if not p.exists() and not create:
                raise StoreError(f"Không tìm thấy cơ sở dữ liệu «{p}». Hãy tạo bằng lệnh: dcmetrics init --db {p}")
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:  # a file in the way, no permission: not something waiting cures
                why = ("không có quyền ghi" if isinstance(e, PermissionError)
                       else "một phần của đường dẫn là tệp, không phải thư mục"
                       if isinstance(e, (FileExistsError, NotADirectoryError)) else "lỗi hệ thống tệp")
                raise StoreError(f"Không tạo được thư mục «{p.parent}» cho cơ sở dữ liệu: {why}.") from None
        wait = 0.0 if self.path == ":memory:" else config.lock_wait_seconds() if lock_wait is None else lock_wait
        self._con = _connect(self.path, wait)
        self._write_lock = threading.Lock()
        # the database's key for the process-wide write generations: a file's real path (every
        # Store on one file in this process shares its DuckDB instance), a fresh object for :memory:
        self._db = object() if self.path == ":memory:" else os.path.realpath(self.path)
        try:
            migrate(self)
        except BaseException:
            self._con.close()  # the file stays free for the next process
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for the calling thread (temp tables and registrations stay in it)."""
        return self._con.cursor()

    def compute_cursor(self, years: list[int]) -> duckdb.DuckDBPyConnection:
        """A DuckDB cursor where the scoring chain runs over the stored tables (here: this very
        database; a PostgreSQL store gives an in-memory copy of what the chain reads of `years`)."""
        return self.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: a failure anywhere inside rolls everything back."""
        with self._write_lock:
            cur = self._con.cursor()
            cur.begin()
            try:
                yield cur
                cur.commit()
            except BaseException:
                cur.rollback()
                raise
            finally:
                cur.close()
                _written(self._db)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One process at a time, for work of several transactions: the open file already is
        (DuckDB admits one process); PgStore takes a lock on the server."""
        yield

    def frame(self, sql: str, params: dict | None = None) -> pl.DataFrame:
        """Run one query (values bound from `params`) on a cursor of its own; Polars result."""
        cur = self.cursor()
        try:
            return cur.sql(sql, params=params).pl()
        finally:
            cur.close()

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or {}).fetchall()
        finally:
            cur.close()

    def write_generation(self) -> int | None:
        """A number that changes after every transaction on this database in this process. The
        file admits one process, so while it is unchanged nothing stored has changed: what was
        read under it may be kept (PgStore, with other processes writing, gives None)."""
        return _GENERATIONS.get(self._db, 0)

    def data_version(self) -> int:
        """Bumped by every change to scored data; pages key their caches on it. A rerun asks for
        it a dozen times: it is read once per write generation."""
        gen = self.write_generation()
        if gen is None:  # other processes write too: read it every time (one indexed row)
            return int(self.rows("SELECT value FROM meta WHERE key = 'data_version'")[0][0])
        kept = _DATA_VERSIONS.get(self._db)
        if kept is not None and kept[0] == gen:
            return kept[1]
        value = int(self.rows("SELECT value FROM meta WHERE key = 'data_version'")[0][0])
        # kept under the count read before: if a transaction ended meanwhile, it is never used
        _DATA_VERSIONS[self._db] = (gen, value)
        return value

    def meta(self, key: str) -> str | None:
        rows = self.rows("SELECT value FROM meta WHERE key = $k", {"k": key})
        return rows[0][0] if rows else None

    def close(self) -> None:
        """Close the connection (and every cursor taken from it): the file is free for others."""
        self._con.close()
        _written(self._db)  # nothing kept outlives it: the next read fails as on a closed connection


# Per database in this process: how many transactions have ended, and the data version read
# under the current count. A transaction's end (commit or rollback) counts one, after it is over.
_GENERATIONS: dict = {}
_DATA_VERSIONS: dict = {}
_GENERATIONS_LOCK = threading.Lock()


def _written(db) -> None:
    with _GENERATIONS_LOCK:
        _GENERATIONS[db] = _GENERATIONS.get(db, 0) + 1
        _DATA_VERSIONS.pop(db, None)


def bump_data_version(cur: duckdb.DuckDBPyConnection, year: int | None = None,
                      unit_codes: list[str] | None = None) -> None:
    """Record a change to scored data: of `year` (None: every year), of `unit_codes` (None: every
    unit). Stored scores are brought up to date from this log, only for what it names."""
    cur.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'")
    cur.execute("INSERT INTO data_changes (seq, year, unit_codes) "
                "SELECT CAST(value AS BIGINT), $y, $u FROM meta WHERE key = 'data_version'",
                {"y": year, "u": None if unit_codes is None else sorted(set(unit_codes))})
    if getattr(cur, "dialect", "duckdb") == "postgresql":
        # delivered to the other processes' listeners at commit, never for a rolled-back change
        # (dcmetrics.pg.notify); pages poll data_version and need no more
        cur.execute("SELECT pg_notify('dcmetrics_data', value) FROM meta WHERE key = 'data_version'")


_TOKENS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TOKENS_LOCK = threading.Lock()


def cache_key(store, *parts) -> tuple:
    """A key for a process-wide cache of data read from `store`: the store object (by a token
    that is never reused, unlike id(), once the store is gone) and its data version, then `parts`."""
    with _TOKENS_LOCK:
        token = _TOKENS.setdefault(store, object())
    return (token, store.data_version(), *parts)


def set_meta(cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    cur.execute("INSERT OR REPLACE INTO meta VALUES ($k, $v)", {"k": key, "v": value})


def migrations() -> list[tuple[int, Path]]:
    out = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        if path.name.endswith(".pg.sql"):  # PostgreSQL's text of a migration (dcmetrics.pg.store)
            continue
        out.append((int(path.name.split("_", 1)[0]), path))
    return out


def refuse_newer_schema(done: set[int], known: list[tuple[int, Path]]) -> int:
    """The newest migration this software knows; StoreError when the database has a newer one
    (a database a later dcmetrics upgraded: this one would misread it)."""
    newest = max((v for v, _ in known), default=0)
    if done and max(done) > newest:
        raise StoreError(f"Cơ sở dữ liệu có phiên bản lược đồ {max(done)}, mới hơn phần mềm này ({newest}). "
                         "Hãy cập nhật dcmetrics.")
    return newest


def migrate(store: Store) -> int:
    """Apply the migrations not yet recorded in schema_version, each in its own transaction."""
    cur = store.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")
    done = {r[0] for r in cur.execute("SELECT version FROM schema_version").fetchall()}
    known = migrations()
    newest = refuse_newer_schema(done, known)
    for version, path in known:
        if version in done:
            continue
        with store.transaction() as tx:
            tx.execute(path.read_text(encoding="utf-8"))
            tx.execute("INSERT INTO schema_version (version) VALUES ($v)", {"v": version})
    return newest


def open_store(path: str | Path | None = None, *, create: bool = True, lock_wait: float | None = None) -> Store:
    """The store `path` names (else DCMETRICS_DB, else the default file): a DuckDB file, or a
    PostgreSQL server when it is a postgresql:// URL."""
    target = config.db_target(path)
    if isinstance(target, str):
        from dcmetrics.pg.store import PgStore  # psycopg is needed only then

        return PgStore(target, create=create, lock_wait=lock_wait)
    return Store(target, create=create, lock_wait=lock_wait)
