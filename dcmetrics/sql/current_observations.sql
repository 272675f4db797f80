-- Observations of the current submissions in the scored years. A preview adds the rows of a
-- file not yet stored (p_pending) in place of the submissions it would replace (p_replaced).
SELECT o.submission_id, o.unit_code, o.year, o.indicator, o.value, o.num, o.den
FROM observations o
JOIN submissions s ON s.id = o.submission_id
WHERE s.state = 'current'
  AND o.year IN (SELECT year FROM p_years)
  AND s.id NOT IN (SELECT submission_id FROM p_replaced)
UNION ALL
SELECT submission_id, unit_code, year, indicator, value, num, den
FROM p_pending
WHERE year IN (SELECT year FROM p_years)
