-- Every evaluated unit below area $area (at any depth) that existed in year $y, each with the
-- requirements of that year set on it or on an area above it, and the indicators it has a live
-- document for.
WITH RECURSIVE tree(code) AS (
    SELECT code FROM units WHERE code = $area
    UNION ALL
    SELECT u.code FROM units u JOIN tree t ON u.parent_code = t.code
),
up(unit_code, code, parent_code) AS (
    SELECT u.code, u.code, u.parent_code FROM units u JOIN tree USING (code)
    UNION ALL
    SELECT up.unit_code, p.code, p.parent_code FROM units p JOIN up ON p.code = up.parent_code
)
SELECT u.code AS unit_code, u.name AS unit_name, u.type AS unit_type,
       array_agg(DISTINCT r.indicator ORDER BY r.indicator) FILTER (WHERE r.indicator IS NOT NULL) AS required,
       (SELECT array_agg(DISTINCT e.indicator ORDER BY e.indicator) FROM evidence e
        WHERE e.unit_code = u.code AND e.year = $y AND e.deleted_at IS NULL AND e.indicator IS NOT NULL) AS documented
FROM units u
JOIN tree USING (code)
LEFT JOIN up ON up.unit_code = u.code
LEFT JOIN evidence_requirements r ON r.area_code = up.code AND r.year = $y
WHERE u.type NOT IN ('province', 'district')
  AND (u.active_from IS NULL OR u.active_from <= $y) AND (u.active_to IS NULL OR u.active_to >= $y)
GROUP BY u.code, u.name, u.type
ORDER BY u.name COLLATE vi, u.code
