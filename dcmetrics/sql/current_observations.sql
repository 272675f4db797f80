-- Observations of the current submissions in the scored years. A preview adds the rows of a
-- file not yet stored (p_pending) in place of the submissions it would replace (p_replaced).
-- On the appraised basis only approved figures count (unit_reviews): a file nobody has reviewed
-- yet never reaches a ranking or a shortlist «sau thẩm định». A preview scores its file as if
-- approved: it answers what the file would do once accepted. A rescore of some units reads
-- current_observations_of_units.sql instead (the same rows, joined on the units).
SELECT o.submission_id, o.unit_code, o.year, o.indicator, o.value, o.num, o.den
FROM observations o
JOIN submissions s ON s.id = o.submission_id
LEFT JOIN unit_reviews r ON r.unit_code = o.unit_code AND r.year = o.year AND r.submission_id = o.submission_id
WHERE s.state = 'current'
  AND ((SELECT basis FROM fw_params) = 'self' OR r.state = 'approved')
  AND o.year IN (SELECT year FROM p_years)
  AND s.id NOT IN (SELECT submission_id FROM p_replaced)
UNION ALL
SELECT submission_id, unit_code, year, indicator, value, num, den
FROM p_pending
WHERE year IN (SELECT year FROM p_years)
