-- Points of every unit x group. A group left with no applicable item for a unit (by type, or
-- every ratio with nothing arisen under 'not_applicable') scores its full points.
-- raw_points = group points x sum(attainment x weight) / sum(weight) over the items that stay,
-- one exact division (q12) per group, so that a group worth 14.025 is 14.025 and not the sum
-- of items each cut at 12 decimals; points is what the score sheet shows: raw_points kept at
-- the profile's group decimals by its rounding rule (floors read it).
-- The items are summed per (uid, year, group) on integer keys first, then joined to every
-- unit x group of the profile.
WITH per_group AS (
    SELECT uid, year, group_ord,
           bool_and(not_applicable) AS all_na,
           sum(coalesce(attainment, 0) * weight) FILTER (WHERE NOT not_applicable) AS att_w,
           sum(weight) FILTER (WHERE NOT not_applicable) AS w,
           count(*) FILTER (WHERE missing) AS n_missing
    FROM t_items GROUP BY uid, year, group_ord
),
summed AS (
    SELECT s.uid, s.unit_code, s.year, g.group_key, g.group_ord, g.group_points AS max_points,
           CAST(CASE WHEN coalesce(i.all_na, true) THEN g.group_points
                     ELSE q12(g.group_points * i.att_w, i.w) END AS DECIMAL(38, 12)) AS raw_points,
           coalesce(i.n_missing, 0) AS n_missing
    FROM t_scored s
    CROSS JOIN fw_groups g
    LEFT JOIN per_group i ON i.uid = s.uid AND i.year = s.year AND i.group_ord = g.group_ord
)
SELECT s.uid, s.unit_code, s.year, s.group_key, s.group_ord, s.max_points,
       kept(s.raw_points, p.group_decimals, p.rounding_rule) AS points, s.raw_points, s.n_missing
FROM summed s
CROSS JOIN fw_params p
