-- Every old → new link with both units' names, for the administrator's table: by old unit, then new.
SELECT l.old_code, coalesce(o.name, l.old_code) AS old_name, l.new_code, coalesce(n.name, l.new_code) AS new_name,
       l.effective_date, l.share, l.share_basis, l.is_default, l.source, l.reason, l.recorded_at
FROM unit_lineage l
LEFT JOIN units o ON o.code = l.old_code
LEFT JOIN units n ON n.code = l.new_code
ORDER BY o.name COLLATE vi, l.old_code, n.name COLLATE vi, l.new_code
