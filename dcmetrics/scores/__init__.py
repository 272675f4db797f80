"""Stored scores' upkeep: what scoring.refresh does to a run besides the chain."""
