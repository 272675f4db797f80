-- Years with current data, newest first (an empty file is refused, so every current submission has rows).
SELECT DISTINCT year FROM submissions WHERE state = 'current' ORDER BY year DESC
