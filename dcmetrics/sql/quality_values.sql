-- The current figures of the units that sent them (q_sent: quality_sent.sql), one row per value
-- present for an indicator the profile asks of the unit's type (q_asked: unit_type, indicator,
-- kind); an indicator without a row is as empty as one with an empty cell. `x` is what a reviewer
-- compares (a ratio as its percentage; NULL when empty or 0/0). Kept narrow: the nation has a
-- million rows a year.
SELECT n.year, n.unit_code, n.unit_type, n.area_code, o.indicator, a.kind, n.submission_id,
       o.value, o.num, o.den,
       CASE WHEN a.kind = 'ratio' THEN CASE WHEN o.den > 0 THEN 100.0 * o.num / o.den END
            ELSE o.value END AS x,
       CASE WHEN a.kind = 'ratio' THEN o.num IS NULL OR o.den IS NULL ELSE o.value IS NULL END AS empty
FROM observations o
JOIN q_sent n ON n.submission_id = o.submission_id AND n.unit_code = o.unit_code
JOIN q_asked a ON a.unit_type = n.unit_type AND a.indicator = o.indicator
WHERE list_contains(CAST($years AS INTEGER[]), o.year)
