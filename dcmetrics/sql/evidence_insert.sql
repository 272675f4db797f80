-- One evidence document; its id.
INSERT INTO evidence (unit_code, year, indicator, description, file_name, file_type, mime, size_bytes, sha256,
                      content, uploaded_by, uploaded_at)
VALUES ($u, $y, $i, $d, $n, $t, $m, $s, $sha, $c, $by, $at)
RETURNING id
