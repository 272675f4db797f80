-- Village-level units (thôn, tổ dân phố, khu phố, ấp; type 'village', below a commune) in the
-- registry. DuckDB cannot alter a CHECK constraint, so `units` is rebuilt with the same columns,
-- in the same order (write_registry inserts SELECT *), the same primary key and every row.
-- No table references units by a foreign key (the registry is replaced as a whole, 003), and
-- no index or view is built on it; unit_name_order (006) is keyed by code and stays as it is.
-- That a village's parent is a commune is checked by dcmetrics.units.check_units (a CHECK
-- cannot look at another row).
CREATE TABLE units_011 (
    code        VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL CHECK (type IN ('province', 'district', 'commune', 'agency', 'service', 'enterprise',
                                             'village')),
    parent_code VARCHAR,
    cluster     VARCHAR,
    active_from INTEGER,
    active_to   INTEGER
);
INSERT INTO units_011 (code, name, type, parent_code, cluster, active_from, active_to)
SELECT code, name, type, parent_code, cluster, active_from, active_to FROM units;
DROP TABLE units;
ALTER TABLE units_011 RENAME TO units;
