-- Every area (a node with units below it) and the state of its data for year $y.
WITH areas AS (
    SELECT u.code, u.name, u.type, u.parent_code
    FROM units u
    WHERE EXISTS (SELECT 1 FROM units c WHERE c.parent_code = u.code)
)
SELECT a.code AS area_code, a.name AS area_name, a.type AS area_type,
       s.id AS submission_id, s.file_name, s.sent_by, s.sent_at, s.review_state, s.review_reason,
       s.reviewed_by, s.reviewed_at, l.area_code IS NOT NULL AS locked, l.locked_by,
       (SELECT count(*) FROM submissions h WHERE h.area_code = a.code AND h.year = $y) AS n_files
FROM areas a
LEFT JOIN submissions s ON s.area_code = a.code AND s.year = $y AND s.state = 'current'
LEFT JOIN area_locks l ON l.area_code = a.code AND l.year = $y
ORDER BY a.type = 'province' DESC, a.name COLLATE vi
