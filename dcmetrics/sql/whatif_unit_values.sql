-- One unit's values ($u) in year $y on basis $basis for the indicators $inds, taken the way
-- values.sql takes them (the newest current file holding the unit, on the appraised basis only
-- approved figures; the latest active appraisal replaces the value on the appraised basis, and
-- always for an indicator the level above enters). The what-if starts from these.
WITH cur AS (
    SELECT o.submission_id, o.indicator, o.value, o.num, o.den
    FROM observations o
    JOIN submissions s ON s.id = o.submission_id AND s.state = 'current'
    LEFT JOIN unit_reviews r ON r.unit_code = o.unit_code AND r.year = o.year AND r.submission_id = o.submission_id
    WHERE o.unit_code = $u AND o.year = $y AND (CAST($basis AS VARCHAR) = 'self' OR r.state = 'approved')
),
own AS (
    SELECT indicator, value, num, den FROM cur WHERE submission_id = (SELECT max(submission_id) FROM cur)
),
appr AS (
    SELECT indicator, value, num, den
    FROM (SELECT indicator, value, num, den,
                 row_number() OVER (PARTITION BY indicator ORDER BY appraised_at DESC, id DESC) AS newest
          FROM appraisals
          WHERE active AND unit_code = $u AND year = $y) a
    WHERE newest = 1
),
wanted AS (
    SELECT unnest(CAST($inds AS VARCHAR[])) AS indicator, unnest(CAST($superior AS BOOLEAN[])) AS superior
)
SELECT w.indicator,
       (w.superior OR ($basis = 'appraised' AND a.indicator IS NOT NULL)) AS use_appraisal,
       CASE WHEN w.superior OR ($basis = 'appraised' AND a.indicator IS NOT NULL) THEN a.value ELSE o.value END AS value,
       CASE WHEN w.superior OR ($basis = 'appraised' AND a.indicator IS NOT NULL) THEN a.num ELSE o.num END AS num,
       CASE WHEN w.superior OR ($basis = 'appraised' AND a.indicator IS NOT NULL) THEN a.den ELSE o.den END AS den,
       (SELECT count(*) FROM cur) > 0 AS sent
FROM wanted w
LEFT JOIN own o USING (indicator)
LEFT JOIN appr a USING (indicator)
