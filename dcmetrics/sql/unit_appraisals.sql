-- Every appraisal of a unit's figures for a year, newest first.
SELECT indicator, value, num, den, reason, appraised_by, appraised_at, active
FROM appraisals
WHERE unit_code = $u AND year = $y
ORDER BY appraised_at DESC, id DESC
