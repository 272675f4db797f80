-- Years with current data, newest first.
SELECT DISTINCT o.year
FROM observations o JOIN submissions s ON s.id = o.submission_id AND s.state = 'current'
ORDER BY o.year DESC
