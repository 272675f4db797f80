-- Locked area-years ($y) whose subtree holds one of the units in $codes (or that is one of them).
WITH RECURSIVE up(code) AS (
    SELECT code FROM units WHERE list_contains($codes, code)
    UNION
    SELECT u.parent_code FROM units u JOIN up ON u.code = up.code WHERE u.parent_code IS NOT NULL
)
SELECT l.area_code, a.name, l.locked_by
FROM area_locks l
JOIN units a ON a.code = l.area_code
WHERE l.year = $y AND l.area_code IN (SELECT code FROM up)
ORDER BY l.area_code
