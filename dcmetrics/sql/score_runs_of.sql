-- The stored runs of one profile version and basis for the years $y.
SELECT year, id, data_seq, n_units
FROM score_runs
WHERE framework_id = $fid AND framework_version = $fv AND framework_sha256 = $sha AND basis = $basis
  AND list_contains($y, year)
