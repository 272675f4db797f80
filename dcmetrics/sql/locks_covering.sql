-- The locks of year $y that refuse a file for area $area holding the units $codes:
--   * the area's own lock (unit_code NULL): an approved area-year takes no new file;
--   * the lock of another area whose approved (current) file carries one of $codes (unit_code set):
--     a lock covers the units of the locked area's own file, not its whole subtree, so a lock on the
--     province's file (its departments) leaves the districts' files open, and a district's lock
--     refuses a province-wide file only for the district's units.
--   * an approved unit-year (unit_reviews) in an area not locked as a whole: a reviewer approved
--     that unit's figures alone, so a file may carry the area's other units but not this one.
-- The upload page asks with $codes = every unit of the area; the commit with the file's units.
-- $codes is a semi-join (IN a subquery), not list_contains row by row: DuckDB hashes the list once
-- and prunes row groups by it.
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
WHERE l.year = $y AND l.area_code IS DISTINCT FROM $area AND o.unit_code IN (SELECT unnest(CAST($codes AS VARCHAR[])))
UNION ALL
SELECT DISTINCT s.area_code, a.name AS area_name, r.acted_by AS locked_by, r.unit_code
FROM unit_reviews r
JOIN submissions s ON s.id = r.submission_id
JOIN units a ON a.code = s.area_code
WHERE r.year = $y AND r.state = 'approved' AND r.unit_code IN (SELECT unnest(CAST($codes AS VARCHAR[])))
  AND NOT EXISTS (SELECT 1 FROM area_locks l WHERE l.area_code = s.area_code AND l.year = $y)
ORDER BY unit_code NULLS FIRST, area_code
