-- Stored group points of the runs in p_runs (wanted ones), optionally of some units ($units).
SELECT g.unit_code, g.year, g.group_key, g.group_ord, g.max_points, g.points, g.raw_points, g.n_missing
FROM score_groups g
WHERE g.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND (CAST($units AS VARCHAR[]) IS NULL OR list_contains($units, g.unit_code))
ORDER BY g.year, g.unit_code, g.group_ord
