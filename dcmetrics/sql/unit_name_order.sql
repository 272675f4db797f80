-- Each unit's place in Vietnamese name order (COLLATE vi, then code), for unit_name_order.
SELECT code, row_number() OVER (ORDER BY name COLLATE vi, code) AS name_ord
FROM units
