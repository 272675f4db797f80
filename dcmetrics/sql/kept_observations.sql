-- The current figures of area $a for year $y of the units not in the file ($codes): what a file
-- carrying only some units leaves as they are (copied into the new submission, state kept).
SELECT o.unit_code, o.year, o.indicator, o.value, o.num, o.den, o.raw, CAST(NULL AS INTEGER) AS "row"
FROM observations o
JOIN submissions s ON s.id = o.submission_id
WHERE s.area_code = $a AND s.year = $y AND s.state = 'current' AND o.year = $y
  AND o.unit_code NOT IN (SELECT unnest(CAST($codes AS VARCHAR[])))  -- an anti-join: the list hashed once
ORDER BY o.unit_code, o.indicator
