-- Exact arithmetic for the scoring chain. DuckDB divides DECIMALs in DOUBLE, whose sums and
-- halves depend on the order a plan takes (99.705 came out 99.70 or 99.71), so a quotient is
-- taken here on 128-bit integers: n and d at 12 decimals, the quotient kept at 12 decimals,
-- half up. Sums and products of DECIMALs are exact. Arguments are never negative (attainments,
-- points, totals clamped at 0); n, d < 10^14.
--   q12 = round_half_up(N * 10^12 / D) / 10^12, with N = n * 10^12 and D = d * 10^12
CREATE OR REPLACE TEMP MACRO q12(n, d) AS
    CAST((CAST(CAST(n AS DECIMAL(38, 12)) * 1000000000000 AS HUGEINT) * 2000000000000
          + CAST(CAST(d AS DECIMAL(38, 12)) * 1000000000000 AS HUGEINT))
         // (2 * CAST(CAST(d AS DECIMAL(38, 12)) * 1000000000000 AS HUGEINT)) AS DECIMAL(38, 0))
    * CAST(0.000000000001 AS DECIMAL(13, 12));
-- x kept at `places` decimals (0 to 4) by the profile's rule: half_up (làm tròn) or truncate.
-- x is first taken to 9 decimals, half up: a quotient cut at 12 decimals leaves a sum that is
-- exactly 67.775 (5 of 6 complaints settled, 28.75 points) at 67.774999999998, and that must
-- still be 67.78; a value within 5·10^-10 of a half that is not on it needs denominators no
-- report has.
CREATE OR REPLACE TEMP MACRO kept(x, places, rule) AS
    CAST(floor(round(CAST(x AS DECIMAL(38, 12)), 9) * CAST([1, 10, 100, 1000, 10000][places + 1] AS DECIMAL(18, 0))
               + CASE WHEN rule = 'truncate' THEN 0 ELSE 0.5 END) AS DECIMAL(38, 0))
    * CAST([1, 0.1, 0.01, 0.001, 0.0001][places + 1] AS DECIMAL(18, 6));
