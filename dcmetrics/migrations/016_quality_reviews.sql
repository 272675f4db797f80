-- Data-quality findings a reviewer has looked at (issue 18), with the required note. Findings
-- are recomputed from the figures at every view; `finding_key` names one finding by what it is
-- (kind, year, unit, indicator) and the values it was found on (fingerprint), so a review
-- survives recomputation and a finding whose value changed has another key: not reviewed again.
CREATE TABLE IF NOT EXISTS quality_reviews (
    finding_key VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL CHECK (kind IN ('outlier', 'jump', 'empty', 'duplicate')),
    year        INTEGER NOT NULL,
    unit_code   VARCHAR NOT NULL,  -- for an indicator nobody reported: the area
    indicator   VARCHAR,           -- NULL for a duplicate row (the whole row)
    fingerprint VARCHAR NOT NULL,
    note        VARCHAR NOT NULL,
    reviewed_by VARCHAR NOT NULL,
    reviewed_at TIMESTAMP NOT NULL
);
