"""The load test of issue 21 on one PostgreSQL database: writer processes, each uploading its own
district's files through the real commit path (dcmetrics.ingest.commit), and reader processes
reading through the core while they write. Used by tests/test_pg_load.py (fewer commits) and by
the benchmark (`python -m dcmetrics.bench --pg-load URL`, the issue's 34 × 10 + 4 readers).

What is checked, beside the figures (commits per second, commit and read p50/p95):
- no row lost or doubled: each area ends with exactly the submissions its writer committed,
  one of them current, every observation once; the stored observations' digest equals that of
  the embedded store given the same files in the same order;
- no reader ever sees a partial submission: every submission a reader lists has all its
  observations (counted in a later statement), and an area's current values are always a whole
  file's (never a mixture, never part of one);
- `scoring.score` over PostgreSQL's data gives the embedded store's totals (digest compared);
- with `kill_writer`, one writer is killed (SIGKILL) inside its transaction while holding the
  writer lock: nothing of that commit stays, the others go on.

The districts are synthetic: the sample's district 991 (25 units: communes, agencies, service
units, enterprises; ~900 observations a file), copied under the sample province with codes of
their own (area 7WW, units 7WW01 …), each commit a new version of the area's 2024 file.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import multiprocessing
import os
import signal
import statistics
import secrets
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

from dcmetrics import access, bootstrap, config

YEAR = 2024
TEMPLATE_AREA = "991"
USER = "quantri.demo"
PAGE_USER = "taithu.lanhdao"  # the leader whose sessions read pages during the load
# the column each commit changes (a count the file always fills): the new version's values
VARIED = "PROP_EVENTS"


def area_code(w: int) -> str:
    return f"7{w:02d}"


def _unit_code(code: str, w: int) -> str:
    """991's unit code as area 7WW's: 99001 → 7WW01, CQ99101 → CQ7WW01."""
    prefix = "".join(ch for ch in code if ch.isalpha())
    return f"{prefix}{area_code(w)}{code[-2:]}"


def units_frame(writers: int) -> pl.DataFrame:
    """The sample's registry and the load's districts (each a copy of 991's, active in YEAR)."""
    sample = pl.read_csv(config.SAMPLE_DIR / "units.csv", infer_schema=False)
    template = sample.filter(pl.col("parent_code") == TEMPLATE_AREA)
    district = sample.filter(pl.col("code") == TEMPLATE_AREA)
    extra = []
    for w in range(writers):
        extra.append(district.with_columns(pl.lit(area_code(w)).alias("code"),
                                           pl.lit(f"Huyện Thử Tải {w + 1}").alias("name")))
        extra.append(template.with_columns(
            pl.col("code").map_elements(lambda c, w=w: _unit_code(c, w), return_dtype=pl.String),
            pl.lit(area_code(w)).alias("parent_code"),
            (pl.col("name") + f" (thử tải {w + 1})").alias("name")))
    return pl.concat([sample, *extra])


def area_files(w: int, commits: int) -> list[tuple[str, bytes]]:
    """Writer w's files: 991's 2024 file with the area's codes, commit k's own values of VARIED."""
    text = (config.SAMPLE_DIR / str(YEAR) / f"{TEMPLATE_AREA}.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    col = header.index(VARIED)
    out = []
    for k in range(commits):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(header)
        for i, row in enumerate(body):
            row = list(row)
            row[0] = _unit_code(row[0], w)
            row[col] = str(k + 1 + (w + i) % 5)  # k in every row: no two versions alike
            writer.writerow(row)
        out.append((f"{area_code(w)}-lan{k + 1}.csv", buf.getvalue().encode("utf-8-sig")))
    assert len({hashlib.sha256(c).digest() for _, c in out}) == commits  # else one would be a no-op
    return out


def prepare(store, writers: int) -> None:
    """What the uploads need, on either store: frameworks, the registry, the demo accounts."""
    from dcmetrics.units import replace_units

    bootstrap.register_frameworks(store)
    replace_units(store, units_frame(writers), access.SYSTEM)
    access.create_demo_accounts(store)


# ---------------------------------------------------------------- digests (both stores)

def _digest(frame: pl.DataFrame) -> str:
    frame = frame.sort(frame.columns, nulls_last=True)
    return hashlib.sha256(frame.write_csv().encode()).hexdigest()


def observations_digest(store) -> str:
    """The stored observations keyed by their file (area, sha256), not by the submission id
    (ids follow the commit order, which differs between runs). Doubles stay doubles: Polars
    writes both stores' values in the same shortest exact form."""
    return _digest(store.frame(
        "SELECT s.area_code, s.sha256, s.state, o.unit_code, o.year, o.indicator, o.value, o.num, o.den, o.raw "
        "FROM observations o JOIN submissions s ON s.id = o.submission_id"))


def scores_digest(store) -> dict[str, str]:
    from dcmetrics import framework, scoring

    profile = framework.load_profiles()["chung"].in_force(YEAR)
    out = {}
    for basis in ("appraised", "self"):
        result = scoring.score(store, profile, [YEAR], basis)
        out[f"{basis}:units"] = _digest(scoring.floats(result.units))
        out[f"{basis}:groups"] = _digest(scoring.floats(result.groups))
    return out


# ---------------------------------------------------------------- the processes

def _reporting(kind: str):
    """A process's failure goes to the parent as text (else it would wait for a result)."""
    def wrap(fn):
        @functools.wraps(fn)  # picklable by name: the forkserver sends the target by reference
        def run(*args):
            try:
                fn(*args)
            except BaseException:
                import traceback

                barrier, results = (args[3], args[4]) if kind == "writer" else (args[4], args[5])
                results.put(("error", f"{kind}{args[1]}", traceback.format_exc()))
                barrier.abort()  # the others stop waiting for this one at the start
                raise
        return run
    return wrap


@_reporting("writer")
def _writer(url: str, w: int, commits: int, barrier, results, hold_at: int | None) -> None:
    from dcmetrics import audit
    from dcmetrics.ingest import commit as ingest
    from dcmetrics.store import open_store

    store = open_store(url)
    files = area_files(w, commits)
    if hold_at is not None:  # the victim: stops inside its hold_at-th commit, writer lock held
        record, calls = audit.record, []

        def holding(cur, *a, **k):
            calls.append(1)
            record(cur, *a, **k)
            if len(calls) == hold_at + 1:
                results.put(("holding", w, None))
                time.sleep(600)

        audit.record = holding
    # how long each commit holds the writer lock (transaction() yields once it has the lock)
    held, transaction = [], store.transaction

    @contextlib.contextmanager
    def timed_transaction():
        with transaction() as cur:
            t = time.perf_counter()
            yield cur
        held.append(time.perf_counter() - t)

    store.transaction = timed_transaction
    barrier.wait()
    timings = []
    for name, content in files:
        t0 = time.perf_counter()
        checked = ingest.check_file(store, content, name, YEAR, USER, area_code=area_code(w))
        t1 = time.perf_counter()
        result = ingest.commit(store, checked, USER)
        t2 = time.perf_counter()
        if not result.stored:
            raise AssertionError(f"{name}: not stored ({result.message})")
        timings.append((t1 - t0, t2 - t1, held[-1]))
    results.put(("writer", w, timings))
    store.close()


@_reporting("reader")
def _reader(url: str, r: int, expected_path: str, stop, barrier, results) -> None:
    from dcmetrics import sqlfiles
    from dcmetrics.ingest import commit as ingest
    from dcmetrics.store import open_store

    expected = json.loads(Path(expected_path).read_text())
    per_file, per_area = expected["observations"], expected["current_values"]
    store = open_store(url)
    barrier.wait()
    times, partial, went_back, reads, last_version = [], [], 0, 0, -1
    while True:
        done = stop.is_set()  # one more full read after the writers finished
        t0 = time.perf_counter()
        version = store.data_version()
        subs = ingest.history(store, access.SYSTEM, year=YEAR).filter(pl.col("area_code").str.starts_with("7"))
        counts = dict(store.rows("SELECT submission_id, count(*) FROM observations o JOIN submissions s "
                                 "ON s.id = o.submission_id WHERE s.year = $y GROUP BY submission_id", {"y": YEAR}))
        values = store.frame(sqlfiles.load("current_values_of_year"), {"y": YEAR, "units": None})
        times.append(time.perf_counter() - t0)
        reads += 1
        went_back += version < last_version
        last_version = max(last_version, version)
        partial += partial_reads(subs, counts, values, per_file, per_area)
        if done:
            break
    results.put(("reader", r, {"times": times, "partial": partial[:20], "n_partial": len(partial),
                               "went_back": went_back, "reads": reads, "last_version": last_version}))
    store.close()


def partial_reads(subs: pl.DataFrame, counts: dict[int, int], values: pl.DataFrame, per_file: dict[str, int],
                  per_area: dict[str, int]) -> list[tuple]:
    """What a reader saw that a whole commit cannot give: a listed submission (id, sha256) lacking
    some of its observations (`counts`, read after the list: they only grow), or an area whose
    current values are not exactly one whole file's (`values`: unit_code of each current value)."""
    out = []
    for sid, sha in zip(subs["id"], subs["sha256"]):
        if counts.get(sid, 0) != per_file[sha]:
            out.append(("submission", sid, counts.get(sid, 0), per_file[sha]))
    by_area = values.filter(pl.col("unit_code").str.contains(r"^[A-Z]*7\d\d\d\d$")).group_by(
        pl.col("unit_code").str.extract(r"(7\d\d)\d\d$").alias("area")).len()
    for area, n in zip(by_area["area"], by_area["len"]):
        if n != per_area[area]:
            out.append(("current", area, n, per_area[area]))
    return out


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


class PageLoad:
    """`sessions` app sessions (a `streamlit run` on the same database, through the agent API) asking
    for the ranking and the overview in turn while the writers commit: what a leader feels."""

    def __init__(self, url: str, sessions: int, log=print):
        from dcmetrics.perf.pages import App, Session
        from dcmetrics.store import open_store

        password = "tai-" + secrets.token_urlsafe(12)
        with open_store(url) as pg:
            province = pg.rows("SELECT code FROM units WHERE type = 'province' ORDER BY code LIMIT 1")[0][0]
            access.create_account(pg, access.SYSTEM, PAGE_USER, password, access.LEADER, province)
        self.app = App(url)
        self.sessions = [Session(self.app) for _ in range(sessions)]
        for s in self.sessions:  # logged in and the first view paid (the stored runs) before the load
            s.login(PAGE_USER, password)
            s.send(page="ranking")
        log(f"{sessions} app sessions logged in (leader of {province})")
        self.times: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._work, args=(i, s), daemon=True)
                        for i, s in enumerate(self.sessions)]

    def _work(self, i: int, s) -> None:
        r = 0
        while not self.stop.is_set():
            dt, answer, failure = s.send(page="ranking" if (r + i) % 2 == 0 else "")
            self.times.append(dt)
            if failure:
                detail = {k: v for k, v in (answer or {}).items() if k != "tree"}
                self.failures.append(f"{failure} {str(detail)[:200]}".strip())
            r += 1

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> dict:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=600)
        self.app.close()
        return {"page_sessions": len(self.sessions), "page_requests": len(self.times),
                "page_p50_s": _pct(self.times, 50), "page_p95_s": _pct(self.times, 95),
                "page_failures": len(self.failures), "page_failure_kinds": sorted(set(self.failures))}


