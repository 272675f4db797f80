-- The evaluation period of a year (issue 17), province-wide: uploads open on opens_on, are on time
-- through submit_by (the whole day), reviewers work until review_by, nothing is taken after
-- closes_on unless a reviewer reopens the area. late_policy: what an upload after submit_by
-- gets, 'accept_late' (stored, marked late) or 'refuse'. A year without a row has no period:
-- uploads are open and nothing is late.
CREATE TABLE evaluation_periods (
    year        INTEGER PRIMARY KEY,
    opens_on    DATE NOT NULL,
    submit_by   DATE NOT NULL,
    review_by   DATE NOT NULL,
    closes_on   DATE NOT NULL,
    late_policy VARCHAR NOT NULL CHECK (late_policy IN ('accept_late', 'refuse')),
    set_by      VARCHAR NOT NULL,
    set_at      TIMESTAMP NOT NULL,
    CHECK (opens_on <= submit_by AND submit_by <= review_by AND review_by <= closes_on)
);

-- Areas a reviewer reopened for a year after its deadline or closing: they (and the areas below
-- them) may upload again, marked late. The latest reopening per area-year; the audit keeps all.
CREATE TABLE period_reopenings (
    area_code   VARCHAR NOT NULL,
    year        INTEGER NOT NULL,
    reason      VARCHAR NOT NULL,
    reopened_by VARCHAR NOT NULL,
    reopened_at TIMESTAMP NOT NULL,
    PRIMARY KEY (area_code, year)
);

-- Whether a file came after its year's deadline, as judged when it was stored; NULL for files
-- stored before periods existed (completeness then compares sent_at with the deadline).
ALTER TABLE submissions ADD COLUMN IF NOT EXISTS late BOOLEAN;
