-- The old units unit $u continues (unit_lineage), with their names and the share of each that
-- went into it, in Vietnamese name order.
SELECT l.old_code, coalesce(u.name, l.old_code) AS old_name, l.share, l.share_basis, l.effective_date, l.source, l.reason
FROM unit_lineage l
LEFT JOIN units u ON u.code = l.old_code
WHERE l.new_code = $u
ORDER BY u.name COLLATE vi, l.old_code
