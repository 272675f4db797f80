-- Every unit of the registry, Vietnamese name order inside each type.
SELECT code, name, type, parent_code, cluster, active_from, active_to
FROM units
ORDER BY type, name COLLATE vi, code
