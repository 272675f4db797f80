-- Ranks of rated units (ties share the lowest rank: 1, 2, 2, 4) overall, within parent area,
-- unit type and emulation cluster, and the change against the previous year.
WITH ranked AS (
    SELECT t.*,
           CASE WHEN rated THEN rank() OVER (PARTITION BY year, rated ORDER BY total DESC) END AS rank,
           CASE WHEN rated THEN rank() OVER (PARTITION BY year, rated, parent_code ORDER BY total DESC) END AS rank_parent,
           CASE WHEN rated THEN rank() OVER (PARTITION BY year, rated, unit_type ORDER BY total DESC) END AS rank_type,
           CASE WHEN rated THEN rank() OVER (PARTITION BY year, rated, cluster ORDER BY total DESC) END AS rank_cluster,
           -- count(CASE …) rather than FILTER: DuckDB evaluates a FILTERed whole-partition window row by row
           count(CASE WHEN rated THEN 1 END) OVER (PARTITION BY year) AS n_rated
    FROM t_totals t
),
-- the year before: scored in this run, or (p_prev) read from its stored run when that is fresh
prev AS (
    SELECT unit_code, year, total, rank, level FROM ranked
    UNION ALL
    SELECT unit_code, year, total, rank, level FROM p_prev
)
SELECT r.*,
       prev.total AS prev_total, prev.rank AS prev_rank, prev.level AS prev_level,
       r.total - prev.total AS total_change,
       prev.rank - r.rank AS rank_change
FROM ranked r
LEFT JOIN prev ON prev.unit_code = r.unit_code AND prev.year = r.year - 1
