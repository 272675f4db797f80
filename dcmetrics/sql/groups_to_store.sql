-- The rows of t_groups as score_groups keeps them (the run's integer unit ids left out).
SELECT * EXCLUDE (uid) FROM t_groups
