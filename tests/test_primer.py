"""The read-ahead primer (dcmetrics.primer, issue 19: the first login and the first view after an
upload no longer pay the caches' first read): what it fills, that it answers what an uncached
call answers, that a burst of commits is primed once, on both stores, and that the app starts it."""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from dcmetrics import access, completeness, dashboard, primer, scoring
from dcmetrics.dashboard import Filters
from dcmetrics.store import bump_data_version, cache_key


def _score_key(store, profile, year):
    return cache_key(store, "score", profile.id, scoring._versions_key(profile), (year,), "appraised")


def test_priming_fills_the_caches_the_landing_pages_read(fresh_sample_store, profiles):
    store = fresh_sample_store
    access.create_account(store, access.SYSTEM, "lanhdao.huyen", "Mật-khẩu-dài-1", access.LEADER, "991")
    year = max(scoring.scored_years(store))
    chung = profiles["chung"]
    assert _score_key(store, chung, year) not in scoring._CACHE
    primed = primer.prime(store, profiles)
    assert (primed.data_version, primed.profile, primed.year) == (store.data_version(), "chung", year)
    assert set(primed.seconds) == {"scores", "ranking", "awaiting_review", "completeness", "areas",
                                   "account_areas"}
    # the demo accounts' areas and the new leader's district, each primed
    assert primed.areas == len(primer.account_areas(store)) and "991" in primer.account_areas(store)
    assert _score_key(store, chung, year) in scoring._CACHE
    assert cache_key(store, "year_totals", "chung", scoring._versions_key(chung), year - 1, "appraised") \
        in scoring._CACHE
    for root in (None, "991"):  # the whole system's and the district leader's completeness rows
        version = chung.in_force(year)
        assert cache_key(store, "completeness", "chung", version.version, version.sha256, year, None, root) \
            in completeness._CACHE


def test_a_primed_view_answers_what_an_uncached_one_does(fresh_sample_store, profiles):
    store = fresh_sample_store
    primer.prime(store, profiles)
    f = Filters(year=max(scoring.scored_years(store)))
    primed_ranking = dashboard.ranking(store, profiles["chung"], f, access.SYSTEM)
    primed_counts = completeness.province_summary(store, profiles["chung"], f, access.SYSTEM)
    scoring._CACHE.clear()
    completeness._CACHE.clear()
    assert_frame_equal(primed_ranking, dashboard.ranking(store, profiles["chung"], f, access.SYSTEM))
    assert primed_counts == completeness.province_summary(store, profiles["chung"], f, access.SYSTEM)


def test_nothing_to_prime_without_scored_years(store, profiles):
    primed = primer.prime(store, profiles)
    assert (primed.profile, primed.year, primed.areas, primed.seconds) == (None, None, 0, {})


def test_an_account_area_that_does_not_exist_is_skipped_not_fatal(fresh_sample_store, profiles):
    store = fresh_sample_store
    with store.transaction() as cur:  # an account left on an area code the registry no longer has
        cur.execute("UPDATE accounts SET area_code = '424242' WHERE username = 'canbo.991'")
    primed = primer.prime(store, profiles)
    assert "424242" in primer.account_areas(store) and primed.areas == len(primer.account_areas(store)) - 1


def _wait(event: threading.Event, what: str, timeout: float = 60) -> None:
    assert event.wait(timeout), f"the primer did not {what} within {timeout} s"
    event.clear()


def test_the_thread_primes_at_start_and_once_for_a_burst_of_commits(any_fresh_sample_store, profiles):
    store = any_fresh_sample_store
    lines: list[str] = []
    p = primer.Primer(store, lambda: profiles, log=lines.append, poll=0.05, settle=1.0, delay=0).start()
    try:
        _wait(p.primed, "prime at start")
        first = store.data_version()
        assert p.last.data_version == first and p.last.year == max(scoring.scored_years(store))
        for _ in range(3):  # a burst: three commits well inside the settle time
            with store.transaction() as cur:
                bump_data_version(cur, 2024, ["99101"])
        _wait(p.primed, "prime after the burst")
        assert p.last.data_version == first + 3
        assert not p.primed.wait(1.0), "a second priming for the same burst"
        assert len(lines) == 2 and lines[0].startswith(f"dcmetrics: đã đọc sẵn số liệu phiên bản {first} ")
        assert lines[1].startswith(f"dcmetrics: đã đọc sẵn số liệu phiên bản {first + 3} (chung · ")
    finally:
        p.stop()
    assert not p._thread.is_alive()


def test_a_closed_store_ends_the_thread(fresh_sample_store, profiles):
    p = primer.Primer(fresh_sample_store, lambda: profiles, log=lambda line: None, poll=0.05, delay=0).start()
    _wait(p.primed, "prime at start")
    fresh_sample_store.close()
    p._thread.join(10)
    assert not p._thread.is_alive()


def test_a_failing_priming_is_said_and_the_thread_goes_on(fresh_sample_store, profiles):
    lines: list[str] = []
    calls = iter([{}, profiles])  # a profiles() that fails once, then answers

    def flaky():
        got = next(calls)
        if not got:
            raise RuntimeError("bộ tiêu chí đang được ghi")
        return got
    store = fresh_sample_store
    p = primer.Primer(store, flaky, log=lines.append, poll=0.05, settle=0.1, delay=0).start()
    try:
        _wait(p.primed, "try at start")
        assert lines == ["dcmetrics: không đọc sẵn được số liệu: bộ tiêu chí đang được ghi"] and p.last is None
        with store.transaction() as cur:
            bump_data_version(cur)
        _wait(p.primed, "prime after a commit")
        assert p.last is not None and p.last.data_version == store.data_version()
    finally:
        p.stop()


def test_the_app_starts_the_primer_when_its_store_opens(tmp_path):
    """`streamlit run` with DCMETRICS_PRIME=1 (the tests' default is off): the first session opens the
    store, loads the sample, and the console says what was read ahead."""
    from browser_helpers import OUTPUT, StreamlitServer

    db = tmp_path / "dcmetrics.duckdb"
    server = StreamlitServer(db, OUTPUT / "streamlit-primer.log", env={"DCMETRICS_PRIME": "1"}, command=[
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", "{port}",
        "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType",
        "none", "--server.enableAgentApi", "true"]).start()
    try:
        req = urllib.request.Request(f"{server.url}/_stcore/agent/interact", data=b"{}", method="POST",
                                     headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            assert json.loads(r.read())["status"] == "ready"
        deadline = time.monotonic() + 60
        while "đã đọc sẵn số liệu" not in server.log_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        line = next(x for x in server.log_text().splitlines() if "đã đọc sẵn số liệu" in x)
        assert "(chung · 2025 · " in line and "không đọc sẵn" not in server.log_text()
        assert "missing ScriptRunContext" not in server.log_text()  # nothing of Streamlit's called from the thread
    finally:
        server.stop()
