-- The review state of each unit-year's figures (issue 17): submitted (self-assessed, awaiting
-- review), returned (with its reason, until the figures are sent again) or approved (locked).
-- `submission_id` is the file whose rows are the unit's current figures: a state belongs to
-- those figures, so a new file carrying the unit starts it again at 'submitted'. Only approved
-- figures enter the appraised basis; the self-assessed basis shows every unit-year here.
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

-- Every unit of a current file takes the review state of that file (its area's state until now);
-- a unit in two current files (a province-wide file and a district's) follows the newest.
INSERT INTO unit_reviews (unit_code, year, submission_id, state, reason, acted_by, acted_at)
SELECT o.unit_code, o.year, s.id,
       CASE s.review_state WHEN 'approved' THEN 'approved' WHEN 'returned' THEN 'returned' ELSE 'submitted' END,
       s.review_reason, s.reviewed_by, s.reviewed_at
FROM (SELECT DISTINCT submission_id, unit_code, year FROM observations) o
JOIN submissions s ON s.id = o.submission_id AND s.state = 'current'
QUALIFY row_number() OVER (PARTITION BY o.unit_code, o.year ORDER BY s.id DESC) = 1;
