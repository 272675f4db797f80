"""A database file another process holds: the store waits, then says so in Vietnamese; CLI
commands started together queue; the app shows the message and recovers (issue 16).

Real processes throughout: a holder is a `python -c` that opens the file with duckdb and keeps
it until its stdin closes. Waits are configured short (DCMETRICS_LOCK_WAIT_SECONDS).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from test_pages import APP, ADMIN_PASSWORD, ADMIN_USER, _admin_credentials, _navigation_not_pages_dir  # noqa: F401

from dcmetrics import access, bootstrap, config  # noqa: E402
from dcmetrics.errors import StoreBusy, StoreError  # noqa: E402
from dcmetrics.store import Store  # noqa: E402
from dcmetrics.units import replace_units  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WAIT_ENV = "DCMETRICS_LOCK_WAIT_SECONDS"
# written out, not read from the code: what a user reads
BUSY = ("Cơ sở dữ liệu đang được một chương trình khác sử dụng (một lệnh dcmetrics hoặc một phiên bản ứng dụng "
        "khác). Hãy chờ lệnh đó chạy xong rồi thử lại; nếu không có lệnh nào đang chạy, hãy liên hệ quản trị.")
# the sample's six district files of 2024, one area each
AREA_FILES = [config.SAMPLE_DIR / "2024" / f"{code}.csv" for code in ("991", "992", "993", "994", "995", "996")]

HOLD = ("import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"  # until the test closes our stdin
        "con.close()\n")


# ---------------------------------------------------------------- databases and holders

@pytest.fixture(scope="module")
def base_db(tmp_path_factory):
    """Schema, profiles, the sample's units and the first administrator; no submissions. Built
    once and closed (so no process holds it), copied by each test."""
    path = tmp_path_factory.mktemp("busy-base") / "base.duckdb"
    with Store(path, lock_wait=0) as store:
        bootstrap.register_frameworks(store)
        replace_units(store, pl.read_csv(config.SAMPLE_DIR / "units.csv", infer_schema=False), access.SYSTEM)
        assert access.ensure_admin(store, {access.ADMIN_USER_ENV: ADMIN_USER,
                                           access.ADMIN_PASSWORD_ENV: ADMIN_PASSWORD}) is None
    assert not path.with_name(path.name + ".wal").exists()
    return path


@pytest.fixture
def db(base_db, tmp_path):
    path = tmp_path / "tinh.duckdb"
    shutil.copyfile(base_db, path)
    return path


@contextmanager
def held(path: Path, release_after: float | None = None):
    """Another process holding `path` until the block ends (or `release_after` seconds)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        timer = threading.Timer(release_after, proc.stdin.close) if release_after is not None else None
        if timer:
            timer.start()
        yield proc
    finally:
        if not proc.stdin.closed:
            proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        if release_after is not None:
            timer.cancel()


