"""What pages show of a table: a bounded window of rows, found by a Vietnamese-aware search,
formatted the Vietnamese way (no pandas Styler: its cost grows with every cell, and it refuses
tables above 262,144 cells)."""
