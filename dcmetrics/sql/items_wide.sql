-- The items of t_items as pages and score_items show them, for the years $y, the units $units
-- and the indicators $inds (NULL: all): unit and indicator codes, the item's labels from the
-- profile, where each value came from (the unit's own figure, an appraisal and its reason, the
-- submission), and the item's points: its share of the group's points (max_points) and what it
-- earned. Joined on integer keys, for the rows asked for only: all of them when a run is stored,
-- some units when a page drills into them. A ratio with nothing arisen under 'not_applicable'
-- keeps max_points 0, its group's points spread over the other items.
WITH wanted AS (
    SELECT uid, year, unit_code FROM t_scored
    WHERE list_contains($y, year) AND ($units IS NULL OR list_contains($units, unit_code))
),
items AS (
    SELECT i.*, w.unit_code FROM t_items i JOIN wanted w USING (uid, year)
),
-- a grouped sum joined back: a window over the rows costs several times more
weights AS (
    SELECT uid, year, group_ord, sum(CASE WHEN not_applicable THEN 0 ELSE weight END) AS weight_sum
    FROM items GROUP BY uid, year, group_ord
)
SELECT i.unit_code, i.year, it.group_key, i.group_ord, it.group_points, it.indicator, it.item_ord, it.kind,
       it.rule_type, i.value, i.num, i.den, i.measured, v.self_value, v.self_num, v.self_den, v.use_appraisal,
       v.appraisal_reason, v.appraised_by, v.appraised_at, v.submission_id,
       i.missing, i.not_applicable, i.attainment, i.weight, w.weight_sum,
       CAST(CASE WHEN i.not_applicable OR w.weight_sum = 0 THEN 0
                 ELSE q12(it.group_points * i.weight, w.weight_sum) END AS DECIMAL(38, 12)) AS max_points,
       CAST(CASE WHEN i.not_applicable OR w.weight_sum = 0 THEN 0
                 ELSE q12(coalesce(i.attainment, 0) * it.group_points * i.weight, w.weight_sum) END AS DECIMAL(38, 12)) AS points
FROM items i
JOIN weights w ON w.uid = i.uid AND w.year = i.year AND w.group_ord = i.group_ord
JOIN fw_items it ON it.item_id = i.item_id
LEFT JOIN t_values v ON v.uid = i.uid AND v.year = i.year AND v.ind_id = it.ind_id
WHERE $inds IS NULL OR list_contains($inds, it.indicator)
