-- Observations of the current submissions in the scored years. A preview adds the rows of a
-- file not yet stored (p_pending) in place of the submissions it would replace (p_replaced).
SELECT o.submission_id, o.unit_code, o.year, o.indicator, o.value, o.num, o.den
FROM observations o
JOIN submissions s ON s.id = o.submission_id
WHERE s.state = 'current'
  AND o.year IN (SELECT year FROM p_years)
  AND s.id NOT IN (SELECT submission_id FROM p_replaced)
  -- a rescore of some units only (p_scope.restricted) reads just their rows
  AND (NOT (SELECT restricted FROM p_scope) OR o.unit_code IN (SELECT unit_code FROM p_units))
UNION ALL
SELECT submission_id, unit_code, year, indicator, value, num, den
FROM p_pending
WHERE year IN (SELECT year FROM p_years)
  AND (NOT (SELECT restricted FROM p_scope) OR unit_code IN (SELECT unit_code FROM p_units))
