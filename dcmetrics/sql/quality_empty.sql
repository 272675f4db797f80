-- Indicators every unit of an area left empty in year $y: per area, unit type and indicator the
-- profile asks of that type, at least $min_units units sent a file (q_sent) and none of them gave
-- a value (q_all holds the values present).
WITH sent AS (
    SELECT area_code, unit_type, count(*) AS n_units, min(submission_id) AS submission_id,
           count(DISTINCT submission_id) AS n_files
    FROM q_sent WHERE year = $y
    GROUP BY area_code, unit_type
    HAVING count(*) >= $min_units
),
given AS (
    SELECT DISTINCT area_code, unit_type, indicator FROM q_all WHERE year = $y AND NOT empty
)
SELECT t.area_code, t.unit_type, a.indicator, a.kind, t.n_units, t.submission_id, t.n_files, s.file_name
FROM sent t
JOIN q_asked a USING (unit_type)
JOIN submissions s ON s.id = t.submission_id
WHERE NOT EXISTS (SELECT 1 FROM given g
                  WHERE g.area_code = t.area_code AND g.unit_type = t.unit_type AND g.indicator = a.indicator)
ORDER BY t.area_code, t.unit_type, a.indicator
