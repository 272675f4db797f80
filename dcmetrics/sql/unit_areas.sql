-- Nodes with units below them: the choices of an area filter, the province first.
WITH RECURSIVE path(code, depth) AS (
    SELECT code, 0 FROM units WHERE parent_code IS NULL
    UNION ALL
    SELECT u.code, p.depth + 1 FROM units u JOIN path p ON u.parent_code = p.code
)
SELECT u.code, u.name, u.type, u.parent_code, p.depth
FROM units u JOIN path p USING (code)
WHERE EXISTS (SELECT 1 FROM units c WHERE c.parent_code = u.code)
ORDER BY p.depth, u.name COLLATE vi, u.code
