-- Points of every unit x group. A group left with no applicable item for a unit (by type, or
-- every ratio with nothing arisen under 'not_applicable') scores its full points.
-- raw_points = group points x sum(attainment x weight) / sum(weight) over the items that stay,
-- one exact division (q12) per group, so that a group worth 14.025 is 14.025 and not the sum
-- of items each cut at 12 decimals; points is what the score sheet shows: raw_points kept at
-- the profile's group decimals by its rounding rule (floors read it).
WITH summed AS (
    SELECT s.unit_code, s.year, g.group_key, g.group_ord, g.group_points AS max_points,
           CAST(CASE WHEN coalesce(bool_and(i.not_applicable), true) THEN g.group_points
                     ELSE q12(g.group_points * sum(coalesce(i.attainment, 0) * i.weight) FILTER (WHERE NOT i.not_applicable),
                              sum(i.weight) FILTER (WHERE NOT i.not_applicable)) END AS DECIMAL(38, 12)) AS raw_points,
           count(*) FILTER (WHERE i.missing) AS n_missing
    FROM t_scored s
    CROSS JOIN fw_groups g
    LEFT JOIN t_items i ON i.unit_code = s.unit_code AND i.year = s.year AND i.group_key = g.group_key
    GROUP BY s.unit_code, s.year, g.group_key, g.group_ord, g.group_points
)
SELECT s.unit_code, s.year, s.group_key, s.group_ord, s.max_points,
       kept(s.raw_points, p.group_decimals, p.rounding_rule) AS points, s.raw_points, s.n_missing
FROM summed s
CROSS JOIN fw_params p
