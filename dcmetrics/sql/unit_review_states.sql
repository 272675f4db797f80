-- The review state of the figures of units in year $y ($units: only these; NULL: all), with the
-- area whose file carries them.
SELECT r.unit_code, r.year, r.state AS review_state, r.reason AS review_reason, r.acted_by AS reviewed_by,
       r.acted_at AS reviewed_at, r.submission_id, s.area_code
FROM unit_reviews r
JOIN submissions s ON s.id = r.submission_id
WHERE r.year = $y AND (CAST($units AS VARCHAR[]) IS NULL OR list_contains($units, r.unit_code))
ORDER BY r.unit_code
