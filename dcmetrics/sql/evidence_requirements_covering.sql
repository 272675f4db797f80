-- The evidence requirements of year $y set on unit $u or on any area above it.
WITH RECURSIVE up(code, parent_code) AS (
    SELECT code, parent_code FROM units WHERE code = $u
    UNION ALL
    SELECT p.code, p.parent_code FROM units p JOIN up ON p.code = up.parent_code
)
SELECT r.indicator, r.area_code, a.name AS area_name, r.required_by, r.required_at
FROM evidence_requirements r
JOIN up ON up.code = r.area_code
LEFT JOIN units a ON a.code = r.area_code
WHERE r.year = $y
ORDER BY r.indicator, r.area_code
