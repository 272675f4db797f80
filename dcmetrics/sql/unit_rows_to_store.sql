-- The rows of t_totals as score_units keeps them: with each unit's group points as a list in
-- the profile's group order (written here, once, rather than updated row by row later) and its
-- place in Vietnamese name order.
SELECT t.* EXCLUDE (uid), g.group_points, o.name_ord
FROM t_totals t
LEFT JOIN (SELECT uid, year, list(points ORDER BY group_ord) AS group_points
           FROM t_groups GROUP BY uid, year) g USING (uid, year)
LEFT JOIN unit_name_order o ON o.code = t.unit_code
