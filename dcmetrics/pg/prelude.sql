-- PostgreSQL only, applied with migration 1: what the DuckDB SQL of dcmetrics/sql and the
-- migrations calls that PostgreSQL lacks, with the same name and meaning, so that the same text
-- runs on both stores.

-- Vietnamese name order (DuckDB: the ICU extension's `vi`; here ICU's, Debian builds with it).
CREATE COLLATION IF NOT EXISTS vi (provider = icu, locale = 'vi');

-- DuckDB's list_contains(list, element): NULL for a NULL list or element, else true or false
-- (never NULL for a list holding NULLs, unlike `= ANY`). Polymorphic, so a parameter given as
-- NULL takes its type from the element (`$units IS NULL OR list_contains($units, code)`); a
-- one-expression SQL function, which the planner inlines.
CREATE OR REPLACE FUNCTION list_contains(list anycompatiblearray, element anycompatible) RETURNS boolean
LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN list IS NULL OR element IS NULL THEN NULL ELSE coalesce(element = ANY(list), false) END $$;
