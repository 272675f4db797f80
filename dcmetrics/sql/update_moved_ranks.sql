-- The ranks of run $run that moved (p_ranks: unit_code and the ranks taken again), written.
UPDATE score_units AS u
SET rank = m.rank, rank_parent = m.rank_parent, rank_type = m.rank_type, rank_cluster = m.rank_cluster,
    n_rated = m.n_rated
FROM p_ranks AS m
WHERE u.run_id = $run AND u.unit_code = m.unit_code
