-- The current value of every unit ($units: only these; NULL: all) and indicator in year $y (the
-- newest current file per unit). An upload passes its own units: the nation has a million.
WITH cur AS (
    SELECT o.* FROM observations o
    JOIN submissions s ON s.id = o.submission_id AND s.state = 'current'
    WHERE o.year = $y
      AND (CAST($units AS VARCHAR[]) IS NULL OR list_contains($units, o.unit_code))
)
SELECT c.unit_code, c.indicator, c.value, c.num, c.den
FROM cur c
JOIN (SELECT unit_code, max(submission_id) AS submission_id FROM cur GROUP BY unit_code) n
  USING (unit_code, submission_id)
