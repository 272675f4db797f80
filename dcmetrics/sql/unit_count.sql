-- How many units the catalogue holds (an account whose area holds them all sees every submission).
SELECT count(*) FROM units
