-- Exact scores: points, totals and attainments are DECIMALs computed without DOUBLE (sql/
-- exact_macros.sql), group points are also kept exact (raw_points) beside the points the
-- profile's rounding keeps, and each run records the rounding it applied. Runs stored before
-- were summed in DOUBLE: dropped, they are scored again when first asked for.
-- (Reported values stay DOUBLE in observations and appraisals: uploads and appraisals keep at
-- most six decimals, which DOUBLE holds and CAST(... AS DECIMAL(18, 6)) gives back exactly.)
DROP TABLE score_items;
DROP TABLE score_groups;
DROP TABLE score_units;
DELETE FROM score_runs;

ALTER TABLE score_runs ADD COLUMN arithmetic VARCHAR;
ALTER TABLE score_runs ADD COLUMN total_decimals INTEGER;
ALTER TABLE score_runs ADD COLUMN group_decimals INTEGER;
ALTER TABLE score_runs ADD COLUMN rounding_rule VARCHAR;

CREATE TABLE score_units (
    run_id BIGINT NOT NULL, unit_code VARCHAR NOT NULL, year INTEGER NOT NULL,
    unit_name VARCHAR, unit_type VARCHAR, parent_code VARCHAR, parent_name VARCHAR, cluster VARCHAR,
    area_code VARCHAR, area_name VARCHAR, framework_id VARCHAR, framework_version VARCHAR, basis VARCHAR,
    base DECIMAL(38, 12), deduction DECIMAL(38, 12), bonus DECIMAL(38, 12), raw_total DECIMAL(38, 12),
    total DECIMAL(18, 6), complete BOOLEAN, n_missing BIGINT, rated BOOLEAN, not_rated_reason VARCHAR,
    level VARCHAR, level_ord INTEGER, classification_cap VARCHAR, held_by VARCHAR, capped_by VARCHAR,
    rank BIGINT, rank_parent BIGINT, rank_type BIGINT, rank_cluster BIGINT, n_rated BIGINT, name_ord BIGINT,
    group_points DECIMAL(18, 6)[]
);

CREATE TABLE score_groups (
    run_id BIGINT NOT NULL, unit_code VARCHAR NOT NULL, year INTEGER NOT NULL, group_key VARCHAR NOT NULL,
    group_ord INTEGER, max_points DECIMAL(18, 6), points DECIMAL(18, 6), raw_points DECIMAL(38, 12),
    n_missing BIGINT
);

CREATE TABLE score_items (
    run_id BIGINT NOT NULL, unit_code VARCHAR NOT NULL, year INTEGER NOT NULL, group_key VARCHAR NOT NULL,
    group_ord INTEGER, group_points DECIMAL(18, 6), indicator VARCHAR NOT NULL, item_ord INTEGER, kind VARCHAR,
    rule_type VARCHAR, value DECIMAL(18, 6), num DECIMAL(18, 6), den DECIMAL(18, 6), measured DECIMAL(38, 12),
    self_value DECIMAL(18, 6), self_num DECIMAL(18, 6), self_den DECIMAL(18, 6), use_appraisal BOOLEAN,
    appraisal_reason VARCHAR, appraised_by VARCHAR, appraised_at TIMESTAMP, submission_id BIGINT,
    missing BOOLEAN, not_applicable BOOLEAN, attainment DECIMAL(38, 12), weight DECIMAL(18, 6),
    weight_sum DECIMAL(38, 6), max_points DECIMAL(38, 12), points DECIMAL(38, 12)
);
