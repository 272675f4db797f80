-- For every evaluated unit active in one of the years $years: the assignments that reach it (its
-- own area or an ancestor's, its type, the year), with how far up the assignment's area is.
-- The nearest area decides (a district's rule overrides the province's); two profiles at the
-- same nearest distance are an overlap, none a gap (territory.py names both unit by unit).
WITH RECURSIVE up(unit_code, code, depth) AS (
    SELECT code, code, 0 FROM units WHERE type IN ('commune', 'agency', 'service', 'enterprise', 'village')
    UNION ALL
    SELECT up.unit_code, u.parent_code, up.depth + 1
    FROM up JOIN units u ON u.code = up.code
    WHERE u.parent_code IS NOT NULL
),
unit_years AS (
    SELECT u.code AS unit_code, u.name AS unit_name, u.type AS unit_type, y.year
    FROM units u CROSS JOIN (SELECT unnest(CAST($years AS INTEGER[])) AS year) y
    WHERE u.type IN ('commune', 'agency', 'service', 'enterprise', 'village')
      AND (u.active_from IS NULL OR u.active_from <= y.year) AND (u.active_to IS NULL OR y.year <= u.active_to)
),
reached AS (
    SELECT uy.unit_code, uy.unit_name, uy.year, a.profile_id, up.depth
    FROM unit_years uy
    JOIN up ON up.unit_code = uy.unit_code
    JOIN p_assignments a ON a.area_code = up.code
     AND (a.unit_types IS NULL OR list_contains(a.unit_types, uy.unit_type))
     AND a.year_from <= uy.year AND (a.year_to IS NULL OR uy.year <= a.year_to)
),
nearest AS (
    SELECT * FROM (SELECT *, min(depth) OVER (PARTITION BY unit_code, year) AS nearest_depth FROM reached) r
    WHERE depth = nearest_depth
)
SELECT uy.unit_code, uy.unit_name, uy.year,
       array_agg(DISTINCT n.profile_id ORDER BY n.profile_id) FILTER (WHERE n.profile_id IS NOT NULL) AS profiles
FROM unit_years uy
LEFT JOIN nearest n ON n.unit_code = uy.unit_code AND n.year = uy.year
GROUP BY uy.unit_code, uy.unit_name, uy.year
ORDER BY uy.year, uy.unit_name COLLATE vi, uy.unit_code
