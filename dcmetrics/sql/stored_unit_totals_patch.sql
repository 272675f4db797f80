-- stored_unit_totals.sql for the units in p_units only (scoring._patched), the same columns and casts.
SELECT u.unit_code, u.year, u.unit_type, CAST(u.total AS DOUBLE) AS total, u.rank, u.level, u.rated
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE wanted = $wanted)
  AND u.unit_code IN (SELECT unit_code FROM p_units)
  AND (CAST($unit AS VARCHAR) IS NULL OR u.unit_code = $unit)
