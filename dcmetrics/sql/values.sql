-- The value each unit has for each indicator in the scored years, on the chosen basis.
-- A unit's figures come from the newest current submission that contains the unit.
-- Appraisals (latest per unit, year, indicator) replace self-assessed values on the
-- 'appraised' basis; indicators entered by the level above take the appraisal on both bases.
-- Keyed by integers (uid, year, ind_id) for the steps after it. Every number leaves here as DECIMAL(18, 6), the exact value the unit reported (uploads and
-- appraisals keep at most six decimals), so the steps after it compute exactly.
WITH current_obs AS (
    SELECT * FROM t_current
),
unit_submission AS (
    SELECT unit_code, year, max(submission_id) AS submission_id
    FROM current_obs GROUP BY unit_code, year
),
obs AS (
    SELECT c.* FROM current_obs c JOIN unit_submission u USING (unit_code, year, submission_id)
),
appr AS (
    SELECT unit_code, year, indicator, value, num, den, reason, appraised_by, appraised_at
    FROM appraisals
    WHERE active AND year IN (SELECT year FROM p_years)
      AND (NOT (SELECT restricted FROM p_scope) OR unit_code IN (SELECT unit_code FROM p_units))
    QUALIFY row_number() OVER (PARTITION BY unit_code, year, indicator ORDER BY appraised_at DESC, id DESC) = 1
),
joined AS (
    SELECT coalesce(o.unit_code, a.unit_code) AS unit_code,
           coalesce(o.year, a.year) AS year,
           coalesce(o.indicator, a.indicator) AS indicator,
           o.submission_id,
           CAST(o.value AS DECIMAL(18, 6)) AS self_value, CAST(o.num AS DECIMAL(18, 6)) AS self_num,
           CAST(o.den AS DECIMAL(18, 6)) AS self_den,
           a.unit_code IS NOT NULL AS has_appraisal,
           CAST(a.value AS DECIMAL(18, 6)) AS appr_value, CAST(a.num AS DECIMAL(18, 6)) AS appr_num,
           CAST(a.den AS DECIMAL(18, 6)) AS appr_den,
           a.reason AS appraisal_reason, a.appraised_by, a.appraised_at
    FROM obs o
    FULL JOIN appr a ON a.unit_code = o.unit_code AND a.year = o.year AND a.indicator = o.indicator
)
SELECT s.uid, i.ind_id, j.*,
       (i.entered_by = 'superior' OR (p.basis = 'appraised' AND j.has_appraisal)) AS use_appraisal,
       CASE WHEN i.entered_by = 'superior' OR (p.basis = 'appraised' AND j.has_appraisal) THEN j.appr_value ELSE j.self_value END AS value,
       CASE WHEN i.entered_by = 'superior' OR (p.basis = 'appraised' AND j.has_appraisal) THEN j.appr_num ELSE j.self_num END AS num,
       CASE WHEN i.entered_by = 'superior' OR (p.basis = 'appraised' AND j.has_appraisal) THEN j.appr_den ELSE j.self_den END AS den
FROM joined j
JOIN fw_indicators i USING (indicator)
-- only scored units' values are read after this step, by their integer ids
JOIN (SELECT DISTINCT uid, unit_code FROM t_scored) s ON s.unit_code = j.unit_code
CROSS JOIN fw_params p
