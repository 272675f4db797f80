-- Units scored in each year: evaluated units that appear in a current submission of that year.
SELECT DISTINCT u.code AS unit_code, o.year, u.name AS unit_name, u.type AS unit_type,
       u.parent_code, par.name AS parent_name, u.cluster
FROM t_current o
JOIN units u ON u.code = o.unit_code
LEFT JOIN units par ON par.code = u.parent_code
WHERE u.type IN ('commune', 'agency', 'service', 'enterprise')
