"""Several processes on one PostgreSQL database (issue 21, step 4): a commit announced to the
other processes (NOTIFY at commit, never for a rollback), the bounded connection pool and its
health check, and the session time zone (a default `current_timestamp` written on PostgreSQL
reads back as the embedded store writes it)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from dcmetrics import config
from dcmetrics.errors import StoreError
from dcmetrics.store import bump_data_version, open_store


def _connections(store) -> int:
    return store.rows("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid()")[0][0]


def test_a_commit_is_announced_to_a_listener_and_a_rollback_is_not(pg_url):
    with open_store(pg_url) as writer, open_store(pg_url) as other:
        with other.listen() as listener:
            assert listener.wait(0.05) is None  # nothing committed yet
            with pytest.raises(RuntimeError):
                with writer.transaction() as cur:
                    bump_data_version(cur, 2024, ["99001"])
                    raise RuntimeError("hủy giữa chừng")
            assert listener.wait(0.2) is None and writer.data_version() == 0
            for _ in range(3):
                with writer.transaction() as cur:
                    bump_data_version(cur, 2024, ["99001"])
            # a burst of commits: each wait gives the newest number that has arrived, never going
            # back; the server may deliver the burst in more than one packet, so wait until the last
            seen = [listener.wait(5)]
            while seen[-1] is not None and seen[-1] < 3:
                seen.append(listener.wait(5))
            assert seen[-1] == 3 == other.data_version() and seen == sorted(seen) and 1 <= len(seen) <= 3
            assert listener.wait(0.05) is None


_LISTENER = """
import sys, time
from dcmetrics.store import open_store
store = open_store(sys.argv[1])
with store.listen() as listener:
    print("listening", flush=True)
    t0 = time.monotonic()
    seq = listener.wait(60)
    print(seq, round(time.monotonic() - t0, 3), store.data_version(), flush=True)
"""


def test_another_process_hears_of_an_upload_at_its_commit(pg_url):
    """The real commit path (dcmetrics.ingest) in this process; a listener in another."""
    from dcmetrics import access, bootstrap
    from dcmetrics.ingest.commit import import_file
    from dcmetrics.units import replace_units

    import polars as pl

    with open_store(pg_url) as pg:
        bootstrap.register_frameworks(pg)
        replace_units(pg, pl.read_csv(config.SAMPLE_DIR / "units.csv", infer_schema=False), access.SYSTEM)
        access.create_demo_accounts(pg)
        before = pg.data_version()
        env = {**os.environ, "PYTHONPATH": str(config.ROOT)}
        child = subprocess.Popen([sys.executable, "-c", _LISTENER, pg_url], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "listening", child.stderr.read()
            sample = config.SAMPLE_DIR / "2024" / "991.csv"
            result = import_file(pg, sample.read_bytes(), sample.name, 2024, "canbo.991", area_code="991")
            out, err = child.communicate(timeout=60)
        finally:
            child.kill()
        assert result.stored and child.returncode == 0, err
        seq, waited, seen = out.split()
        assert int(seq) == int(seen) == before + 1 and float(waited) < 30


def test_the_pool_is_bounded_and_waits_for_a_connection(pg_url, monkeypatch):
    from dcmetrics.pg import store as pg_store

    monkeypatch.setenv("DCMETRICS_PG_POOL_SIZE", "2")
    monkeypatch.setattr(pg_store, "POOL_WAIT_SECONDS", 0.3)
    with open_store(pg_url) as pg, open_store(pg_url) as watcher:
        a, b = pg.cursor(), pg.cursor()
        t0 = time.monotonic()
        with pytest.raises(StoreError, match="cả 2 kết nối của tiến trình đang bận"):
            pg.cursor()
        assert time.monotonic() - t0 >= 0.3
        a.close()
        c = pg.cursor()  # the one given back
        assert c.execute("SELECT 41 + 1").fetchone() == (42,)
        c.close()
        b.close()
        # 8 threads reading at once share at most the pool's 2 connections
        monkeypatch.setattr(pg_store, "POOL_WAIT_SECONDS", 30.0)
        seen, errors = [], []

        def read():
            try:
                for _ in range(20):
                    seen.append(pg.rows("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND application_name = '' AND pid <> pg_backend_pid()")[0][0])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and len(seen) == 160
        assert pg._open <= 2
        assert _connections(watcher) >= 1


def test_pool_size_from_the_environment_is_checked(monkeypatch):
    from dcmetrics.pg.store import pool_size

    monkeypatch.setenv("DCMETRICS_PG_POOL_SIZE", "abc")
    with pytest.raises(StoreError, match="DCMETRICS_PG_POOL_SIZE = «abc»"):
        pool_size()
    monkeypatch.setenv("DCMETRICS_PG_POOL_SIZE", "25")
    assert pool_size() == 25
    monkeypatch.delenv("DCMETRICS_PG_POOL_SIZE")
    assert pool_size() == 10


def test_a_connection_the_server_ended_is_replaced(pg_url, monkeypatch):
    """The server ends the pool's idle connections (a restart, an administrator): the next read
    gets a fresh one instead of the driver's «terminating connection» error."""
    from dcmetrics.pg import store as pg_store

    monkeypatch.setattr(pg_store, "CHECK_IDLE_SECONDS", 0.0)
    with open_store(pg_url) as pg, open_store(pg_url) as admin:
        assert pg.data_version() == 0
        ended = admin.rows("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")[0][0]
        assert ended >= 1
        time.sleep(0.1)
        assert pg.data_version() == 0
        with pg.transaction() as cur:
            bump_data_version(cur)
        assert pg.data_version() == 1


