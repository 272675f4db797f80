-- What the ranks of run $run are taken from: each unit's status, total and comparison groups,
-- beside the ranks stored now. The total as an exact integer of millionths (score_units.total
-- is DECIMAL(18, 6)): the same order, and the engine hands over a plain integer column.
SELECT unit_code, rated, CAST(total * 1000000 AS BIGINT) AS total_e6, parent_code, unit_type, cluster,
       rank, rank_parent, rank_type, rank_cluster, n_rated
FROM score_units
WHERE run_id = $run
