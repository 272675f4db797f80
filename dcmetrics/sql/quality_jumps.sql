-- Implausible year-on-year changes: the same unit and indicator in year $y and the year before
-- (q_all), both reported, the change at least the kind's absolute minimum (q_jump_rules: kind,
-- min_change) and at least $rel times the larger of the two values.
SELECT c.unit_code, c.unit_type, c.area_code, c.indicator, c.kind, c.submission_id, s.file_name, c.x,
       p.x AS previous, abs(c.x - p.x) AS change, r.min_change
FROM q_all c
JOIN q_all p ON p.unit_code = c.unit_code AND p.indicator = c.indicator AND p.year = $y - 1
JOIN q_jump_rules r ON r.kind = c.kind
JOIN submissions s ON s.id = c.submission_id
WHERE c.year = $y AND c.x IS NOT NULL AND p.x IS NOT NULL
  AND abs(c.x - p.x) >= r.min_change
  AND abs(c.x - p.x) >= $rel * greatest(abs(c.x), abs(p.x))
ORDER BY c.unit_code, c.indicator
