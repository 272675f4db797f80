-- Units across the 2025 reorganisation: which old unit continued in which new one (an old
-- commune divided between several new ones has a row for each, with its share), and where a
-- unit lies (official coordinates, for the map). Filled by units.import_official from the
-- package's data, or by an administrator's entry with a reason.
CREATE TABLE unit_lineage (
    old_code       VARCHAR NOT NULL,
    new_code       VARCHAR NOT NULL,
    effective_date DATE NOT NULL,
    share          DOUBLE NOT NULL,          -- the part of the old unit that went to the new one (1/3 ...)
    share_basis    VARCHAR NOT NULL,         -- whole | equal | area | entered
    is_default     BOOLEAN NOT NULL,         -- the new commune the package names first for a divided one
    source         VARCHAR NOT NULL,         -- "vietnamadminunits 1.0.4", or who entered it
    reason         VARCHAR,                  -- an administrator's entry: why
    recorded_at    TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (old_code, new_code)
);

CREATE TABLE unit_places (
    code VARCHAR PRIMARY KEY,
    lat  DOUBLE,
    lon  DOUBLE
);
