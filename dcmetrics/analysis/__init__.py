"""Analyses over the scores that store nothing: what-if for one unit, sensitivity of the ranks."""
