-- Attainment in [0, 1] and points of every unit x item. Items whose indicator does not apply
-- to the unit's type are absent; a ratio with nothing arisen under 'not_applicable' stays
-- with max_points 0 so its group's points spread over the other items.
WITH base AS (
    SELECT s.unit_code, s.year, s.unit_type, it.*,
           v.value, v.num, v.den, v.self_value, v.self_num, v.self_den, v.use_appraisal,
           v.appraisal_reason, v.appraised_by, v.appraised_at, v.submission_id
    FROM t_scored s
    JOIN fw_applies ap ON ap.unit_type = s.unit_type
    JOIN fw_items it ON it.indicator = ap.indicator
    LEFT JOIN t_values v ON v.unit_code = s.unit_code AND v.year = s.year AND v.indicator = it.indicator
),
measured AS (
    SELECT *,
           CASE WHEN rule_type = 'ratio' THEN CASE WHEN den > 0 THEN 100.0 * num / den END ELSE value END AS x,
           CASE WHEN rule_type = 'ratio' THEN num IS NULL OR den IS NULL ELSE value IS NULL END AS missing,
           coalesce(rule_type = 'ratio' AND num IS NOT NULL AND den = 0 AND zero_den = 'not_applicable', false) AS not_applicable
    FROM base
),
attained AS (
    SELECT m.*,
           CASE
               WHEN m.missing OR m.not_applicable THEN NULL
               WHEN m.rule_type = 'ratio' AND m.den = 0 THEN CASE WHEN m.zero_den = 'full' THEN 1.0 ELSE 0.0 END
               WHEN m.rule_type = 'proportional' OR (m.rule_type = 'ratio' AND m.then_type = 'proportional')
                   THEN least(m.x / m.target, 1.0)
               WHEN m.rule_type = 'lower_better'
                   THEN CASE WHEN m.x <= m.target THEN 1.0 WHEN m.x >= m.bound THEN 0.0
                             ELSE (m.bound - m.x) / (m.bound - m.target) END
               WHEN m.rule_type = 'bands' OR (m.rule_type = 'ratio' AND m.then_type = 'bands') THEN b.share
               WHEN m.rule_type = 'yesno' THEN CASE WHEN m.x = m.expect THEN 1.0 ELSE 0.0 END
               WHEN m.rule_type = 'failures'
                   THEN CASE WHEN m.x = 0 THEN 1.0 WHEN m.fail_mode = 'any' THEN 0.0
                             ELSE greatest(0.0, 1.0 - m.x * m.share_each) END
               WHEN m.rule_type = 'direct' THEN least(m.x / m.ind_max, 1.0)
           END AS attainment
    FROM measured m
    LEFT JOIN fw_item_bands b
           ON b.indicator = m.indicator AND m.x >= b.lo AND (m.x < b.hi OR (b.last AND m.x <= b.hi))
),
-- a grouped sum joined back: a window over the wide rows costs several times more
weights AS (
    SELECT unit_code, year, group_key, sum(CASE WHEN not_applicable THEN 0 ELSE weight END) AS weight_sum
    FROM attained GROUP BY unit_code, year, group_key
),
weighted AS (
    SELECT a.*, w.weight_sum FROM attained a JOIN weights w USING (unit_code, year, group_key)
)
SELECT unit_code, year, group_key, group_ord, group_points, indicator, item_ord, kind, rule_type,
       value, num, den, x AS measured, self_value, self_num, self_den, use_appraisal,
       appraisal_reason, appraised_by, appraised_at, submission_id,
       missing, not_applicable, attainment,
       CASE WHEN not_applicable OR weight_sum = 0 THEN 0.0 ELSE group_points * weight / weight_sum END AS max_points,
       CASE WHEN not_applicable OR weight_sum = 0 THEN 0.0
            ELSE coalesce(attainment, 0.0) * group_points * weight / weight_sum END AS points
FROM weighted
