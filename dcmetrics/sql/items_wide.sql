-- The items of t_items as pages and score_items show them: unit and indicator codes, the item's
-- labels from the profile, and where each value came from (the unit's own figure, an appraisal
-- and its reason, the submission). Joined on integer keys, only for the rows asked for: all of
-- them when a run is stored; a WHERE around it keeps what a page drills into.
SELECT s.unit_code, i.year, it.group_key, i.group_ord, it.group_points, it.indicator, it.item_ord, it.kind,
       it.rule_type, i.value, i.num, i.den, i.measured, v.self_value, v.self_num, v.self_den, v.use_appraisal,
       v.appraisal_reason, v.appraised_by, v.appraised_at, v.submission_id,
       i.missing, i.not_applicable, i.attainment, i.weight, i.weight_sum, i.max_points, i.points
FROM t_items i
JOIN t_scored s ON s.uid = i.uid AND s.year = i.year
JOIN fw_items it ON it.item_id = i.item_id
LEFT JOIN t_values v ON v.uid = i.uid AND v.year = i.year AND v.ind_id = it.ind_id
