-- Stored items of the wanted runs in p_runs, optionally of some units ($units) and indicators ($inds).
SELECT i.unit_code, i.year, i.group_key, i.group_ord, i.group_points, i.indicator, i.item_ord, i.kind,
       i.rule_type, i.value, i.num, i.den, i.measured, i.self_value, i.self_num, i.self_den, i.use_appraisal,
       i.appraisal_reason, i.appraised_by, i.appraised_at, i.submission_id, i.missing, i.not_applicable,
       i.attainment, i.weight, i.weight_sum, i.max_points, i.points
FROM score_items i
WHERE i.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND (CAST($units AS VARCHAR[]) IS NULL OR list_contains($units, i.unit_code))
  AND (CAST($inds AS VARCHAR[]) IS NULL OR list_contains($inds, i.indicator))
ORDER BY i.year, i.unit_code, i.group_ord, i.item_ord
