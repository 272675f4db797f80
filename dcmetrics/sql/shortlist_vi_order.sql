-- Vietnamese alphabetical order (ICU collation 'vi') of texts given as two parallel lists:
-- $keys (unit codes, cluster names ...) and $texts (the names to sort by). The shortlist breaks
-- ties of points with this order, then by key, so the same data always gives the same list.
WITH given AS (
    SELECT unnest(CAST($keys AS VARCHAR[])) AS key, unnest(CAST($texts AS VARCHAR[])) AS text
)
SELECT key, row_number() OVER (ORDER BY text COLLATE vi, key) AS ord
FROM given
