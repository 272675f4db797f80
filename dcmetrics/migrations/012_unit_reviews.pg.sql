-- 012_unit_reviews.sql for PostgreSQL: the same table and rows; PostgreSQL has no QUALIFY, so
-- the newest current file per unit-year is taken with DISTINCT ON.
CREATE TABLE unit_reviews (
    unit_code     VARCHAR NOT NULL,
    year          INTEGER NOT NULL,
    submission_id BIGINT NOT NULL,
    state         VARCHAR NOT NULL CHECK (state IN ('submitted', 'returned', 'approved')),
    reason        VARCHAR,
    acted_by      VARCHAR,
    acted_at      TIMESTAMP,
    PRIMARY KEY (unit_code, year)
);

INSERT INTO unit_reviews (unit_code, year, submission_id, state, reason, acted_by, acted_at)
SELECT DISTINCT ON (o.unit_code, o.year) o.unit_code, o.year, s.id,
       CASE s.review_state WHEN 'approved' THEN 'approved' WHEN 'returned' THEN 'returned' ELSE 'submitted' END,
       s.review_reason, s.reviewed_by, s.reviewed_at
FROM (SELECT DISTINCT submission_id, unit_code, year FROM observations) o
JOIN submissions s ON s.id = o.submission_id AND s.state = 'current'
ORDER BY o.unit_code, o.year, s.id DESC;
