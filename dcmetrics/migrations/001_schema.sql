-- Units, framework versions, submissions and their observations, appraisals.
CREATE TABLE units (
    code        VARCHAR PRIMARY KEY,
    name        VARCHAR NOT NULL,
    type        VARCHAR NOT NULL CHECK (type IN ('province', 'district', 'commune', 'agency', 'service', 'enterprise')),
    parent_code VARCHAR,
    cluster     VARCHAR,
    active_from INTEGER,
    active_to   INTEGER
);

-- The exact profile body every score was computed with; a version never changes once stored.
CREATE TABLE frameworks (
    id        VARCHAR NOT NULL,
    version   VARCHAR NOT NULL,
    title     VARCHAR NOT NULL,
    document  VARCHAR NOT NULL,
    sha256    VARCHAR NOT NULL,
    body_json JSON NOT NULL,
    loaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (id, version)
);

CREATE SEQUENCE submission_ids START 1;

-- One uploaded file for an area and a year. state: current | replaced.
CREATE TABLE submissions (
    id        BIGINT PRIMARY KEY DEFAULT nextval('submission_ids'),
    area_code VARCHAR NOT NULL,
    year      INTEGER NOT NULL,
    file_name VARCHAR NOT NULL,
    sha256    VARCHAR NOT NULL,
    content   BLOB NOT NULL,
    sent_by   VARCHAR NOT NULL,
    sent_at   TIMESTAMP NOT NULL DEFAULT current_timestamp,
    state     VARCHAR NOT NULL DEFAULT 'current' CHECK (state IN ('current', 'replaced')),
    n_rows    INTEGER NOT NULL
);

-- Self-assessed values as sent. Ratio indicators keep numerator and denominator, value is NULL.
CREATE TABLE observations (
    submission_id BIGINT NOT NULL,
    unit_code     VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    indicator     VARCHAR NOT NULL,
    value         DOUBLE,
    num           DOUBLE,
    den           DOUBLE,
    raw           VARCHAR,
    PRIMARY KEY (submission_id, unit_code, indicator)
);

-- Values set by the level above, with the reason; the latest per unit, year, indicator counts.
CREATE SEQUENCE appraisal_ids START 1;
CREATE TABLE appraisals (
    id           BIGINT PRIMARY KEY DEFAULT nextval('appraisal_ids'),
    unit_code    VARCHAR NOT NULL,
    year         INTEGER NOT NULL,
    indicator    VARCHAR NOT NULL,
    value        DOUBLE,
    num          DOUBLE,
    den          DOUBLE,
    reason       VARCHAR NOT NULL,
    appraised_by VARCHAR NOT NULL,
    appraised_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    active       BOOLEAN NOT NULL DEFAULT true
);

-- Small key/value facts: data_version (bumped by every change to scored data), sample_loaded.
CREATE TABLE meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
INSERT INTO meta VALUES ('data_version', '0');
