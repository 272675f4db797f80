-- Stored items of the wanted runs in p_runs, optionally of some units ($units) and indicators ($inds).
SELECT i.* EXCLUDE (run_id)
FROM score_items i
WHERE i.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND ($units IS NULL OR list_contains($units, i.unit_code))
  AND ($inds IS NULL OR list_contains($inds, i.indicator))
ORDER BY i.year, i.unit_code, i.group_ord, i.item_ord
