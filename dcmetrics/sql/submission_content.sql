-- The original file of submission $i: its name and bytes.
SELECT file_name, content FROM submissions WHERE id = $i
