-- A live document of the unit-year-indicator ($i NULL: the unit-year as a whole) with these bytes.
SELECT id, file_name, uploaded_by, uploaded_at
FROM evidence
WHERE unit_code = $u AND year = $y AND indicator IS NOT DISTINCT FROM $i AND sha256 = $sha AND deleted_at IS NULL
ORDER BY id
LIMIT 1
