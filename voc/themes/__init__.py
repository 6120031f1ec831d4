"""Pure theme discovery: texts in, themes, explanations and a reusable model out (no Flask, no DB)."""

from voc.themes.hierarchy import Parent
from voc.themes.matching import Changes, Match, match_themes
from voc.themes.model import (
    UNTHEMED,
    Theme,
    ThemeModel,
    ThemeResult,
    ThemeSettings,
    choose_k,
    discover,
)
from voc.themes.sentiment import sentiment, sentiments

__all__ = [
    "UNTHEMED",
    "Changes",
    "Match",
    "Parent",
    "Theme",
    "ThemeModel",
    "ThemeResult",
    "ThemeSettings",
    "choose_k",
    "discover",
    "match_themes",
    "sentiment",
    "sentiments",
]
