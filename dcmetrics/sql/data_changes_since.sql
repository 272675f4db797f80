-- Changes to scored data after $seq that touch year $y (a NULL year or NULL units = everything).
SELECT seq, year, unit_codes
FROM data_changes
WHERE seq > $seq AND (year IS NULL OR year = $y)
ORDER BY seq
