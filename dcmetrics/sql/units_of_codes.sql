-- The registry's rows of the codes $codes (a list), as units_all gives them.
SELECT code, name, type, parent_code, cluster, active_from, active_to
FROM units
WHERE code IN (SELECT unnest(CAST($codes AS VARCHAR[])))
ORDER BY type, name COLLATE vi, code
