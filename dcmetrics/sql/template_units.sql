-- The evaluated units (config.UNIT_TYPES: commune, agency, service, enterprise, village) at or
-- below the area $area that are active in $year (a null active_from / active_to is open), in Vietnamese name order.
WITH RECURSIVE tree(code) AS (
    SELECT code FROM units WHERE code = $area
    UNION ALL
    SELECT u.code FROM units u JOIN tree t ON u.parent_code = t.code
)
SELECT u.code, u.name, u.type
FROM tree t JOIN units u USING (code)
WHERE u.type IN ('commune', 'agency', 'service', 'enterprise', 'village')
  AND (u.active_from IS NULL OR u.active_from <= $year)
  AND (u.active_to IS NULL OR u.active_to >= $year)
ORDER BY u.name COLLATE vi, u.code