def run(url: str, writers: int = 34, commits: int = 10, readers: int = 4, kill_writer: int | None = None,
        kill_at: int = 1, log=print, app_sessions: int = 0) -> dict:
    """Run the load on the (empty) database `url`; the figures and every check's outcome."""
    from dcmetrics.store import Store, open_store

    with open_store(url) as pg:
        prepare(pg, writers)
    pages = PageLoad(url, app_sessions, log) if app_sessions else None
    with open_store(url) as pg:
        version0 = pg.data_version()

    # the reference: the embedded store given the same files, area by area in the writers' order
    log(f"reference: embedded store, {writers} × {commits} files")
    duck = Store(":memory:")
    prepare(duck, writers)
    from dcmetrics.ingest.commit import import_file

    kept_commits = {w: (kill_at if w == kill_writer else commits) for w in range(writers)}
    for w in range(writers):
        for name, content in area_files(w, commits)[:kept_commits[w]]:
            import_file(duck, content, name, YEAR, USER, area_code=area_code(w))
    per_file = dict(duck.rows("SELECT s.sha256, count(*) FROM submissions s JOIN observations o "
                              "ON o.submission_id = s.id GROUP BY s.id, s.sha256"))
    # files a victim never committed: their counts as check_file gives them (a reader must never see them)
    for name, content in area_files(kill_writer, commits)[kill_at:] if kill_writer is not None else []:
        per_file[hashlib.sha256(content).hexdigest()] = -1
    per_area = {area_code(w): n for w, n in enumerate(
        [duck.rows("SELECT count(*) FROM observations o JOIN submissions s ON s.id = o.submission_id "
                   "WHERE s.area_code = $a AND s.state = 'current'", {"a": area_code(w)})[0][0]
         for w in range(writers)])}

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["dcmetrics.ingest.commit", "dcmetrics.pg.store", "dcmetrics.scoring", "psycopg"])
    results, stop = ctx.Queue(), ctx.Event()
    barrier = ctx.Barrier(writers + readers + 1)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"observations": per_file, "current_values": per_area}, f)
        expected_path = f.name
    procs = {}
    try:
        for w in range(writers):
            hold = kill_at if w == kill_writer else None
            procs[("writer", w)] = ctx.Process(target=_writer, args=(url, w, commits, barrier, results, hold))
        for r in range(readers):
            procs[("reader", r)] = ctx.Process(target=_reader, args=(url, r, expected_path, stop, barrier, results))
        for p in procs.values():
            p.start()
        log(f"{writers} writers × {commits} commits, {readers} readers: started")
        try:
            barrier.wait(timeout=300)
        except threading.BrokenBarrierError:
            # a process that failed before the barrier (e.g. no connection left) says why
            errors = []
            while not results.empty():
                kind, who, payload = results.get()
                if kind == "error":
                    errors.append(f"{who}: {payload}")
            raise RuntimeError("not every process reached the start:\n" + "\n".join(errors or ["(no error reported)"]))
        t0 = time.perf_counter()
        if pages:
            pages.start()
        writer_times, reader_out, killed = {}, {}, None
        while len(writer_times) + (killed is not None) < writers:
            kind, who, payload = results.get(timeout=600)
            if kind == "holding":
                time.sleep(0.5)  # the others queue on the lock it holds
                os.kill(procs[("writer", who)].pid, signal.SIGKILL)
                killed = who
                log(f"writer {who} killed (SIGKILL) inside its commit {kill_at + 1}")
            elif kind == "writer":
                writer_times[who] = payload
            elif kind == "error":
                raise RuntimeError(f"{who} failed:\n{payload}")
        elapsed = time.perf_counter() - t0
        stop.set()
        page_out = pages.finish() if pages else {}
        pages = None
        while len(reader_out) < readers:
            kind, who, payload = results.get(timeout=600)
            if kind == "error":
                raise RuntimeError(f"{who} failed:\n{payload}")
            reader_out[who] = payload
        for p in procs.values():
            p.join(timeout=60)
        exit_codes = {f"{k}{i}": p.exitcode for (k, i), p in procs.items()}
    finally:
        if pages:
            pages.finish()
        for p in procs.values():
            if p.is_alive():
                p.kill()
        os.unlink(expected_path)

    stored = sum(len(t) for t in writer_times.values()) + (kill_at if killed is not None else 0)
    commit_s = [c for t in writer_times.values() for _, c, _ in t]
    check_s = [c for t in writer_times.values() for c, _, _ in t]
    held_s = [h for t in writer_times.values() for _, _, h in t]
    read_s = [x for o in reader_out.values() for x in o["times"]]
    with open_store(url) as pg:
        per_area_subs = {a: (n, cur) for a, n, cur in pg.rows(
            "SELECT area_code, count(*), count(*) FILTER (WHERE state = 'current') FROM submissions "
            "WHERE year = $y GROUP BY area_code", {"y": YEAR})}
        doubled = pg.rows("SELECT count(*) FROM (SELECT submission_id, unit_code, indicator FROM observations "
                          "GROUP BY 1, 2, 3 HAVING count(*) > 1) d")[0][0]
        out = {
            "writers": writers, "commits_per_writer": commits, "readers": readers, "killed": killed,
            "exit_codes": exit_codes, "commits": stored, "elapsed_s": elapsed,
            "commits_per_s": stored / elapsed,
            "commit_p50_s": _pct(commit_s, 50), "commit_p95_s": _pct(commit_s, 95),
            "check_p50_s": _pct(check_s, 50), "check_p95_s": _pct(check_s, 95),
            "lock_held_p50_s": _pct(held_s, 50), "lock_held_p95_s": _pct(held_s, 95),
            # the share of the run during which some commit held the writer lock (1: the lock is the limit)
            "lock_busy_share": sum(held_s) / elapsed,
            "reader_p50_s": _pct(read_s, 50), "reader_p95_s": _pct(read_s, 95),
            "reads": sum(o["reads"] for o in reader_out.values()),
            "partial_seen": sum(o["n_partial"] for o in reader_out.values()),
            "partial_examples": [p for o in reader_out.values() for p in o["partial"]][:10],
            "version_went_back": sum(o["went_back"] for o in reader_out.values()),
            "data_version_added": pg.data_version() - version0,
            "data_changes_added": pg.rows("SELECT count(*) FROM data_changes WHERE seq > $v", {"v": version0})[0][0],
            "submissions_by_area_ok": per_area_subs == {area_code(w): (kept_commits[w], 1) for w in range(writers)},
            "doubled_observations": doubled,
            "observations": pg.rows("SELECT count(*) FROM observations")[0][0],
            "observations_expected": duck.rows("SELECT count(*) FROM observations")[0][0],
            "observations_digest_equal": observations_digest(pg) == observations_digest(duck),
            **page_out,
        }
        t = time.perf_counter()
        pg_scores = scores_digest(pg)
        out["score_pg_s"] = time.perf_counter() - t
        out["scores_digest_equal"] = pg_scores == scores_digest(duck)
    duck.close()
    return out


