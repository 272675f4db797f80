-- Each unit's place when units are sorted by name the Vietnamese way (COLLATE vi, then code).
-- Sorting the nation's names with ICU costs ~0.1 s, so it is done when the registry changes
-- (units.replace_units) and copied into score_units.name_ord when score rows are written
-- (unit_rows_to_store.sql), not taken again whenever a change rescores some units.
CREATE TABLE IF NOT EXISTS unit_name_order (  -- (a development build created it in 005)
    code     VARCHAR PRIMARY KEY,
    name_ord BIGINT NOT NULL
);
DELETE FROM unit_name_order;
INSERT INTO unit_name_order
SELECT code, row_number() OVER (ORDER BY name COLLATE vi, code) FROM units;

-- stored runs took name_ord their own way: dropped, they are scored again when first asked for
DELETE FROM score_items;
DELETE FROM score_groups;
DELETE FROM score_units;
DELETE FROM score_runs;
