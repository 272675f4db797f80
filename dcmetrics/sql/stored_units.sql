-- Stored units of the wanted runs in p_runs (year, run_id, wanted), optionally one unit ($unit).
-- Plain rows: the change against the previous year and the ranking order are added in Polars
-- (scoring._stored_units), which at the nation's size is faster than a self-join and an
-- ORDER BY here. The DECIMALs come as the DOUBLEs pages take (scoring.floats gives the same
-- doubles: both divide the exact integer by the power of ten), converted here because DuckDB hands
-- DOUBLEs to Arrow faster than DECIMALs (~0.02 s less for the nation's 40,000 rows, measured);
-- stored_units.pg.sql reads PostgreSQL's as stored.
SELECT u.* REPLACE (CAST(u.base AS DOUBLE) AS base, CAST(u.deduction AS DOUBLE) AS deduction,
                    CAST(u.bonus AS DOUBLE) AS bonus, CAST(u.raw_total AS DOUBLE) AS raw_total,
                    CAST(u.total AS DOUBLE) AS total, CAST(u.group_points AS DOUBLE[]) AS group_points)
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND (CAST($unit AS VARCHAR) IS NULL OR u.unit_code = $unit)