def report(out: dict) -> str:
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    lines = [
        f"writers {out['writers']} × {out['commits_per_writer']} commits, readers {out['readers']}"
        + (f", writer {out['killed']} killed mid-commit" if out["killed"] is not None else ""),
        f"commits stored {out['commits']} in {out['elapsed_s']:.1f} s: {out['commits_per_s']:.1f} commits/s",
        f"commit (transaction) p50 {ms(out['commit_p50_s'])}, p95 {ms(out['commit_p95_s'])}; "
        f"check before it p50 {ms(out['check_p50_s'])}, p95 {ms(out['check_p95_s'])}",
        f"writer lock held per commit p50 {ms(out['lock_held_p50_s'])}, p95 {ms(out['lock_held_p95_s'])}; "
        f"held {out['lock_busy_share']:.0%} of the run",
        f"reader (data_version + history + counts + current values) p50 {ms(out['reader_p50_s'])}, "
        f"p95 {ms(out['reader_p95_s'])} over {out['reads']} reads",
        f"partial submissions seen {out['partial_seen']}; data_version went back {out['version_went_back']} times",
        f"observations {out['observations']} (embedded {out['observations_expected']}), doubled "
        f"{out['doubled_observations']}; submissions per area as committed: {out['submissions_by_area_ok']}",
        f"digest of observations equal: {out['observations_digest_equal']}; scores digest equal: "
        f"{out['scores_digest_equal']} (score on PostgreSQL {out['score_pg_s']:.1f} s)",
    ]
    if out.get("page_sessions"):
        lines.append(f"app pages (ranking, overview) in {out['page_sessions']} sessions meanwhile: p50 "
                     f"{ms(out['page_p50_s'])}, p95 {ms(out['page_p95_s'])} over {out['page_requests']} requests, "
                     f"{out['page_failures']} failed {out['page_failure_kinds'] or ''}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Load test of one PostgreSQL database (issue 21).")
    ap.add_argument("url", help="postgresql://… of an EMPTY database (the test writes into it)")
    ap.add_argument("--writers", type=int, default=34)
    ap.add_argument("--commits", type=int, default=10)
    ap.add_argument("--readers", type=int, default=4)
    ap.add_argument("--kill", type=int, default=None, help="kill this writer (SIGKILL) inside its second commit")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument("--app-sessions", type=int, default=0,
                    help="also run the app (streamlit) on the database: this many sessions asking for pages meanwhile")
    args = ap.parse_args(argv)
    out = run(args.url, args.writers, args.commits, args.readers, kill_writer=args.kill,
              app_sessions=args.app_sessions)
    print(report(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    ok = (out["partial_seen"] == 0 and out["doubled_observations"] == 0 and out["submissions_by_area_ok"]
          and out["observations_digest_equal"] and out["scores_digest_equal"] and not out.get("page_failures"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
