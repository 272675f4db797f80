-- Accounts kept by the app and the audit trail.
--
-- accounts: the password only as an argon2 hash (never the password); the username as typed
-- (stripped, NFC) and username_key = its casefold, unique, so names are unique case-insensitively.
-- An account is bound to an area (a unit code of the tree); the units table is replaced as a
-- whole by replace_units, so area_code carries no foreign key and is checked by dcmetrics.access.
-- demo = created with the sample province (known passwords shown on the login page).
CREATE TABLE accounts (
    username      VARCHAR PRIMARY KEY,
    username_key  VARCHAR NOT NULL UNIQUE,
    password_hash VARCHAR NOT NULL CHECK (password_hash LIKE '$argon2%'),
    role          VARCHAR NOT NULL CHECK (role IN ('leader', 'committee', 'officer', 'reviewer', 'admin')),
    area_code     VARCHAR NOT NULL,
    display_name  VARCHAR NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT true,
    failed_count  INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    demo          BOOLEAN NOT NULL DEFAULT false,
    created_by    VARCHAR NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    password_changed_at TIMESTAMP NOT NULL
);

-- Insert-only audit trail. DuckDB has neither triggers nor privileges, so "insert-only" cannot be
-- enforced inside the database: the app has no code path that updates or deletes audit rows
-- (dcmetrics.audit only inserts and reads). Ids come from a sequence, so a deleted row leaves a
-- visible gap. No password or password hash is ever written here.
CREATE SEQUENCE audit_ids START 1;
CREATE TABLE audit (
    id          BIGINT PRIMARY KEY DEFAULT nextval('audit_ids'),
    "at"        TIMESTAMP NOT NULL,
    actor       VARCHAR NOT NULL,
    action      VARCHAR NOT NULL,
    object      VARCHAR,
    before_json JSON,
    after_json  JSON
);
