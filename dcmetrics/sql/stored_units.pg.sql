-- stored_units.sql as PostgreSQL reads it: the DECIMALs as stored (scoring.floats converts them).
-- Stored units of the wanted runs in p_runs (year, run_id, wanted), optionally one unit ($unit).
-- Plain rows: the change against the previous year and the ranking order are added in Polars
-- (scoring._stored_units), which at the nation's size is faster than a self-join and an
-- ORDER BY here.
SELECT u.*
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND (CAST($unit AS VARCHAR) IS NULL OR u.unit_code = $unit)
