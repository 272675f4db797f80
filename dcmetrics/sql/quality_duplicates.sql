-- Identical rows from different units in year $y: units of the same type whose whole row of
-- values (every indicator the profile asks, as sent) is the same, rows left wholly empty aside.
-- The row is its filled cells (an absent cell and an empty one are the same: empty).
-- `fingerprint`: the row's md5; `others`: the other units with that row.
-- Each number is written as DuckDB's CAST(DOUBLE AS VARCHAR) writes it ('3.0', '-0.0', '0.1',
-- '1e+16'): PostgreSQL writes a whole number without '.0', and the fingerprint is part of the
-- key a reviewer's mark is stored under (quality_reviews), so it must not depend on the store.
WITH cells AS (
    SELECT unit_code, unit_type, submission_id, indicator, empty,
           CASE WHEN value = 0 THEN CASE WHEN CAST(value AS VARCHAR) LIKE '-%' THEN '-0.0' ELSE '0.0' END
                WHEN value = floor(value) AND abs(value) < 1e16 THEN CAST(CAST(value AS BIGINT) AS VARCHAR) || '.0'
                ELSE CAST(value AS VARCHAR) END AS value_text,
           CASE WHEN num = 0 THEN CASE WHEN CAST(num AS VARCHAR) LIKE '-%' THEN '-0.0' ELSE '0.0' END
                WHEN num = floor(num) AND abs(num) < 1e16 THEN CAST(CAST(num AS BIGINT) AS VARCHAR) || '.0'
                ELSE CAST(num AS VARCHAR) END AS num_text,
           CASE WHEN den = 0 THEN CASE WHEN CAST(den AS VARCHAR) LIKE '-%' THEN '-0.0' ELSE '0.0' END
                WHEN den = floor(den) AND abs(den) < 1e16 THEN CAST(CAST(den AS BIGINT) AS VARCHAR) || '.0'
                ELSE CAST(den AS VARCHAR) END AS den_text
    FROM q_all
    WHERE year = $y AND (value IS NOT NULL OR num IS NOT NULL OR den IS NOT NULL)
),
rows_ AS (
    -- one file per unit and year (q_sent): min() is that file
    SELECT unit_code, unit_type, min(submission_id) AS submission_id,
           count(*) FILTER (WHERE NOT empty) AS n_values,
           md5(string_agg(indicator || '=' || coalesce(value_text, '') || '/' || coalesce(num_text, '') || '/'
                          || coalesce(den_text, ''), ';' ORDER BY indicator)) AS fingerprint
    FROM cells
    GROUP BY unit_code, unit_type
    HAVING count(*) FILTER (WHERE NOT empty) > 0
),
counted AS (
    SELECT *, count(*) OVER (PARTITION BY unit_type, fingerprint) AS n_same FROM rows_
)
SELECT r.unit_code, r.unit_type, r.submission_id, s.file_name, r.n_values, r.fingerprint,
       (SELECT array_agg(o.unit_code ORDER BY o.unit_code) FROM rows_ o
        WHERE o.unit_type = r.unit_type AND o.fingerprint = r.fingerprint AND o.unit_code <> r.unit_code) AS others
FROM counted r
JOIN submissions s ON s.id = r.submission_id
WHERE r.n_same >= 2
ORDER BY r.fingerprint, r.unit_code
