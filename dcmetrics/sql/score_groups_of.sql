-- Stored group points of the runs in p_runs (wanted ones), optionally of some units ($units).
SELECT g.* EXCLUDE (run_id)
FROM score_groups g
WHERE g.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND ($units IS NULL OR list_contains($units, g.unit_code))
ORDER BY g.year, g.unit_code, g.group_ord
