-- The province an annual report is issued by: the top ancestor of $area (the area itself when it
-- has no parent), or with $area NULL every province at the root of the registry.
WITH RECURSIVE up(code, parent_code, depth) AS (
    SELECT code, parent_code, 0 FROM units WHERE code = $area
    UNION ALL
    SELECT u.code, u.parent_code, up.depth + 1 FROM units u JOIN up ON u.code = up.parent_code
)
SELECT u.code, u.name, u.type
FROM units u
WHERE ($area IS NOT NULL AND u.code = (SELECT code FROM up WHERE parent_code IS NULL ORDER BY depth DESC LIMIT 1))
   OR ($area IS NULL AND u.parent_code IS NULL AND u.type = 'province')
ORDER BY u.name COLLATE vi, u.code
