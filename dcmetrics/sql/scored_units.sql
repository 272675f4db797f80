-- Units scored in each year: evaluated units that appear in a current submission of that year,
-- with their district (the nearest ancestor of type district, else the root province): the
-- "area" that overview and trends put side by side. uid: the unit's integer id for this run
-- only (the steps after join on integers; codes and names are joined back at the end).
WITH RECURSIVE present AS (
    SELECT DISTINCT unit_code, year FROM t_current
),
up(unit_code, code, depth) AS (
    -- walk up from the present units only (a rescore of one district walks ~500 chains, not all)
    SELECT u.code, u.parent_code, 1 FROM units u
    WHERE u.parent_code IS NOT NULL AND u.code IN (SELECT unit_code FROM present)
    UNION ALL
    SELECT up.unit_code, u.parent_code, up.depth + 1
    FROM up JOIN units u ON u.code = up.code
    WHERE u.parent_code IS NOT NULL
),
ancestors AS (
    SELECT up.unit_code, up.code, up.depth, a.type, a.parent_code IS NULL AS is_root FROM up JOIN units a ON a.code = up.code
),
district AS (
    SELECT unit_code,
           coalesce(arg_min(code, depth) FILTER (WHERE type = 'district'), any_value(code) FILTER (WHERE is_root)) AS area_code
    FROM ancestors GROUP BY unit_code
)
SELECT CAST(dense_rank() OVER (ORDER BY u.code) AS INTEGER) AS uid, u.code AS unit_code, o.year, u.name AS unit_name, u.type AS unit_type,
       u.parent_code, par.name AS parent_name, u.cluster, d.area_code, ar.name AS area_name
FROM present o
JOIN units u ON u.code = o.unit_code
LEFT JOIN units par ON par.code = u.parent_code
LEFT JOIN district d ON d.unit_code = u.code
LEFT JOIN units ar ON ar.code = d.area_code
WHERE u.type IN (SELECT unit_type FROM fw_unit_types)  -- the evaluated types the profile covers
