"""The level palette, from the core (dcmetrics.palette): pages import it from here."""

from dcmetrics.palette import NOT_RATED, NOT_RATED_COLOR, level_colors, level_steps

__all__ = ["NOT_RATED", "NOT_RATED_COLOR", "level_colors", "level_steps"]
