-- The deepest area (a node with units below it) that holds every unit in $codes.
WITH RECURSIVE up(start, code) AS (
    SELECT code, code FROM units WHERE list_contains($codes, code)
    UNION ALL
    SELECT up.start, u.parent_code
    FROM up JOIN units u ON u.code = up.code
    WHERE u.parent_code IS NOT NULL
),
depth(code, d) AS (
    SELECT code, 0 FROM units WHERE parent_code IS NULL
    UNION ALL
    SELECT u.code, depth.d + 1 FROM units u JOIN depth ON u.parent_code = depth.code
),
shared AS (
    SELECT code FROM up GROUP BY code
    HAVING count(DISTINCT start) = (SELECT count(DISTINCT start) FROM up)
)
SELECT s.code
FROM shared s JOIN depth USING (code)
WHERE EXISTS (SELECT 1 FROM units c WHERE c.parent_code = s.code)
ORDER BY depth.d DESC
LIMIT 1
