-- The units of area $a's current file for year $y and the review state of their figures.
SELECT r.unit_code, u.name AS unit_name, r.state AS review_state, r.reason AS review_reason,
       r.acted_by AS reviewed_by, r.acted_at AS reviewed_at
FROM submissions s
JOIN unit_reviews r ON r.submission_id = s.id AND r.year = s.year
JOIN units u ON u.code = r.unit_code
WHERE s.area_code = $a AND s.year = $y AND s.state = 'current'
ORDER BY u.name COLLATE vi, r.unit_code
