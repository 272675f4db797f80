-- Identical rows from different units in year $y: units of the same type whose whole row of
-- values (every indicator the profile asks, as sent) is the same, rows left wholly empty aside.
-- The row is its filled cells (an absent cell and an empty one are the same: empty).
-- `fingerprint`: the row's md5; `others`: the other units with that row.
WITH rows_ AS (
    SELECT unit_code, unit_type, any_value(submission_id) AS submission_id,
           count(*) FILTER (WHERE NOT empty) AS n_values,
           md5(string_agg(indicator || '=' || coalesce(CAST(value AS VARCHAR), '') || '/'
                          || coalesce(CAST(num AS VARCHAR), '') || '/' || coalesce(CAST(den AS VARCHAR), ''),
                          ';' ORDER BY indicator)) AS fingerprint
    FROM q_all
    WHERE year = $y AND (value IS NOT NULL OR num IS NOT NULL OR den IS NOT NULL)
    GROUP BY unit_code, unit_type
    HAVING count(*) FILTER (WHERE NOT empty) > 0
),
groups_ AS (
    SELECT unit_type, fingerprint, list(unit_code ORDER BY unit_code) AS members
    FROM rows_ GROUP BY unit_type, fingerprint HAVING count(*) >= 2
)
SELECT r.unit_code, r.unit_type, r.submission_id, s.file_name, r.n_values, r.fingerprint,
       list_filter(g.members, lambda m: m <> r.unit_code) AS others
FROM rows_ r
JOIN groups_ g USING (unit_type, fingerprint)
JOIN submissions s ON s.id = r.submission_id
ORDER BY r.fingerprint, r.unit_code
