-- One account by its case-insensitive key, with the hash (never leaves dcmetrics.access).
SELECT username, role, area_code, display_name, active, failed_count, locked_until, password_hash, demo,
       last_failed_at
FROM accounts
WHERE username_key = $key
