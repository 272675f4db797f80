-- The units carried by the submissions $ids (what a new file of the same area-year replaces).
SELECT DISTINCT o.unit_code
FROM observations o
WHERE list_contains($ids, o.submission_id)
ORDER BY o.unit_code
