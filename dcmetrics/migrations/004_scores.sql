-- Scores kept between requests: one run per (profile version, basis, year), brought up to date
-- from the change log instead of rescoring the whole nation on every page view or upload.

-- What changed in scored data: a year (NULL = every year) and its units (NULL = every unit).
CREATE TABLE data_changes (
    seq        BIGINT PRIMARY KEY,
    year       INTEGER,
    unit_codes VARCHAR[],
    changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE SEQUENCE score_run_ids START 1;
-- How a stored result was computed: the exact profile (id, version, sha256 of its body, whose
-- weights and bands are kept in `frameworks`), the basis, the year, and the data it saw.
CREATE TABLE score_runs (
    id                BIGINT PRIMARY KEY DEFAULT nextval('score_run_ids'),
    framework_id      VARCHAR NOT NULL,
    framework_version VARCHAR NOT NULL,
    framework_sha256  VARCHAR NOT NULL,
    basis             VARCHAR NOT NULL,
    year              INTEGER NOT NULL,
    data_seq          BIGINT NOT NULL,
    computed_at       TIMESTAMP NOT NULL DEFAULT current_timestamp,
    last_mode         VARCHAR NOT NULL,
    n_units           INTEGER NOT NULL,
    UNIQUE (framework_id, framework_version, framework_sha256, basis, year)
);

CREATE TABLE score_units (
    run_id BIGINT NOT NULL, unit_code VARCHAR NOT NULL, year INTEGER NOT NULL,
    unit_name VARCHAR, unit_type VARCHAR, parent_code VARCHAR, parent_name VARCHAR, cluster VARCHAR,
    area_code VARCHAR, area_name VARCHAR, framework_id VARCHAR, framework_version VARCHAR, basis VARCHAR,
    base DOUBLE, deduction DOUBLE, bonus DOUBLE, raw_total DOUBLE, total DOUBLE, complete BOOLEAN,
    n_missing BIGINT, rated BOOLEAN, not_rated_reason VARCHAR, level VARCHAR, level_ord INTEGER,
    classification_cap VARCHAR, held_by VARCHAR, capped_by VARCHAR
);

CREATE TABLE score_groups (
    run_id BIGINT NOT NULL, unit_code VARCHAR NOT NULL, year INTEGER NOT NULL, group_key VARCHAR NOT NULL,
    group_ord INTEGER, max_points DOUBLE, points DOUBLE, n_missing BIGINT
);

CREATE TABLE score_items (
    run_id BIGINT NOT NULL, unit_code VARCHAR NOT NULL, year INTEGER NOT NULL, group_key VARCHAR NOT NULL,
    group_ord INTEGER, group_points DOUBLE, indicator VARCHAR NOT NULL, item_ord INTEGER, kind VARCHAR,
    rule_type VARCHAR, value DOUBLE, num DOUBLE, den DOUBLE, measured DOUBLE, self_value DOUBLE,
    self_num DOUBLE, self_den DOUBLE, use_appraisal BOOLEAN, appraisal_reason VARCHAR, appraised_by VARCHAR,
    appraised_at TIMESTAMP, submission_id BIGINT, missing BOOLEAN, not_applicable BOOLEAN,
    attainment DOUBLE, max_points DOUBLE, points DOUBLE
);
