"""PostgreSQL: the rescore after one district's change, without and with migration 018's indexes on
score_* (run_id, unit_code), the ranks taken in SQL (the former update_run_ranks.sql) or in Polars.

    python3 scripts/pg_rescore_bench.py COPY_OF.duckdb postgresql://…/empty_db [CHANGES]

Copies what scoring reads as scripts/pg_score_bench.py does (SKIP_COPY=1: already there), builds the
last two years' runs of chung, then for each variant CHANGES district changes (pg_score_bench's
_district_change), each followed by refresh and cached_score, timed (wall, this process's CPU).
"""
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import pg_score_bench as psb  # noqa: E402
from dcmetrics import bootstrap, framework, scoring  # noqa: E402
from dcmetrics.scores import ranks  # noqa: E402
from dcmetrics.store import Store, open_store  # noqa: E402

# the rank update as it was before scores/ranks.py (four windows over the run in the server)
SQL_RANKS = """
UPDATE score_units AS u
SET rank = r.rank, rank_parent = r.rank_parent, rank_type = r.rank_type, rank_cluster = r.rank_cluster,
    n_rated = r.n_rated
FROM (
    SELECT * FROM (
        SELECT unit_code, rank AS was_rank, rank_parent AS was_parent, rank_type AS was_type,
               rank_cluster AS was_cluster, n_rated AS was_n_rated,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated ORDER BY total DESC) END AS rank,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated, parent_code ORDER BY total DESC) END AS rank_parent,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated, unit_type ORDER BY total DESC) END AS rank_type,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated, cluster ORDER BY total DESC) END AS rank_cluster,
               count(CASE WHEN rated THEN 1 END) OVER () AS n_rated
        FROM score_units WHERE run_id = $run
    ) AS n
    WHERE was_rank IS DISTINCT FROM rank OR was_parent IS DISTINCT FROM rank_parent
       OR was_type IS DISTINCT FROM rank_type OR was_cluster IS DISTINCT FROM rank_cluster
       OR was_n_rated IS DISTINCT FROM n_rated
) AS r
WHERE u.run_id = $run AND u.unit_code = r.unit_code
"""
duck_path, url = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 3
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
duck = Store(duck_path); pg = open_store(url)
bootstrap.register_frameworks(pg)
with pg.transaction() as cur:
    for t in ("units", "groups", "items"):
        cur.execute(f"DROP INDEX IF EXISTS score_{t}_run_unit")
if not os.environ.get("SKIP_COPY"):
    psb.copy_inputs(duck, pg)
year = max(r[0] for r in duck.rows("SELECT DISTINCT year FROM observations"))
profile = framework.get_profile("chung").in_force(year)
t, c = time.perf_counter(), cpu()
scoring.refresh(pg, profile, [year - 1, year])
print(f"full refresh {year-1},{year}: {time.perf_counter()-t:.1f} s wall {cpu()-c:.1f} CPU", flush=True)
orig = ranks.update_run_ranks
def sql_ranks(tx, run_id):
    tx.execute(SQL_RANKS, {"run": run_id}).fetchall()
    return None  # the moved units unknown: a kept read of the run is read in full
def rounds(label, k):
    for i in range(k):
        psb._district_change(pg, year, i)
        t, c = time.perf_counter(), cpu()
        scoring.refresh(pg, profile, [year - 1, year])
        t1, c1 = time.perf_counter(), cpu()
        scoring.cached_score(pg, profile, [year])
        print(f"{label}: refresh {t1-t:.3f} s wall {c1-c:.3f} CPU; read {time.perf_counter()-t1:.3f} s wall {cpu()-c1:.3f} CPU; load {os.getloadavg()[0]:.1f}", flush=True)
scoring.ranks.update_run_ranks = sql_ranks
rounds("no index, SQL ranks", n)
scoring.ranks.update_run_ranks = orig
rounds("no index, Polars ranks", n)
with pg.transaction() as cur:
    cur.execute((Path(__file__).resolve().parent.parent / "dcmetrics/migrations/018_score_indexes.pg.sql").read_text())
    cur.execute("ANALYZE")
scoring.ranks.update_run_ranks = sql_ranks
rounds("index, SQL ranks", n)
scoring.ranks.update_run_ranks = orig
rounds("index, Polars ranks", n)
