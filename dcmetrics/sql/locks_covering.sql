-- The locks of year $y that refuse a file for area $area holding the units $codes:
--   * the area's own lock (unit_code NULL): an approved area-year takes no new file;
--   * the lock of another area whose approved (current) file carries one of $codes (unit_code set):
--     a lock covers the units of the locked area's own file, not its whole subtree, so a lock on the
--     province's file (its departments) leaves the districts' files open, and a district's lock
--     refuses a province-wide file only for the district's units.
-- The upload page asks with $codes = every unit of the area; the commit with the file's units.
SELECT l.area_code, a.name AS area_name, l.locked_by, NULL::VARCHAR AS unit_code
FROM area_locks l
JOIN units a ON a.code = l.area_code
WHERE l.year = $y AND l.area_code = $area
UNION ALL
SELECT DISTINCT l.area_code, a.name AS area_name, l.locked_by, o.unit_code
FROM area_locks l
JOIN units a ON a.code = l.area_code
JOIN submissions s ON s.area_code = l.area_code AND s.year = l.year AND s.state = 'current'
JOIN observations o ON o.submission_id = s.id AND o.year = l.year
WHERE l.year = $y AND l.area_code IS DISTINCT FROM $area AND list_contains($codes, o.unit_code)
ORDER BY unit_code NULLS FIRST, area_code
