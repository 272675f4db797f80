-- Every account for the administrators' page, without the password hash.
SELECT a.username, a.role, a.area_code, u.name AS area_name, a.display_name, a.active,
       a.failed_count, a.locked_until, a.demo, a.created_by, a.created_at, a.password_changed_at
FROM accounts a LEFT JOIN units u ON u.code = a.area_code
ORDER BY a.username_key
