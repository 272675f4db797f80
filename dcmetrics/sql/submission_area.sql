-- The area of submission $i (nothing else: access is decided on it before anything is shown).
SELECT area_code FROM submissions WHERE id = $i
