-- Total, level and status of every stored unit of the wanted runs in p_runs: what the overview
-- needs of the year before (a narrow read of 40,000 rows instead of the whole score rows).
SELECT u.unit_code, u.year, u.unit_type, u.total, u.level, u.rated
FROM score_units u
WHERE u.run_id IN (SELECT run_id FROM p_runs WHERE wanted)
