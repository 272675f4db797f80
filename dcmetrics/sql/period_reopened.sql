-- The reopening of $y that covers the area $area: its own, else that of the nearest area above it.
WITH RECURSIVE up(code, depth) AS (
    SELECT CAST($area AS VARCHAR), 0  -- typed: PostgreSQL makes a bare parameter text
    UNION ALL
    SELECT u.parent_code, up.depth + 1 FROM up JOIN units u ON u.code = up.code WHERE u.parent_code IS NOT NULL
)
SELECT r.area_code, r.reason, r.reopened_by, r.reopened_at
FROM up JOIN period_reopenings r ON r.area_code = up.code AND r.year = $y
ORDER BY up.depth
LIMIT 1
