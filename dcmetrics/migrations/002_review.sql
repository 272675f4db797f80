-- Review of submissions by the province: approve (locks the area-year), return with a reason,
-- reopen. Every review action is kept.
ALTER TABLE submissions ADD COLUMN review_state VARCHAR NOT NULL DEFAULT 'pending';
ALTER TABLE submissions ADD COLUMN review_reason VARCHAR;
ALTER TABLE submissions ADD COLUMN reviewed_by VARCHAR;
ALTER TABLE submissions ADD COLUMN reviewed_at TIMESTAMP;

CREATE TABLE area_locks (
    area_code VARCHAR NOT NULL,
    year      INTEGER NOT NULL,
    locked_by VARCHAR NOT NULL,
    locked_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (area_code, year)
);

CREATE SEQUENCE review_ids START 1;
CREATE TABLE reviews (
    id            BIGINT PRIMARY KEY DEFAULT nextval('review_ids'),
    area_code     VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    submission_id BIGINT,
    action        VARCHAR NOT NULL CHECK (action IN ('approve', 'return', 'reopen', 'restore')),
    reason        VARCHAR,
    acted_by      VARCHAR NOT NULL,
    acted_at      TIMESTAMP NOT NULL DEFAULT current_timestamp
);
