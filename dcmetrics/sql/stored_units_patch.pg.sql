-- stored_units_patch.sql as PostgreSQL would read it (the DECIMALs as stored, as stored_units.pg.sql).
-- The patched read is DuckDB-only today (scoring._kept_units); this keeps the file portable.
SELECT u.*
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND u.unit_code IN (SELECT unit_code FROM p_units)
  AND (CAST($unit AS VARCHAR) IS NULL OR u.unit_code = $unit)
