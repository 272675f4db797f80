-- Files that carried a unit's figures for a year, newest first.
SELECT s.id, s.area_code, a.name AS area_name, s.year, s.file_name, s.sha256, s.sent_by, s.sent_at,
       s.state, count(*) AS n_values
FROM observations o
JOIN submissions s ON s.id = o.submission_id
LEFT JOIN units a ON a.code = s.area_code
WHERE o.unit_code = $u AND o.year = $y
GROUP BY s.id, s.area_code, a.name, s.year, s.file_name, s.sha256, s.sent_by, s.sent_at, s.state
ORDER BY s.sent_at DESC, s.id DESC
