"""The embedded file's write generation (issue 19: a rerun read data_version and the account a dozen
times each, 30 % of its time under ten sessions): both are read once per generation, and any
transaction on the database, through any Store object of this process, makes them read again."""

from __future__ import annotations

import threading

import pytest

from dcmetrics import access, bootstrap
from dcmetrics.store import Store, bump_data_version


class Counting:
    """Wraps a store's rows() to count the statements that reach the database."""

    def __init__(self, store: Store):
        self.sql: list[str] = []
        inner = store.rows

        def rows(sql, params=None):
            self.sql.append(sql)
            return inner(sql, params)
        store.rows = rows


@pytest.fixture
def two_on_one_file(tmp_path):
    """Two Store objects on one file in this process (they share DuckDB's instance)."""
    path = tmp_path / "db.duckdb"
    first = Store(path)
    bootstrap.register_frameworks(first)
    with first.transaction() as cur:
        cur.execute("INSERT INTO units (code, name, type) VALUES ('99', 'Tỉnh Thử', 'province')")
    access.create_account(first, access.SYSTEM, "lanhdao.a", "Mật-khẩu-dài-1", access.LEADER, "99")
    second = Store(path)
    yield first, second
    second.close()
    first.close()


def test_data_version_is_read_once_per_generation(two_on_one_file):
    first, second = two_on_one_file
    seen = Counting(first)
    before = first.data_version()
    assert [first.data_version() for _ in range(10)] == [before] * 10
    assert sum("data_version" in q for q in seen.sql) <= 1
    with second.transaction() as cur:  # a commit through the other object
        bump_data_version(cur)
    assert first.data_version() == before + 1
    with pytest.raises(RuntimeError):  # a rollback ends a generation too, and changes nothing
        with first.transaction() as cur:
            bump_data_version(cur)
            raise RuntimeError("hủy")
    assert first.data_version() == second.data_version() == before + 1


def test_the_account_is_read_once_per_generation_and_a_change_shows_at_once(two_on_one_file):
    first, second = two_on_one_file
    seen = Counting(first)
    a = access.get_account(first, "lanhdao.a")
    assert all(access.get_account(first, "LanhDao.A") == a for _ in range(10)) and a.active
    assert sum("accounts" in q for q in seen.sql) == 1
    access.set_active(second, access.SYSTEM, "lanhdao.a", False)  # deactivated through the other object
    assert access.get_account(first, "lanhdao.a").active is False
    with pytest.raises(access.AccessDenied, match="đã bị vô hiệu hóa"):
        access.require(first, "lanhdao.a", access.READ_SCORES)
    assert access.get_account(first, "khong.co") is None


def test_a_failed_login_counts_at_once(two_on_one_file):
    first, _ = two_on_one_file
    assert access.get_account(first, "lanhdao.a") is not None
    result = access.authenticate(first, "lanhdao.a", "sai-mat-khau")
    assert not result.ok
    assert first.rows("SELECT failed_count FROM accounts WHERE username = 'lanhdao.a'")[0][0] == 1


def test_a_read_racing_a_commit_is_not_kept(two_on_one_file):
    """A data_version read that a transaction ends during must not be kept under the old count."""
    first, second = two_on_one_file
    before = first.data_version()
    started, go_on = threading.Event(), threading.Event()
    inner = first.rows

    def slow_rows(sql, params=None):
        out = inner(sql, params)  # the old value is read ...
        started.set()
        go_on.wait(10)           # ... and a commit ends before it would be kept
        return out
    first.rows = slow_rows
    from dcmetrics import store as store_module
    store_module._DATA_VERSIONS.pop(first._db, None)
    store_module._written(first._db)
    reader = threading.Thread(target=first.data_version)
    reader.start()
    assert started.wait(10)
    with second.transaction() as cur:
        bump_data_version(cur)
    go_on.set()
    reader.join(10)
    first.rows = inner
    assert first.data_version() == before + 1


def test_memory_stores_are_apart(store):
    other = Store(":memory:")
    try:
        bootstrap.register_frameworks(other)
        with other.transaction() as cur:
            bump_data_version(cur)
        assert other.data_version() == store.data_version() + 1
    finally:
        other.close()


def test_postgresql_keeps_nothing(any_store):
    if any_store.dialect != "postgresql":
        assert isinstance(any_store.write_generation(), int)
        return
    assert any_store.write_generation() is None
    seen = Counting(any_store)
    for _ in range(3):
        any_store.data_version()
    assert sum("data_version" in q for q in seen.sql) == 3
