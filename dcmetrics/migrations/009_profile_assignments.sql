-- Which profile evaluates which units in which years (a merged province may evaluate its former
-- territory under the absorbed province's resolution, Law on Promulgation of Legal Documents 2025,
-- Art. 54(2)): by area (a node and everything below it), unit types and years. No row at all:
-- every profile may score every unit (the dashboard then offers them as alternatives).
CREATE SEQUENCE profile_assignment_ids START 1;
CREATE TABLE profile_assignments (
    id         BIGINT PRIMARY KEY DEFAULT nextval('profile_assignment_ids'),
    profile_id VARCHAR NOT NULL,
    area_code  VARCHAR NOT NULL,
    unit_types VARCHAR[],            -- NULL: every evaluated type
    year_from  INTEGER NOT NULL,
    year_to    INTEGER,              -- NULL: open-ended
    reason     VARCHAR NOT NULL,     -- e.g. «địa bàn tỉnh Bắc Giang cũ: NQ 46 còn hiệu lực (Luật 2025, Điều 54 khoản 2)»
    set_by     VARCHAR NOT NULL,
    set_at     TIMESTAMP NOT NULL DEFAULT current_timestamp
);
