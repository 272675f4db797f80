-- Attainment in [0, 1] of every unit x item, on integer keys and numbers only: uid
-- (t_scored), item_id and ind_id (fw_items). Codes, labels and the provenance of each value are
-- joined back only where rows are shown or stored (items_wide.sql). Items whose indicator does
-- not apply to the unit's type are absent; a ratio with nothing arisen under 'not_applicable'
-- stays with max_points 0 so its group's points spread over the other items.
-- Exact: values are DECIMAL(18, 6); every quotient goes through q12 (exact_macros.sql), so
-- attainments are DECIMAL(38, 12) whatever order the engine takes. An item's points are for the
-- drill-down only and computed there (items_wide.sql); group_points.sql divides once per group.
WITH base AS (
    SELECT s.uid, s.year, it.item_id, it.ind_id, it.group_ord, it.group_points, it.weight, it.rule_type,
           it.target, it.bound, it.expect, it.fail_mode, it.share_each, it.zero_den, it.then_type, it.ind_max,
           v.value, v.num, v.den
    FROM t_scored s
    JOIN fw_applies ap ON ap.unit_type = s.unit_type
    JOIN fw_items it ON it.ind_id = ap.ind_id
    LEFT JOIN t_values v ON v.uid = s.uid AND v.year = s.year AND v.ind_id = it.ind_id
),
measured AS (
    SELECT *,
           CASE WHEN rule_type = 'ratio' THEN CASE WHEN den > 0 THEN q12(100 * num, den) END ELSE value END AS x,
           CASE WHEN rule_type = 'ratio' THEN num IS NULL OR den IS NULL ELSE value IS NULL END AS missing,
           coalesce(rule_type = 'ratio' AND num IS NOT NULL AND den = 0 AND zero_den = 'not_applicable', false) AS not_applicable
    FROM base
),
attained AS (
    SELECT m.uid, m.year, m.item_id, m.group_ord, m.group_points, m.weight, m.value, m.num, m.den, m.x,
           m.missing, m.not_applicable,
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
           ON b.ind_id = m.ind_id AND m.x >= b.lo
          AND (b.hi IS NULL OR m.x < b.hi OR (b.last AND m.x <= b.hi))
),
SELECT uid, year, item_id, group_ord, value, num, den, x AS measured, missing, not_applicable, attainment, weight
FROM attained
