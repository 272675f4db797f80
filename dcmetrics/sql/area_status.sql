-- Every area (a node with units below it) of year $y and the state of its data that year.
WITH areas AS (
    SELECT u.code, u.name, u.type, u.parent_code
    FROM units u
    WHERE EXISTS (SELECT 1 FROM units c WHERE c.parent_code = u.code)
      -- the areas that existed that year (a district up to 2024, a new commune from 2025), and any
      -- that holds a file of that year all the same
      AND (((u.active_from IS NULL OR u.active_from <= $y) AND (u.active_to IS NULL OR u.active_to >= $y))
           OR EXISTS (SELECT 1 FROM submissions f WHERE f.area_code = u.code AND f.year = $y))
)
SELECT a.code AS area_code, a.name AS area_name, a.type AS area_type,
       s.id AS submission_id, s.file_name, s.sent_by, s.sent_at, s.review_state, s.review_reason,
       s.reviewed_by, s.reviewed_at, l.area_code IS NOT NULL AS locked, l.locked_by,
       (SELECT count(*) FROM submissions h WHERE h.area_code = a.code AND h.year = $y) AS n_files
FROM areas a
LEFT JOIN submissions s ON s.area_code = a.code AND s.year = $y AND s.state = 'current'
LEFT JOIN area_locks l ON l.area_code = a.code AND l.year = $y
ORDER BY a.type = 'province' DESC, a.name COLLATE vi
