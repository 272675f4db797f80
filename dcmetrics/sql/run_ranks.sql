-- Ranks of one stored run ($run: one profile version, basis and year), as ranks.sql takes them:
-- rated units by total, ties sharing the lowest rank (1, 2, 2, 4), overall and within parent
-- area, unit type and emulation cluster; each unit's place in Vietnamese name order; and its
-- group points as a list in the profile's group order.
WITH g AS (
    SELECT unit_code, list(points ORDER BY group_ord) AS group_points
    FROM score_groups
    WHERE run_id = $run
    GROUP BY unit_code
)
SELECT u.unit_code,
       CASE WHEN rated THEN rank() OVER (PARTITION BY rated ORDER BY total DESC) END AS rank,
       CASE WHEN rated THEN rank() OVER (PARTITION BY rated, parent_code ORDER BY total DESC) END AS rank_parent,
       CASE WHEN rated THEN rank() OVER (PARTITION BY rated, unit_type ORDER BY total DESC) END AS rank_type,
       CASE WHEN rated THEN rank() OVER (PARTITION BY rated, cluster ORDER BY total DESC) END AS rank_cluster,
       count(CASE WHEN rated THEN 1 END) OVER () AS n_rated,
       row_number() OVER (ORDER BY unit_name COLLATE vi, u.unit_code) AS name_ord,
       g.group_points
FROM score_units u
LEFT JOIN g ON g.unit_code = u.unit_code
WHERE u.run_id = $run
