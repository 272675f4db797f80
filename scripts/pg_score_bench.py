"""score() on the embedded store against the same data on PostgreSQL (docs/postgresql.md).

    python3 scripts/pg_score_bench.py COPY_OF.duckdb postgresql://…/empty_db [--profile chung] [--year 2025]

Opens the DuckDB file for writing (it is migrated): give it a copy, never a shared file. Copies
what scoring reads into the (empty, freshly created) PostgreSQL database, then times score() on
both twice and says whether the units are the same.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dcmetrics import bootstrap, framework, scoring
from dcmetrics.store import Store, open_store

TABLES = ("units", "unit_name_order", "submissions", "observations", "appraisals", "unit_reviews")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("duckdb_copy")
    ap.add_argument("url")
    ap.add_argument("--profile", default="chung")
    ap.add_argument("--year", type=int)
    args = ap.parse_args()
    duck = Store(args.duckdb_copy)
    pg = open_store(args.url)
    bootstrap.register_frameworks(pg)
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
    year = args.year or max(r[0] for r in duck.rows("SELECT DISTINCT year FROM observations"))
    profile = framework.get_profile(args.profile).in_force(year)
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


if __name__ == "__main__":
    raise SystemExit(main())
