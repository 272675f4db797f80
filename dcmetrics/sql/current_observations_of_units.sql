-- current_observations.sql for a rescore of some units only (p_units): the same rows, read by a
-- join on the units, so that the engine prunes the observations' row groups by the units' codes
-- (the OR of the full query keeps it scanning the whole year: 1.2 M rows for 500 units); their
-- review states too are read by the units and years (not the 200,000 of the nation's reviews).
SELECT o.submission_id, o.unit_code, o.year, o.indicator, o.value, o.num, o.den
FROM observations o
JOIN p_units pu ON pu.unit_code = o.unit_code
JOIN submissions s ON s.id = o.submission_id
LEFT JOIN (SELECT r.unit_code, r.year, r.submission_id, r.state
           FROM unit_reviews r
           JOIN p_units pr ON pr.unit_code = r.unit_code
           WHERE r.year IN (SELECT year FROM p_years)) r
  ON r.unit_code = o.unit_code AND r.year = o.year AND r.submission_id = o.submission_id
WHERE s.state = 'current'
  AND ((SELECT basis FROM fw_params) = 'self' OR r.state = 'approved')
  AND o.year IN (SELECT year FROM p_years)
  AND s.id NOT IN (SELECT submission_id FROM p_replaced)
UNION ALL
SELECT submission_id, unit_code, year, indicator, value, num, den
FROM p_pending
WHERE year IN (SELECT year FROM p_years) AND unit_code IN (SELECT unit_code FROM p_units)
