-- Nodes an account can choose as an area: those with units below them (the province, districts,
-- departments with units) and every commune directly under a province (after the 2025 reform a
-- commune uploads its own figures; under a district, the district does), the province first,
-- with the years each existed.
WITH RECURSIVE path(code, depth) AS (
    SELECT code, 0 FROM units WHERE parent_code IS NULL
    UNION ALL
    SELECT u.code, p.depth + 1 FROM units u JOIN path p ON u.parent_code = p.code
)
SELECT u.code, u.name, u.type, u.parent_code, p.depth, u.active_from, u.active_to
FROM units u JOIN path p USING (code)
WHERE EXISTS (SELECT 1 FROM units c WHERE c.parent_code = u.code)
   OR (u.type = 'commune' AND EXISTS (SELECT 1 FROM units par WHERE par.code = u.parent_code AND par.type = 'province'))
ORDER BY p.depth, u.name COLLATE vi, u.code