_TIMES = """
import sys
from datetime import datetime
from dcmetrics.store import Store, bump_data_version, open_store
out = []
for store in (Store(":memory:"), open_store(sys.argv[1])):
    with store.transaction() as cur:
        bump_data_version(cur, 2024, ["99001"])  # data_changes.changed_at: DEFAULT current_timestamp
    out.append(store.rows("SELECT changed_at FROM data_changes")[0][0])
    store.close()
print(datetime.now().isoformat(), out[0].isoformat(), out[1].isoformat())
"""


def test_a_default_timestamp_on_postgresql_reads_back_as_the_embedded_one(pg_url):
    """The test server runs in UTC; the app in Asia/Ho_Chi_Minh (TZ). Without the session zone,
    PostgreSQL's current_timestamp default would be written 7 hours behind the embedded store's."""
    from datetime import datetime, timedelta

    with open_store(pg_url) as pg:
        server_zone = pg.rows("SELECT reset_val FROM pg_settings WHERE name = 'TimeZone'")[0][0]
        assert pg.rows("SHOW TimeZone")[0][0] == pg_store_zone()
    env = {**os.environ, "PYTHONPATH": str(config.ROOT), "TZ": "Asia/Ho_Chi_Minh"}
    run = subprocess.run([sys.executable, "-c", _TIMES, pg_url], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    now, duck, pg = (datetime.fromisoformat(t) for t in run.stdout.split())
    assert server_zone in ("UTC", "Etc/UTC")  # else the test proves nothing
    assert abs(duck - now) < timedelta(minutes=1), (duck, now)
    assert abs(pg - duck) < timedelta(minutes=1), (pg, duck)


def pg_store_zone() -> str:
    from dcmetrics.pg.store import local_time_zone

    return local_time_zone()


_APP = r"""
import json, sys
from streamlit.testing.v1 import AppTest
from dcmetrics import access
from dcmetrics.store import open_store
app, url = sys.argv[1], sys.argv[2]
at = AppTest.from_file(app, default_timeout=120)
with open_store(url) as s:
    at.session_state["account"] = access.get_account(s, "canbo.99401")  # logged in (the form: test_login_pages)
def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at
ok(at.run())
ok(at.switch_page("pages/upload.py").run())
ok(at.selectbox(key="upload_year").select(2025).run())
def shown():
    from ui.context import get_store
    [ids] = [d.value["Mã lần gửi"].tolist() for d in at.dataframe if "Mã lần gửi" in d.value.columns]
    return {"history": ids, "version": get_store().data_version()}
print(json.dumps(shown()), flush=True)
sys.stdin.readline()  # the upload is committed elsewhere
ok(at.run())
print(json.dumps(shown()), flush=True)
"""


def test_two_app_processes_see_an_upload_committed_by_a_third(pg_url, tmp_path):
    """Two app processes (each its own Python process, store and caches) on the upload page; an
    upload committed by `dcmetrics import` in this process is listed by both at their next run."""
    import json

    from dcmetrics import bootstrap, cli

    store, _ = bootstrap.init_db(pg_url, sample=True)
    store.close()
    env = {**os.environ, "DCMETRICS_DB": pg_url, "PYTHONPATH": str(config.ROOT)}
    apps = [subprocess.Popen([sys.executable, "-c", _APP, str(config.ROOT / "app.py"), pg_url], env=env,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    try:
        before = [json.loads(a.stdout.readline() or "null") for a in apps]
        assert None not in before, [a.stderr.read()[-3000:] for a in apps if a.poll() is not None]
        assert before[0] == before[1] and before[0]["history"]
        changed = tmp_path / "99401.csv"
        sample = (config.SAMPLE_DIR / "2025" / "99401.csv").read_bytes()
        changed.write_bytes(sample.replace(b",65,92.3,", b",67,92.3,", 1))
        assert changed.read_bytes() != sample
        assert cli.main(["import", str(changed), "--db", pg_url, "--year", "2025", "--user", "canbo.99401",
                         "--area", "99401"]) == 0
        with open_store(pg_url) as pg:
            new_id = pg.rows("SELECT max(id) FROM submissions")[0][0]
        after = []
        for a in apps:
            a.stdin.write("go\n")
            a.stdin.flush()
            after.append(json.loads(a.stdout.readline() or "null"))
    finally:
        for a in apps:
            a.kill()
    want = {"history": [new_id, *before[0]["history"]], "version": before[0]["version"] + 1}
    assert after == [want, want]


def test_a_zone_the_server_does_not_know_is_refused_clearly(pg_url, monkeypatch):
    from dcmetrics.pg import store as pg_store

    monkeypatch.setattr(pg_store, "local_time_zone", lambda: "Sao/Hoa")
    with pytest.raises(StoreError, match="không nhận múi giờ «Sao/Hoa» của máy chạy ứng dụng"):
        open_store(pg_url)


_INIT = """
import sys, time
from dcmetrics import bootstrap
t = float(sys.argv[2])
while time.time() < t:  # both processes start their set-up at the same instant
    time.sleep(0.005)
store, admin = bootstrap.init_db(sys.argv[1], sample=True)
print("admin" if admin else "none", flush=True)
store.close()
"""


def test_two_processes_starting_on_an_empty_database_load_the_sample_once(pg_url):
    """Two app processes started together on an empty server (bootstrap.init_db, what each app
    process runs first): one sets the database up, the other finds it done (store.exclusive)."""
    env = {**os.environ, "PYTHONPATH": str(config.ROOT)}
    start = time.time() + 3
    procs = [subprocess.Popen([sys.executable, "-c", _INIT, pg_url, str(start)], env=env, cwd=config.ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e[-2000:] for _, e in outs]
    # one generated the first administrator's password, the other found the administrator there
    assert sorted(o.strip() for o, _ in outs) == ["admin", "none"]
    sample_files = sum(1 for d in config.SAMPLE_DIR.iterdir() if d.is_dir() and d.name.isdigit()
                       for _ in d.glob("*.csv"))
    with open_store(pg_url) as pg:
        assert pg.rows("SELECT count(*) FROM submissions") == [(sample_files,)]
        units_csv = (config.SAMPLE_DIR / "units.csv").read_text(encoding="utf-8").strip().splitlines()
        assert pg.rows("SELECT count(*) FROM units") == [(len(units_csv) - 1,)]
        assert pg.rows("SELECT count(*) FROM accounts WHERE role = 'admin'")[0][0] >= 1
        assert pg.meta("sample_loaded") == "1"
