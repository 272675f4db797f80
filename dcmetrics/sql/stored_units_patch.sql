-- stored_units.sql for the units in p_units only (scoring._patched: a kept read patched after a
-- refresh), the same columns and casts; $unit is unused (bound by the same caller).
SELECT u.* REPLACE (CAST(u.base AS DOUBLE) AS base, CAST(u.deduction AS DOUBLE) AS deduction,
                    CAST(u.bonus AS DOUBLE) AS bonus, CAST(u.raw_total AS DOUBLE) AS raw_total,
                    CAST(u.total AS DOUBLE) AS total, CAST(u.group_points AS DOUBLE[]) AS group_points)
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
  AND u.unit_code IN (SELECT unit_code FROM p_units)
  AND (CAST($unit AS VARCHAR) IS NULL OR u.unit_code = $unit)
