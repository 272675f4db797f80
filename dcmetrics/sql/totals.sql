-- Total, level, status and classification cap of every scored unit.
-- raw_total = exact group points - deductions + bonus; total = raw_total clamped to
-- [0, total_max] and kept at the profile's total decimals by its rounding rule (half up: 89.995
-- is 90.00). The level is the best band the total reaches with every group's kept points at or
-- above the band's floor; vetoes cap the level or make the unit not rated. All exact DECIMALs,
-- on integer keys (uid, ind_id); the unit's codes and names come with t_scored.
WITH g AS (
    SELECT uid, year, sum(raw_points) AS base, CAST(sum(n_missing) AS BIGINT) AS n_missing
    FROM t_groups GROUP BY uid, year
),
adj_items AS (
    SELECT s.uid, s.year, a.kind,
           -- (least skips a null: no cap)
           least(a.cap, coalesce(CASE WHEN a.ind_kind = 'points' THEN v.value ELSE v.value * a.points_each END, 0)) AS amount
    FROM t_scored s
    JOIN fw_adjustments a
      ON EXISTS (SELECT 1 FROM fw_applies ap WHERE ap.ind_id = a.ind_id AND ap.unit_type = s.unit_type)
    LEFT JOIN t_values v ON v.uid = s.uid AND v.year = s.year AND v.ind_id = a.ind_id
),
adj AS (
    SELECT s.uid, s.year,
           CAST(least(coalesce(sum(i.amount) FILTER (WHERE i.kind = 'deduction'), 0), any_value(p.deduction_cap))
                AS DECIMAL(38, 12)) AS deduction,
           CAST(least(coalesce(sum(i.amount) FILTER (WHERE i.kind = 'bonus'), 0), any_value(p.bonus_cap))
                AS DECIMAL(38, 12)) AS bonus
    FROM t_scored s
    CROSS JOIN fw_params p
    LEFT JOIN adj_items i ON i.uid = s.uid AND i.year = s.year
    GROUP BY s.uid, s.year
),
totals AS (
    SELECT s.*, g.base, a.deduction, a.bonus, g.n_missing, g.n_missing = 0 AS complete,
           CAST(g.base - a.deduction + a.bonus AS DECIMAL(38, 12)) AS raw_total,
           kept(greatest(0, least(p.total_max, g.base - a.deduction + a.bonus)), p.total_decimals, p.rounding_rule) AS total
    FROM t_scored s
    JOIN g USING (uid, year)
    JOIN adj a USING (uid, year)
    CROSS JOIN fw_params p
),
floors AS (
    -- for every unit and band: does every group reach the band's floor?
    SELECT gp.uid, gp.year, l.level_ord,
           bool_and(gp.points >= l.floor * gp.max_points) AS floors_ok
    FROM t_groups gp CROSS JOIN fw_levels l
    GROUP BY gp.uid, gp.year, l.level_ord
),
banded AS (
    SELECT t.uid, t.year,
           min(l.level_ord) AS by_total_ord,
           min(l.level_ord) FILTER (WHERE f.floors_ok) AS band_ord
    FROM totals t
    JOIN fw_levels l ON t.total >= l.min_total
    JOIN floors f ON f.uid = t.uid AND f.year = t.year AND f.level_ord = l.level_ord
    GROUP BY t.uid, t.year
),
held AS (
    -- the groups under the floor of the band the total alone would give (only for units held back)
    SELECT b.uid, b.year, string_agg(gp.group_key, ',' ORDER BY gp.group_ord) AS under_floor
    FROM banded b
    JOIN fw_levels l ON l.level_ord = b.by_total_ord
    JOIN t_groups gp ON gp.uid = b.uid AND gp.year = b.year
    WHERE b.band_ord > b.by_total_ord AND gp.points < l.floor * gp.max_points
    GROUP BY b.uid, b.year
),
veto_values AS (
    SELECT v.uid, v.year, v.ind_id,
           CASE WHEN i.kind = 'ratio' THEN CASE WHEN v.den > 0 THEN q12(100 * v.num, v.den) END ELSE v.value END AS x
    FROM t_values v
    JOIN fw_indicators i ON i.ind_id = v.ind_id
    JOIN t_scored s ON s.uid = v.uid AND s.year = v.year
    -- a value of an indicator that does not apply to the unit's type never triggers a veto
    WHERE v.ind_id IN (SELECT ind_id FROM fw_vetoes)
      AND EXISTS (SELECT 1 FROM fw_applies ap WHERE ap.ind_id = v.ind_id AND ap.unit_type = s.unit_type)
),
veto_hits AS (
    SELECT vv.uid, vv.year, vt.veto_ord, vt.effect, vt.cap_ord, vt.reason
    FROM fw_vetoes vt
    JOIN veto_values vv ON vv.ind_id = vt.ind_id
    WHERE vv.x IS NOT NULL AND CASE vt.op
        WHEN '=' THEN vv.x = vt.value WHEN '!=' THEN vv.x <> vt.value
        WHEN '>' THEN vv.x > vt.value WHEN '>=' THEN vv.x >= vt.value
        WHEN '<' THEN vv.x < vt.value WHEN '<=' THEN vv.x <= vt.value END
),
vetoed AS (
    SELECT uid, year,
           max(cap_ord) FILTER (WHERE effect = 'cap') AS cap_ord,
           string_agg(reason, '; ' ORDER BY veto_ord) FILTER (WHERE effect = 'not_rated') AS not_rated_reasons,
           string_agg(reason, '; ' ORDER BY veto_ord) FILTER (WHERE effect = 'cap') AS cap_reasons
    FROM veto_hits GROUP BY uid, year
),
decided AS (
    SELECT t.*, b.by_total_ord, b.band_ord,
           greatest(b.band_ord, coalesce(vt.cap_ord, 0)) AS level_ord,
           CASE WHEN b.band_ord > b.by_total_ord THEN f.under_floor ELSE '' END AS held_by,
           coalesce(vt.cap_reasons, '') AS capped_by,
           nullif(concat_ws('; ', vt.not_rated_reasons,
                            CASE WHEN p.not_rated_if_incomplete AND NOT t.complete
                                 THEN 'Thiếu số liệu của chỉ tiêu bắt buộc' END), '') AS not_rated_reason
    FROM totals t
    JOIN banded b USING (uid, year)
    CROSS JOIN fw_params p
    LEFT JOIN held f ON f.uid = t.uid AND f.year = t.year
    LEFT JOIN vetoed vt ON vt.uid = t.uid AND vt.year = t.year
)
SELECT d.unit_code, d.year, d.unit_name, d.unit_type, d.parent_code, d.parent_name, d.cluster, d.area_code, d.area_name,
       p.framework_id, p.framework_version, p.basis,
       d.base, d.deduction, d.bonus, d.raw_total, d.total, d.complete, d.n_missing,
       d.not_rated_reason IS NULL AS rated, d.not_rated_reason,
       CASE WHEN d.not_rated_reason IS NULL THEN l.level END AS level,
       CASE WHEN d.not_rated_reason IS NULL THEN d.level_ord END AS level_ord,
       CASE WHEN d.not_rated_reason IS NULL THEN l.cap END AS classification_cap,
       coalesce(d.held_by, '') AS held_by, d.capped_by, d.uid
FROM decided d
CROSS JOIN fw_params p
JOIN fw_levels l ON l.level_ord = d.level_ord
