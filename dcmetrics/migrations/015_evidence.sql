-- Evidence documents (minh chứng, issue 17): files attached to a unit-year, optionally to one
-- indicator. The bytes are kept (BLOB) with their SHA-256; a deleted document keeps its row
-- (deleted_by/deleted_at set) so the history says what was there and who removed it.
CREATE SEQUENCE evidence_ids START 1;
CREATE TABLE evidence (
    id            BIGINT PRIMARY KEY DEFAULT nextval('evidence_ids'),
    unit_code     VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    indicator     VARCHAR,                 -- NULL: the unit-year as a whole
    description   VARCHAR NOT NULL DEFAULT '',
    file_name     VARCHAR NOT NULL,        -- NFC, without any folder
    file_type     VARCHAR NOT NULL,        -- detected on the bytes: pdf, png, jpeg, docx, xlsx, pptx, doc, xls, ppt
    mime          VARCHAR NOT NULL,
    size_bytes    BIGINT NOT NULL,
    sha256        VARCHAR NOT NULL,
    content       BLOB NOT NULL,
    uploaded_by   VARCHAR NOT NULL,
    uploaded_at   TIMESTAMP NOT NULL,
    deleted_by    VARCHAR,
    deleted_at    TIMESTAMP,
    delete_reason VARCHAR
);

-- Indicators for which a reviewer requires evidence in a year: from every unit below `area_code`
-- whose type the indicator applies to.
CREATE TABLE evidence_requirements (
    year        INTEGER NOT NULL,
    area_code   VARCHAR NOT NULL,
    indicator   VARCHAR NOT NULL,
    required_by VARCHAR NOT NULL,
    required_at TIMESTAMP NOT NULL,
    PRIMARY KEY (year, area_code, indicator)
);
