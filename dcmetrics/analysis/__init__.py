"""Analyses beside the scoring: what-if for one unit and the sensitivity of the ranks (nothing stored),
and the data-quality review of the figures (reviewers mark findings)."""
