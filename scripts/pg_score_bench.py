"""score() on the embedded store against the same data on PostgreSQL (docs/postgresql.md).

    python3 scripts/pg_score_bench.py COPY_OF.duckdb postgresql://…/empty_db [--profile chung] [--year 2025]
        [--refresh]

Opens the DuckDB file for writing (it is migrated): give it a copy, never a shared file. Copies
what scoring reads into the (empty, freshly created) PostgreSQL database, then times score() on
both twice and says whether the units are the same. With --refresh, the stored runs instead: a
full refresh of the year (stored runs dropped first), then the rescore after one district's
change (its current file's figures of one indicator changed and recorded in data_changes, as an
upload records them: the stored run catches up for that district's units, the ranks are taken
again, cached_score reads it), twice each, and whether the stored rows are the same on both.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dcmetrics import bootstrap, framework, scoring
from dcmetrics.store import Store, bump_data_version, open_store

TABLES = ("units", "unit_name_order", "submissions", "observations", "appraisals", "unit_reviews")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("duckdb_copy")
    ap.add_argument("url")
    ap.add_argument("--profile", default="chung")
    ap.add_argument("--year", type=int)
    ap.add_argument("--refresh", action="store_true", help="time the stored runs (refresh) instead of score()")
    ap.add_argument("--skip-copy", action="store_true", help="the PostgreSQL database already holds the copy")
    args = ap.parse_args()
    duck = Store(args.duckdb_copy)
    pg = open_store(args.url)
    bootstrap.register_frameworks(pg)
    if not args.skip_copy:
        copy_inputs(duck, pg)
    year = args.year or max(r[0] for r in duck.rows("SELECT DISTINCT year FROM observations"))
    profile = framework.get_profile(args.profile).in_force(year)
    if args.refresh:
        return refresh_figures(duck, pg, profile, year)
    reference = None
    for label, store in (("embedded", duck), ("postgresql", pg)) * 2:
        t = time.perf_counter()
        units = scoring.score(store, profile, [year], "appraised").units
        line = f"{label}: score({year}) {time.perf_counter() - t:.1f} s, {units.height} units"
        if reference is None:
            reference = units
        else:
            line += f", same units as embedded: {reference.equals(units, null_equal=True)}"
        print(line, flush=True)
    return 0


def _drop_stored(store) -> None:
    with store.transaction() as cur:
        for table in ("score_items", "score_groups", "score_units", "score_runs"):
            cur.execute(f"DELETE FROM {table}").fetchall()
    scoring._CACHE.clear()


def _district_change(store, year: int, n: int) -> int:
    """One district's current file of `year` changed as an upload would change it (one indicator's
    figures, n-th change: different values each time), recorded for its units; how many units."""
    sub, area = store.rows("SELECT s.id, s.area_code FROM submissions s JOIN units u ON u.code = s.area_code "
                           "WHERE s.state = 'current' AND s.year = $y AND u.type = 'district' "
                           "ORDER BY s.area_code LIMIT 1", {"y": year})[0]
    ind = store.rows("SELECT min(indicator) FROM observations WHERE submission_id = $s AND value IS NOT NULL",
                     {"s": sub})[0][0]
    codes = [r[0] for r in store.rows("SELECT DISTINCT unit_code FROM observations WHERE submission_id = $s",
                                      {"s": sub})]
    with store.transaction() as cur:
        cur.execute("UPDATE observations SET value = value + $d WHERE submission_id = $s AND indicator = $i",
                    {"d": 1 if n % 2 == 0 else -1, "s": sub, "i": ind}).fetchall()
        bump_data_version(cur, year, codes)
    print(f"  district {area}: {len(codes)} units, indicator {ind}", flush=True)
    return len(codes)


def _stored_rows(store, run_id: int) -> list:
    out = []
    for table in ("score_units", "score_groups", "score_items"):
        frame = store.frame(f"SELECT * FROM {table} WHERE run_id = $r", {"r": run_id}).drop("run_id")
        frame = frame.drop([c for c in ("appraised_at",) if c in frame.columns])
        out.append(frame.sort(["unit_code"] + [c for c in ("group_ord", "item_ord") if c in frame.columns]))
    return out


def _same_rows(duck, pg, runs: list[int]) -> tuple[bool, list[int]]:
    """The stored rows of the two runs equal (PostgreSQL's read with the embedded types)."""
    pairs = list(zip(_stored_rows(duck, runs[0]), _stored_rows(pg, runs[1])))
    return (all(a.equals(b.cast(a.schema, strict=False), null_equal=True) for a, b in pairs),
            [a.height for a, _ in pairs])


def refresh_figures(duck, pg, profile, year: int) -> int:
    import resource

    def cpu() -> float:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return r.ru_utime + r.ru_stime

    for label, store in (("embedded", duck), ("postgresql", pg)):
        for _ in range(2):
            _drop_stored(store)
            t, c = time.perf_counter(), cpu()
            scoring.refresh(store, profile, [year])
            print(f"{label}: full refresh({year}) {time.perf_counter() - t:.2f} s wall, {cpu() - c:.2f} s CPU",
                  flush=True)
    for n in range(2):
        for label, store in (("embedded", duck), ("postgresql", pg)):
            _district_change(store, year, n)
            t, c = time.perf_counter(), cpu()
            scoring.cached_score(store, profile, [year])
            print(f"{label}: rescore after one district {time.perf_counter() - t:.2f} s wall, "
                  f"{cpu() - c:.2f} s CPU (this process)", flush=True)
    runs = [scoring.refresh(s, profile, [year])[year] for s in (duck, pg)]
    same, heights = _same_rows(duck, pg, runs)
    print(f"stored rows (units, groups, items: {heights}) the same on both: {same}", flush=True)
    return 0 if same else 1


def copy_inputs(duck, pg) -> None:
    """What scoring reads, from the DuckDB file into the PostgreSQL database (replacing it)."""
    start = time.perf_counter()
    for table in TABLES:
        t = time.perf_counter()
        frame = duck.frame(f"SELECT * FROM {table}")  # fixed names
        with pg.transaction() as cur:
            cur.execute(f"DELETE FROM {table}")
            cur.register("incoming", frame)
            cur.execute(f"INSERT INTO {table} SELECT * FROM incoming")
            cur.unregister("incoming")
        print(f"copied {table}: {frame.height} rows, {time.perf_counter() - t:.1f} s", flush=True)
    with pg.transaction() as cur:
        cur.execute("UPDATE meta SET value = $v WHERE key = 'data_version'", {"v": duck.meta("data_version")})
        cur.execute("ANALYZE")  # the planner's statistics of what was just copied
    print(f"copy total {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
