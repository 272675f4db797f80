-- Completeness of year $y, one row per evaluated unit in scope: what is expected (one figure per
-- indicator the profile asks of the unit's type, c_applies), what its current file carries, whether
-- that file came late, and the review state of its figures.
--   scope: the subtree of $root (NULL: every unit); only the profile's types (c_types), active in
--   $y, of $unit_type when given, and, when the profile is assigned by territory ($restricted),
--   only its units (c_units).
--   area: who sends the unit's figures: the nearest node at or above it that uploads (a district;
--   a commune directly under the province; a department with units below it), else the root.
--   current file: the newest current submission carrying the unit (as values.sql reads figures).
--   late: as recorded at upload; a file stored before periods existed is judged by its sent_at.
--   review state: unit_reviews when it belongs to that very file, else the file's own state.
WITH RECURSIVE has_children AS (
    SELECT DISTINCT parent_code AS code FROM units WHERE parent_code IS NOT NULL
),
tree(code, type, area) AS (
    SELECT code, type, code FROM units WHERE parent_code IS NULL
    UNION ALL
    SELECT u.code, u.type,
           CASE WHEN (u.type = 'commune' AND t.type = 'province')
                  OR (u.type NOT IN ('commune', 'village') AND u.code IN (SELECT code FROM has_children))
                THEN u.code ELSE t.area END
    FROM units u JOIN tree t ON u.parent_code = t.code
),
scope(code) AS (
    SELECT code FROM units WHERE (CAST($root AS VARCHAR) IS NULL AND parent_code IS NULL) OR code = $root
    UNION ALL
    SELECT u.code FROM units u JOIN scope s ON u.parent_code = s.code
),
ev AS (
    SELECT u.code AS unit_code, u.name AS unit_name, u.type AS unit_type, t.area AS area_code
    FROM scope JOIN units u USING (code) JOIN tree t USING (code)
    WHERE u.type IN (SELECT unit_type FROM c_types)
      AND (u.active_from IS NULL OR u.active_from <= $y)
      AND (u.active_to IS NULL OR u.active_to >= $y)
      AND (CAST($unit_type AS VARCHAR) IS NULL OR u.type = $unit_type)
      AND (NOT CAST($restricted AS BOOLEAN) OR u.code IN (SELECT unit_code FROM c_units))
),
expected AS (
    SELECT ev.unit_code, count(*) AS n_expected
    FROM ev JOIN c_applies a ON a.unit_type = ev.unit_type
    GROUP BY ev.unit_code
),
carried AS (
    SELECT o.unit_code, max(o.submission_id) AS submission_id
    FROM observations o JOIN submissions s ON s.id = o.submission_id
    WHERE s.state = 'current' AND o.year = $y AND o.unit_code IN (SELECT unit_code FROM ev)
    GROUP BY o.unit_code
),
present AS (
    SELECT c.unit_code, count(*) AS n_submitted
    FROM carried c
    JOIN observations o ON o.submission_id = c.submission_id AND o.unit_code = c.unit_code
    JOIN ev ON ev.unit_code = c.unit_code
    JOIN c_applies a ON a.unit_type = ev.unit_type AND a.indicator = o.indicator
    WHERE o.value IS NOT NULL OR (o.num IS NOT NULL AND o.den IS NOT NULL)
    GROUP BY c.unit_code
)
SELECT ev.area_code, ar.name AS area_name, ev.unit_code, ev.unit_name, ev.unit_type,
       coalesce(e.n_expected, 0) AS n_expected, coalesce(p.n_submitted, 0) AS n_submitted,
       c.submission_id, s.sent_by, s.sent_at,
       CASE WHEN c.submission_id IS NULL THEN NULL
            ELSE coalesce(s.late, per.submit_by IS NOT NULL AND CAST(s.sent_at AS DATE) > per.submit_by) END AS late,
       CASE WHEN c.submission_id IS NULL THEN 'missing'
            WHEN r.submission_id = c.submission_id THEN r.state
            WHEN s.review_state IN ('approved', 'returned') THEN s.review_state
            ELSE 'submitted' END AS review_state,
       CASE WHEN r.submission_id = c.submission_id THEN r.reason ELSE s.review_reason END AS review_reason
FROM ev
LEFT JOIN units ar ON ar.code = ev.area_code
LEFT JOIN expected e ON e.unit_code = ev.unit_code
LEFT JOIN carried c ON c.unit_code = ev.unit_code
LEFT JOIN present p ON p.unit_code = ev.unit_code
LEFT JOIN submissions s ON s.id = c.submission_id
LEFT JOIN unit_reviews r ON r.unit_code = ev.unit_code AND r.year = $y
LEFT JOIN evaluation_periods per ON per.year = $y
WHERE coalesce(e.n_expected, 0) > 0
ORDER BY ar.name COLLATE vi, ev.area_code, ev.unit_name COLLATE vi, ev.unit_code
