-- The ranks of run $run (one profile version, basis and year) taken again, as ranks.sql takes
-- them: rated units by total, ties sharing the lowest rank (1, 2, 2, 4), overall and within
-- parent area, unit type and emulation cluster; written only on the rows where they moved.
-- (One read of the run: the new ranks beside the stored ones, no self-join.)
UPDATE score_units AS u
SET rank = r.rank, rank_parent = r.rank_parent, rank_type = r.rank_type, rank_cluster = r.rank_cluster,
    n_rated = r.n_rated
FROM (
    SELECT *
    FROM (
        SELECT unit_code, rank AS was_rank, rank_parent AS was_parent, rank_type AS was_type,
               rank_cluster AS was_cluster, n_rated AS was_n_rated,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated ORDER BY total DESC) END AS rank,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated, parent_code ORDER BY total DESC) END AS rank_parent,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated, unit_type ORDER BY total DESC) END AS rank_type,
               CASE WHEN rated THEN rank() OVER (PARTITION BY rated, cluster ORDER BY total DESC) END AS rank_cluster,
               count(CASE WHEN rated THEN 1 END) OVER () AS n_rated
        FROM score_units
        WHERE run_id = $run
    ) AS n
    WHERE was_rank IS DISTINCT FROM rank OR was_parent IS DISTINCT FROM rank_parent
       OR was_type IS DISTINCT FROM rank_type OR was_cluster IS DISTINCT FROM rank_cluster
       OR was_n_rated IS DISTINCT FROM n_rated
) AS r
WHERE u.run_id = $run AND u.unit_code = r.unit_code
