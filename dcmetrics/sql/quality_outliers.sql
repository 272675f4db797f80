-- Values far from their peers (the same unit type, the same area, the same indicator) in year $y:
-- robust rule |x − median| > $k · 1.4826 · MAD, in groups of at least $min_peers reported values
-- with MAD > 0 (no spread: no yardstick). Only the kinds in $kinds (q_all: quality_values.sql).
-- The median as percentile_cont(0.5): DuckDB's median() is the same, PostgreSQL has only this.
WITH v AS (
    SELECT * FROM q_all WHERE year = $y AND x IS NOT NULL AND list_contains(CAST($kinds AS VARCHAR[]), kind)
),
peers AS (
    SELECT unit_type, area_code, indicator, count(*) AS n_peers, percentile_cont(0.5) WITHIN GROUP (ORDER BY x) AS peer_median
    FROM v GROUP BY unit_type, area_code, indicator
    HAVING count(*) >= $min_peers
),
dev AS (
    SELECT v.unit_code, v.unit_type, v.area_code, v.indicator, v.kind, v.submission_id, v.x,
           p.n_peers, p.peer_median, abs(v.x - p.peer_median) AS deviation
    FROM v JOIN peers p USING (unit_type, area_code, indicator)
),
mad AS (
    SELECT unit_type, area_code, indicator, percentile_cont(0.5) WITHIN GROUP (ORDER BY deviation) AS mad
    FROM dev GROUP BY unit_type, area_code, indicator
)
SELECT d.unit_code, d.unit_type, d.area_code, d.indicator, d.kind, d.submission_id, s.file_name, d.x,
       d.n_peers, d.peer_median, m.mad, $k * 1.4826 * m.mad AS threshold
FROM dev d
JOIN mad m USING (unit_type, area_code, indicator)
JOIN submissions s ON s.id = d.submission_id
WHERE m.mad > 0 AND d.deviation > $k * 1.4826 * m.mad
ORDER BY d.unit_code, d.indicator
