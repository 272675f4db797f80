-- The area $area and everything below it, at any depth.
WITH RECURSIVE tree(code, depth) AS (
    SELECT code, 0 FROM units WHERE code = $area
    UNION ALL
    SELECT u.code, t.depth + 1 FROM units u JOIN tree t ON u.parent_code = t.code
)
SELECT u.*, t.depth
FROM tree t JOIN units u USING (code)
ORDER BY t.depth, u.name COLLATE vi, u.code
