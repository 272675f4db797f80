"""The ranks of a stored run taken again after some of its units were rescored.

As ranks.sql (and update_run_ranks.sql, which this replaces) takes them: rated units by total, ties sharing the
lowest rank (1, 2, 2, 4), overall and within parent area, unit type and emulation cluster; n_rated
the run's number of rated units on every row. A district's upload can move any rank of its
comparison groups (the overall one is the nation), so every rank of the run is taken again; only
the rows where one moved are written. Taken in Polars over one narrow read of the run: at the
nation's size (40,000 units) four window functions in the engine cost ~0.1 s of CPU, this ~0.02 s.
"""

from __future__ import annotations

import functools
import operator

import polars as pl

from dcmetrics import sqlfiles

# each stored rank and the comparison group it is taken within (besides the rated status)
SCOPES = {"rank": [], "rank_parent": ["parent_code"], "rank_type": ["unit_type"], "rank_cluster": ["cluster"]}
RANK_COLUMNS = [*SCOPES, "n_rated"]
# below every real total: a rated unit without a total ranks after all the others, as SQL's
# ORDER BY total DESC puts NULLs last (ties among them share a rank)
_NO_TOTAL = -(2**62)


def taken_again(units: pl.DataFrame) -> pl.DataFrame:
    """unit_code and the ranks of `units` (unit_code, rated, total_e6 an integer key ordered as the
    total, parent_code, unit_type, cluster), as ranks.sql takes them."""
    key = pl.col("total_e6").fill_null(_NO_TOTAL)
    ranks = [pl.when(pl.col("rated")).then(key.rank("min", descending=True).over(["rated", *part]))
             .cast(pl.Int64).alias(name) for name, part in SCOPES.items()]
    n_rated = pl.col("rated").cast(pl.Int64).sum().alias("n_rated")
    return units.select("unit_code", *ranks, n_rated)


NO_MOVES = pl.DataFrame(schema={"unit_code": pl.String, **{c: pl.Int64 for c in RANK_COLUMNS}})


def update_run_ranks(tx, run_id: int) -> pl.DataFrame:
    """The ranks of run `run_id` taken again inside `tx`; written where they moved. The rows
    that moved, as written (unit_code, RANK_COLUMNS): a kept read of the run is patched with them
    (scoring._patched)."""
    stored = tx.sql(sqlfiles.load("run_rank_inputs"), params={"run": run_id}).pl()
    new = taken_again(stored)  # row for row beside `stored`
    moved = new.filter(functools.reduce(operator.or_, (new[c].ne_missing(stored[c]) for c in RANK_COLUMNS)))
    if moved.height:
        tx.register("p_ranks", moved)
        try:
            tx.execute(sqlfiles.load("update_moved_ranks"), {"run": run_id}).fetchall()
        finally:
            tx.unregister("p_ranks")
    return moved
