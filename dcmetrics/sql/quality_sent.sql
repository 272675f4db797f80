-- The units of q_units (unit_code, unit_type, area_code) that sent figures in the years $years,
-- with the file that carries their current figures: the newest current file per unit and year
-- (as current_values_of_year.sql).
SELECT o.year, o.unit_code, u.unit_type, u.area_code, max(o.submission_id) AS submission_id
FROM observations o
JOIN submissions s ON s.id = o.submission_id AND s.state = 'current'
JOIN q_units u ON u.unit_code = o.unit_code
WHERE list_contains(CAST($years AS INTEGER[]), o.year)
GROUP BY o.year, o.unit_code, u.unit_type, u.area_code
