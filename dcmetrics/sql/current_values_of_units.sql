-- The current value of each unit of $units (a list) and indicator in year $y (the newest current
-- file per unit): current_values_of_year for an upload's own units. The units are joined, not
-- tested one row at a time with list_contains, so that DuckDB prunes the observations' row groups
-- by the joined codes (at twice the nation's size a 500-unit file read 2.4 M rows otherwise).
WITH wanted AS (
    SELECT DISTINCT unnest(CAST($units AS VARCHAR[])) AS unit_code
),
cur AS (
    SELECT o.unit_code, o.indicator, o.value, o.num, o.den, o.submission_id
    FROM wanted w
    JOIN observations o ON o.unit_code = w.unit_code
    JOIN submissions s ON s.id = o.submission_id AND s.state = 'current'
    WHERE o.year = $y
)
SELECT c.unit_code, c.indicator, c.value, c.num, c.den
FROM cur c
JOIN (SELECT unit_code, max(submission_id) AS submission_id FROM cur GROUP BY unit_code) n
  USING (unit_code, submission_id)
