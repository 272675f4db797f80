-- Total, rank and level of the stored units of the runs in p_runs that are not wanted (the years
-- before the wanted ones, for the change columns), optionally of one unit ($unit).
SELECT u.unit_code, u.year, u.total, u.rank, u.level
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE NOT wanted)
  AND ($unit IS NULL OR u.unit_code = $unit)
