-- PostgreSQL only: the stored scores by run and unit. A rescore of one district deletes its
-- ~500 units' rows from score_units, score_groups and score_items (the nation's items are
-- 900,000 rows a run) and writes the ranks that moved: without these each is a scan of the run.
-- (The embedded DuckDB file needs none: its zone maps prune by run and a hash join finds the
-- units; an index there would only slow the writes. 018_score_indexes.sql is empty of DDL.)
CREATE INDEX IF NOT EXISTS score_units_run_unit ON score_units (run_id, unit_code);
CREATE INDEX IF NOT EXISTS score_groups_run_unit ON score_groups (run_id, unit_code);
CREATE INDEX IF NOT EXISTS score_items_run_unit ON score_items (run_id, unit_code);
