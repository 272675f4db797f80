-- The benchmark's lean reference (dcmetrics/bench.py): one statement computing the total, level,
-- status and overall rank of every scored unit of the years in p_years, with the same rules as
-- the chain (the profile's tables registered by scoring.register_inputs, the exact macros) but
-- nothing a page shows beside them: no names, no provenance, no per-group ranks, no reasons.
-- It is what the engine does with the scoring alone; the chain is measured against it and must
-- agree with it unit by unit.
WITH obs AS (
    SELECT o.unit_code, o.year, o.indicator, o.submission_id, o.value, o.num, o.den
    FROM observations o
    JOIN submissions s ON s.id = o.submission_id
    LEFT JOIN unit_reviews r ON r.unit_code = o.unit_code AND r.year = o.year AND r.submission_id = o.submission_id
    WHERE s.state = 'current' AND o.year IN (SELECT year FROM p_years)
      AND ((SELECT basis FROM fw_params) = 'self' OR r.state = 'approved')
    -- the newest current submission that contains the unit
    QUALIFY o.submission_id = max(o.submission_id) OVER (PARTITION BY o.unit_code, o.year)
),
appr AS (
    SELECT unit_code, year, indicator, value, num, den FROM appraisals
    WHERE active AND year IN (SELECT year FROM p_years)
    QUALIFY row_number() OVER (PARTITION BY unit_code, year, indicator ORDER BY appraised_at DESC, id DESC) = 1
),
scored AS (
    SELECT DISTINCT p.unit_code, p.year, u.type AS unit_type
    FROM (SELECT DISTINCT unit_code, year FROM obs) p JOIN units u ON u.code = p.unit_code
    WHERE u.type IN (SELECT unit_type FROM fw_unit_types)
),
vals AS (
    SELECT coalesce(o.unit_code, a.unit_code) AS unit_code, coalesce(o.year, a.year) AS year, i.ind_id, i.kind,
           CAST(CASE WHEN i.entered_by = 'superior' OR (p.basis = 'appraised' AND a.unit_code IS NOT NULL)
                     THEN a.value ELSE o.value END AS DECIMAL(18, 6)) AS value,
           CAST(CASE WHEN i.entered_by = 'superior' OR (p.basis = 'appraised' AND a.unit_code IS NOT NULL)
                     THEN a.num ELSE o.num END AS DECIMAL(18, 6)) AS num,
           CAST(CASE WHEN i.entered_by = 'superior' OR (p.basis = 'appraised' AND a.unit_code IS NOT NULL)
                     THEN a.den ELSE o.den END AS DECIMAL(18, 6)) AS den
    FROM obs o
    FULL JOIN appr a ON a.unit_code = o.unit_code AND a.year = o.year AND a.indicator = o.indicator
    JOIN fw_indicators i ON i.indicator = coalesce(o.indicator, a.indicator)
    CROSS JOIN fw_params p
),
items AS (
    SELECT s.unit_code, s.year, it.group_ord, it.group_points, it.weight, it.ind_id, it.rule_type, it.target, it.bound,
           it.expect, it.fail_mode, it.share_each, it.zero_den, it.then_type, it.ind_max, v.value, v.num, v.den,
           CASE WHEN it.rule_type = 'ratio' THEN CASE WHEN v.den > 0 THEN q12(100 * v.num, v.den) END ELSE v.value END AS x,
           CASE WHEN it.rule_type = 'ratio' THEN v.num IS NULL OR v.den IS NULL ELSE v.value IS NULL END AS missing,
           coalesce(it.rule_type = 'ratio' AND v.num IS NOT NULL AND v.den = 0 AND it.zero_den = 'not_applicable', false) AS na
    FROM scored s
    JOIN fw_applies ap ON ap.unit_type = s.unit_type
    JOIN fw_items it ON it.ind_id = ap.ind_id
    LEFT JOIN vals v ON v.unit_code = s.unit_code AND v.year = s.year AND v.ind_id = it.ind_id
),
att AS (
    SELECT m.unit_code, m.year, m.group_ord, m.weight, m.missing, m.na,
           CASE WHEN m.missing OR m.na THEN NULL
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
           END AS a
    FROM items m
    LEFT JOIN fw_item_bands b ON b.ind_id = m.ind_id AND m.x >= b.lo
          AND (b.hi IS NULL OR m.x < b.hi OR (b.last AND m.x <= b.hi))
),
grp AS (
    SELECT s.unit_code, s.year, g.group_ord, g.group_points AS gmax,
           CASE WHEN coalesce(x.all_na, true) THEN g.group_points ELSE q12(g.group_points * x.aw, x.w) END AS raw,
           coalesce(x.n_missing, 0) AS n_missing
    FROM scored s CROSS JOIN fw_groups g
    LEFT JOIN (SELECT unit_code, year, group_ord, bool_and(na) AS all_na,
                      sum(coalesce(a, 0) * weight) FILTER (WHERE NOT na) AS aw, sum(weight) FILTER (WHERE NOT na) AS w,
                      count(*) FILTER (WHERE missing) AS n_missing
               FROM att GROUP BY ALL) x ON x.unit_code = s.unit_code AND x.year = s.year AND x.group_ord = g.group_ord
),
grp_kept AS (
    SELECT grp.*, kept(raw, p.group_decimals, p.rounding_rule) AS pts FROM grp CROSS JOIN fw_params p
),
adj AS (
    SELECT s.unit_code, s.year,
           least(coalesce(sum(least(a.cap, coalesce(CASE WHEN a.ind_kind = 'points' THEN v.value ELSE v.value * a.points_each END, 0)))
                          FILTER (WHERE a.kind = 'deduction'), 0), any_value(p.deduction_cap)) AS deduction,
           least(coalesce(sum(least(a.cap, coalesce(CASE WHEN a.ind_kind = 'points' THEN v.value ELSE v.value * a.points_each END, 0)))
                          FILTER (WHERE a.kind = 'bonus'), 0), any_value(p.bonus_cap)) AS bonus
    FROM scored s CROSS JOIN fw_params p
    LEFT JOIN fw_adjustments a ON EXISTS (SELECT 1 FROM fw_applies ap WHERE ap.ind_id = a.ind_id AND ap.unit_type = s.unit_type)
    LEFT JOIN vals v ON v.unit_code = s.unit_code AND v.year = s.year AND v.ind_id = a.ind_id
    GROUP BY ALL
),
tot AS (
    SELECT g.unit_code, g.year, sum(g.n_missing) = 0 AS complete,
           kept(greatest(0, least(any_value(p.total_max), sum(g.raw) - any_value(a.deduction) + any_value(a.bonus))),
                any_value(p.total_decimals), any_value(p.rounding_rule)) AS total
    FROM grp g JOIN adj a USING (unit_code, year) CROSS JOIN fw_params p
    GROUP BY ALL
),
band AS (
    -- the best band whose minimum the total reaches with every group at or above its floor
    SELECT t.unit_code, t.year, min(l.level_ord) AS band_ord
    FROM tot t JOIN fw_levels l ON t.total >= l.min_total
    WHERE NOT EXISTS (SELECT 1 FROM grp_kept g WHERE g.unit_code = t.unit_code AND g.year = t.year
                      AND g.pts < l.floor * g.gmax)
    GROUP BY ALL
),
veto AS (
    SELECT v.unit_code, v.year, max(vt.cap_ord) FILTER (WHERE vt.effect = 'cap') AS cap_ord,
           bool_or(vt.effect = 'not_rated') AS not_rated
    FROM vals v JOIN scored s USING (unit_code, year)
    JOIN fw_vetoes vt ON vt.ind_id = v.ind_id
    CROSS JOIN LATERAL (SELECT CASE WHEN v.kind = 'ratio' THEN CASE WHEN v.den > 0 THEN q12(100 * v.num, v.den) END
                                    ELSE v.value END AS x) m
    WHERE EXISTS (SELECT 1 FROM fw_applies ap WHERE ap.ind_id = v.ind_id AND ap.unit_type = s.unit_type)
      AND m.x IS NOT NULL AND CASE vt.op WHEN '=' THEN m.x = vt.value WHEN '!=' THEN m.x <> vt.value
          WHEN '>' THEN m.x > vt.value WHEN '>=' THEN m.x >= vt.value WHEN '<' THEN m.x < vt.value
          WHEN '<=' THEN m.x <= vt.value END
    GROUP BY ALL
),
rated AS (
    SELECT t.unit_code, t.year, t.total,
           NOT (coalesce(vt.not_rated, false) OR (p.not_rated_if_incomplete AND NOT t.complete)) AS rated,
           greatest(b.band_ord, coalesce(vt.cap_ord, 0)) AS level_ord
    FROM tot t JOIN band b USING (unit_code, year) CROSS JOIN fw_params p
    LEFT JOIN veto vt USING (unit_code, year)
)
SELECT r.unit_code, r.year, r.total, r.rated,
       CASE WHEN r.rated THEN l.level END AS level,
       CASE WHEN r.rated THEN rank() OVER (PARTITION BY r.year, r.rated ORDER BY r.total DESC) END AS rank
FROM rated r JOIN fw_levels l ON l.level_ord = r.level_ord
