-- The evidence documents of a unit-year (without their bytes), newest first; deleted ones only
-- when $deleted.
SELECT e.id, e.unit_code, e.year, e.indicator, e.description, e.file_name, e.file_type, e.mime,
       e.size_bytes, e.sha256, e.uploaded_by, e.uploaded_at, e.deleted_by, e.deleted_at, e.delete_reason
FROM evidence e
WHERE e.unit_code = $u AND e.year = $y AND ($deleted OR e.deleted_at IS NULL)
ORDER BY e.uploaded_at DESC, e.id DESC
