-- Points of every unit x group. A group left with no applicable item for a unit (by type, or
-- every ratio with nothing arisen under 'not_applicable') scores its full points.
SELECT s.unit_code, s.year, g.group_key, g.group_ord, g.group_points AS max_points,
       CASE WHEN coalesce(bool_and(i.not_applicable), true) THEN g.group_points
            ELSE sum(i.points) END AS points,
       count(*) FILTER (WHERE i.missing) AS n_missing
FROM t_scored s
CROSS JOIN fw_groups g
LEFT JOIN t_items i ON i.unit_code = s.unit_code AND i.year = s.year AND i.group_key = g.group_key
GROUP BY s.unit_code, s.year, g.group_key, g.group_ord, g.group_points
