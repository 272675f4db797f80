-- Points of every unit x group. A group left with no applicable item scores its full points.
SELECT unit_code, year, group_key, any_value(group_ord) AS group_ord,
       any_value(group_points) AS max_points,
       CASE WHEN bool_and(not_applicable) THEN any_value(group_points) ELSE sum(points) END AS points,
       count(*) FILTER (WHERE missing) AS n_missing
FROM t_items
GROUP BY unit_code, year, group_key
