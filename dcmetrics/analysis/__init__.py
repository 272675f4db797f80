"""Analyses of the stored figures that do not score (data-quality review, ...)."""