def cli(*args: str, wait: float, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, WAIT_ENV: str(wait)}
    return subprocess.run([sys.executable, "-m", "dcmetrics.cli", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout)


# ---------------------------------------------------------------- the store

def test_opening_waits_the_configured_time_then_says_busy(db, monkeypatch):
    monkeypatch.setenv(WAIT_ENV, "0.8")
    with held(db) as holder:
        start = time.monotonic()
        with pytest.raises(StoreBusy) as err:
            Store(db)
        waited = time.monotonic() - start
        assert str(err.value) == BUSY
        assert isinstance(err.value, StoreError)  # callers that handle StoreError still do
        assert 0.8 <= waited < 5, waited
        assert str(holder.pid) not in str(err.value)
        # an explicit wait overrides the variable
        start = time.monotonic()
        with pytest.raises(StoreBusy):
            Store(db, lock_wait=0.2)
        assert 0.2 <= time.monotonic() - start < 0.8
    with Store(db, lock_wait=0) as store:  # the holder is gone: opens at once
        assert store.rows("SELECT count(*) FROM units")[0][0] == pl.read_csv(config.SAMPLE_DIR / "units.csv", infer_schema=False).height
        assert store.rows("SELECT count(*) FROM accounts WHERE username = $u", {"u": ADMIN_USER})[0][0] == 1


def test_opening_takes_the_file_as_soon_as_it_is_freed(db):
    with held(db, release_after=1.0):
        start = time.monotonic()
        with Store(db, lock_wait=20) as store:
            waited = time.monotonic() - start
            assert store.rows("SELECT count(*) FROM schema_version")[0][0] >= 1
    assert 0.9 <= waited < 5, waited


def _not_a_database(folder: Path) -> Path:
    (folder / "hong.duckdb").write_bytes(b"not a database" * 100)
    return folder / "hong.duckdb"


def _folder_is_a_file(folder: Path) -> Path:
    (folder / "tep").write_text("x")
    return folder / "tep" / "x.duckdb"


@pytest.mark.parametrize("make,expected", [
    (_not_a_database, "Không mở được cơ sở dữ liệu «{p}»"),
    (_folder_is_a_file,
     "Không tạo được thư mục «{p.parent}» cho cơ sở dữ liệu: một phần của đường dẫn là tệp, không phải thư mục."),
])
def test_other_failures_are_refused_at_once_not_waited_for(tmp_path, make, expected):
    path = make(tmp_path)
    start = time.monotonic()
    with pytest.raises(StoreError) as err:
        Store(path, lock_wait=10)
    assert time.monotonic() - start < 3
    assert not isinstance(err.value, StoreBusy)
    assert str(err.value).startswith(expected.format(p=path))


@pytest.mark.parametrize("raw,expected", [("", 30.0), ("2,5", 2.5), (" 0 ", 0.0), ("12", 12.0)])
def test_wait_setting(monkeypatch, raw, expected):
    monkeypatch.setenv(WAIT_ENV, raw)
    assert config.lock_wait_seconds() == expected


@pytest.mark.parametrize("raw", ["ba mươi", "-1", "nan", "inf"])
def test_unusable_wait_setting_is_refused(monkeypatch, raw):
    monkeypatch.setenv(WAIT_ENV, raw)
    with pytest.raises(StoreError) as err:
        config.lock_wait_seconds()
    assert str(err.value) == (f"Biến môi trường DCMETRICS_LOCK_WAIT_SECONDS = «{raw}» không dùng được: "
                              "cần một số giây từ 0 đến 86400, ví dụ 30.")


# ---------------------------------------------------------------- the command line

@pytest.mark.parametrize("command", [
    ["import", str(AREA_FILES[0]), "--year", "2024", "--user", ADMIN_USER, "--area", "991"],
    ["score", "--year", "2024", "--framework", "chung", "--out", "{tmp}/diem.csv"],
    ["template", "--year", "2025", "--area", "99", "--out", "{tmp}/mau.csv"],
])
def test_cli_under_a_held_lock_says_busy_without_a_traceback(db, tmp_path, command):
    args = [a.format(tmp=tmp_path) for a in command]
    with held(db) as holder:
        proc = cli(*args, "--db", str(db), wait=0.5)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr == f"Lỗi: {BUSY}\n"
    assert proc.stdout == ""
    for leak in ("Traceback", "IOException", "IO Error", "PID", str(holder.pid), "lock"):
        assert leak not in proc.stderr
    assert not list(tmp_path.glob("*.csv"))  # nothing written
    with Store(db, lock_wait=0) as store:
        assert store.rows("SELECT count(*) FROM submissions")[0][0] == 0


def test_cli_imports_started_together_all_land_once(db):
    env = {**os.environ, WAIT_ENV: "120"}  # generous: six processes on a shared two-core machine
    procs = {path.stem: subprocess.Popen(
        [sys.executable, "-m", "dcmetrics.cli", "import", str(path), "--db", str(db), "--year", "2024",
         "--user", ADMIN_USER, "--area", path.stem],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT) for path in AREA_FILES}
    outcomes = {area: (p.wait(timeout=240), *p.communicate()) for area, p in procs.items()}
    for area, (code, out, err) in outcomes.items():
        assert code == 0, (area, err)
        assert err == "", (area, err)
    with Store(db, lock_wait=0) as store:
        stored = store.rows("SELECT area_code, year, file_name, sha256, state, n_rows, sent_by "
                            "FROM submissions ORDER BY area_code")
        per_submission = dict(store.rows("SELECT s.area_code, count(DISTINCT o.unit_code) FROM submissions s "
                                         "JOIN observations o ON o.submission_id = s.id GROUP BY 1"))
    expected = []
    for path in AREA_FILES:
        content = path.read_bytes()
        rows = pl.read_csv(content, infer_schema=False).height
        expected.append((path.stem, 2024, path.name, hashlib.sha256(content).hexdigest(), "current", rows,
                         ADMIN_USER))
    assert stored == expected  # each file once: none lost, none doubled
    assert per_submission == {path.stem: row[5] for path, row in zip(AREA_FILES, expected)}


# ---------------------------------------------------------------- the app

@pytest.fixture
def app_db(db, monkeypatch):
    """The app pointed at `db`, its process-wide store forgotten before and closed after."""
    from ui.context import _open_store, get_store

    monkeypatch.setenv("DCMETRICS_DB", str(db))
    monkeypatch.setenv(WAIT_ENV, "0.5")
    get_store.clear()
    yield db
    try:
        _open_store().close()  # cached by the test's last run: free the file
    except StoreError:
        pass
    get_store.clear()


def test_app_opened_while_the_file_is_held_says_so_then_recovers(app_db):
    at = AppTest.from_file(APP, default_timeout=90)
    with held(app_db):
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert [w.value for w in at.warning] == [BUSY]
        assert not at.error
        assert "Trang tự thử lại sau mỗi 5 giây." in [c.value for c in at.caption]
        with pytest.raises(KeyError):
            at.text_input(key="login_user")  # no page behind the message
        at.run()  # still held: the failure was not cached, the message again
        assert [w.value for w in at.warning] == [BUSY] and not at.exception
    at.run()  # the holder has gone
    assert not at.exception, [e.value for e in at.exception]
    assert BUSY not in [w.value for w in at.warning]
    assert at.text_input(key="login_user") is not None
    at.text_input(key="login_user").set_value(ADMIN_USER)
    at.text_input(key="login_password").set_value(ADMIN_PASSWORD)
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["account"].username == ADMIN_USER
