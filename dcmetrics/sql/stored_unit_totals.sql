-- Total, rank, level and status of the stored units of the runs in p_runs whose `wanted` flag is
-- $wanted, optionally of one unit ($unit): a narrow read for what needs only these (the year
-- before the wanted ones, for the change columns; the overview's year before). The total as the
-- DOUBLE pages take (as stored_units.sql; stored_unit_totals.pg.sql: PostgreSQL's as stored).
SELECT u.unit_code, u.year, u.unit_type, CAST(u.total AS DOUBLE) AS total, u.rank, u.level, u.rated
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE wanted = $wanted)
  AND (CAST($unit AS VARCHAR) IS NULL OR u.unit_code = $unit)
