"""Help texts in French by default, English when ``COMMUNIA_LANG=en`` (or ``LANG=en_*``)."""

from __future__ import annotations

import os

__all__ = ["t", "LANG"]


def _lang() -> str:
    value = os.environ.get("COMMUNIA_LANG") or os.environ.get("LANG", "fr")
    return "en" if value.lower().startswith("en") else "fr"


LANG = _lang()


def t(fr: str, en: str) -> str:
    """Pick the help text for the user's language."""
    return en if LANG == "en" else fr
