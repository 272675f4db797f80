-- Attainment in [0, 1] and points of every unit x item. Items whose indicator does not apply
-- to the unit's type are absent; a ratio with nothing arisen under 'not_applicable' stays
-- with max_points 0 so its group's points spread over the other items.
-- Exact: values are DECIMAL(18, 6); every quotient goes through q12 (exact_macros.sql), so
-- attainments and points are DECIMAL(38, 12) whatever order the engine takes. An item's points
-- are for the drill-down; group_points.sql divides once per group, not once per item.
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
           CASE WHEN rule_type = 'ratio' THEN CASE WHEN den > 0 THEN q12(100 * num, den) END ELSE value END AS x,
           CASE WHEN rule_type = 'ratio' THEN num IS NULL OR den IS NULL ELSE value IS NULL END AS missing,
           coalesce(rule_type = 'ratio' AND num IS NOT NULL AND den = 0 AND zero_den = 'not_applicable', false) AS not_applicable
    FROM base
),
attained AS (
    SELECT m.*,
           CAST(CASE
               WHEN m.missing OR m.not_applicable THEN NULL
               WHEN m.rule_type = 'ratio' AND m.den = 0 THEN CASE WHEN m.zero_den = 'full' THEN 1 ELSE 0 END
               WHEN m.rule_type = 'proportional' OR (m.rule_type = 'ratio' AND m.then_type = 'proportional')
                   THEN least(q12(m.x, m.target), 1)
               WHEN m.rule_type = 'lower_better'
                   THEN CASE WHEN m.x <= m.target THEN 1 WHEN m.x >= m.bound THEN 0
                             ELSE q12(m.bound - m.x, m.bound - m.target) END
               WHEN m.rule_type = 'bands' OR (m.rule_type = 'ratio' AND m.then_type = 'bands') THEN b.share
               WHEN m.rule_type = 'yesno' THEN CASE WHEN m.x = m.expect THEN 1 ELSE 0 END
               WHEN m.rule_type = 'failures'
                   THEN CASE WHEN m.x = 0 THEN 1 WHEN m.fail_mode = 'any' THEN 0
                             ELSE greatest(0, 1 - m.x * m.share_each) END
               WHEN m.rule_type = 'direct' THEN least(q12(m.x, m.ind_max), 1)
           END AS DECIMAL(38, 12)) AS attainment
    FROM measured m
    LEFT JOIN fw_item_bands b  -- hi null: the last band of a count, open upwards
           ON b.indicator = m.indicator AND m.x >= b.lo
          AND (b.hi IS NULL OR m.x < b.hi OR (b.last AND m.x <= b.hi))
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
       missing, not_applicable, attainment, weight, weight_sum,
       CAST(CASE WHEN not_applicable OR weight_sum = 0 THEN 0
                 ELSE q12(group_points * weight, weight_sum) END AS DECIMAL(38, 12)) AS max_points,
       CAST(CASE WHEN not_applicable OR weight_sum = 0 THEN 0
                 ELSE q12(coalesce(attainment, 0) * group_points * weight, weight_sum) END AS DECIMAL(38, 12)) AS points
FROM weighted
