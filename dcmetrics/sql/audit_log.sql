-- The audit trail, newest first, each filter optional (NULL = no filter); $who matches the
-- actor case-insensitively.
SELECT id, "at", actor, action, object, before_json::VARCHAR AS before_json, after_json::VARCHAR AS after_json
FROM audit
WHERE ($since IS NULL OR "at" >= $since)
  AND ($until IS NULL OR "at" < $until)
  AND ($action IS NULL OR action = $action)
  AND ($who IS NULL OR lower(actor) = lower($who))
ORDER BY id DESC
