-- The audit trail, newest first, each filter optional (NULL = no filter); $who matches the
-- actor case-insensitively. The casts type a NULL for PostgreSQL (DuckDB reads them the same).
SELECT id, "at", actor, action, object, before_json::VARCHAR AS before_json, after_json::VARCHAR AS after_json
FROM audit
WHERE (CAST($since AS TIMESTAMP) IS NULL OR "at" >= $since)
  AND (CAST($until AS TIMESTAMP) IS NULL OR "at" < $until)
  AND (CAST($action AS VARCHAR) IS NULL OR action = $action)
  AND (CAST($who AS VARCHAR) IS NULL OR lower(actor) = lower($who))
ORDER BY id DESC
