-- Indexes on the stored scores by run and unit, for PostgreSQL only (018_score_indexes.pg.sql).
-- The embedded DuckDB file needs none: its zone maps prune the rows by run and a hash join finds
-- a district's units; an ART index there would only slow the writes of every run. Nothing to do.
SELECT 1;
