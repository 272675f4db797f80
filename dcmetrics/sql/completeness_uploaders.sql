-- The active uploader accounts (officers) bound to each of the areas $areas, as one text per area.
SELECT area_code, string_agg(display_name || ' (' || username || ')', '; ' ORDER BY username) AS uploaders
FROM accounts
WHERE role = 'officer' AND active AND area_code IN (SELECT unnest($areas::VARCHAR[]))
GROUP BY area_code
