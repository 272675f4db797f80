-- Profiles edited in the app: a draft is the TOML text of a new version being prepared from a
-- published one; publishing writes it to data/frameworks (TOML stays the storage and the export
-- format) and the draft then stays as it was published, never edited again.
CREATE SEQUENCE framework_draft_ids START 1;
CREATE TABLE framework_drafts (
    id                BIGINT PRIMARY KEY DEFAULT nextval('framework_draft_ids'),
    profile_id        VARCHAR NOT NULL,
    base_version      VARCHAR NOT NULL,
    body_toml         VARCHAR NOT NULL,
    state             VARCHAR NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published')),
    created_by        VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    updated_at        TIMESTAMP NOT NULL DEFAULT current_timestamp,
    published_version VARCHAR,
    effective_from    INTEGER,
    reason            VARCHAR
);
