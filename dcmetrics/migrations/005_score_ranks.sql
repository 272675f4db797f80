-- Ranks are kept with the stored totals: taking them again over the nation's units on every
-- read cost more than everything else a page does. They are taken once per run whenever a
-- change rescored some of its units (run_ranks.sql). name_ord is the unit's place in Vietnamese
-- name order (COLLATE vi), so that reads order by an integer; group_points the points of each
-- group in the profile's order, so that the ranking's columns per group need no second read.
ALTER TABLE score_units ADD COLUMN rank BIGINT;
ALTER TABLE score_units ADD COLUMN rank_parent BIGINT;
ALTER TABLE score_units ADD COLUMN rank_type BIGINT;
ALTER TABLE score_units ADD COLUMN rank_cluster BIGINT;
ALTER TABLE score_units ADD COLUMN n_rated BIGINT;
ALTER TABLE score_units ADD COLUMN name_ord BIGINT;
ALTER TABLE score_units ADD COLUMN group_points DOUBLE[];

-- runs stored before have no ranks: dropped, they are scored again when first asked for
DELETE FROM score_items;
DELETE FROM score_groups;
DELETE FROM score_units;
DELETE FROM score_runs;
