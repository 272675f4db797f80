-- Submissions (newest first), optionally of one area ($a) and year ($y), without the file bytes.
SELECT s.id, s.area_code, a.name AS area_name, s.year, s.file_name, s.sha256, s.sent_by, s.sent_at,
       s.n_rows, s.state, s.review_state, s.review_reason, s.reviewed_by, s.reviewed_at,
       l.area_code IS NOT NULL AS locked
FROM submissions s
LEFT JOIN units a ON a.code = s.area_code
LEFT JOIN area_locks l ON l.area_code = s.area_code AND l.year = s.year
WHERE (CAST($a AS VARCHAR) IS NULL OR s.area_code = $a) AND (CAST($y AS INTEGER) IS NULL OR s.year = $y)
ORDER BY s.sent_at DESC, s.id DESC
