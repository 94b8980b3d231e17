"""French formatting of numbers for people (web pages, CLI output, generated documents)."""

from __future__ import annotations

from typing import Any

__all__ = ["fr_number", "fr_percent", "fr_decimal"]


def fr_number(value: Any, digits: int = 0) -> str:
    """``12 345,6``: narrow no-break spaces between thousands, decimal comma; ``—`` for None."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def fr_percent(share: float, digits: int = 1) -> str:
    """A share (0.871) as a French percentage (``87,1 %``, with a no-break space)."""
    return fr_number(share * 100, digits) + "\u00a0%"


def fr_decimal(value: float, digits: int) -> str:
    """``1234,5``: decimal comma without grouping, for CSV cells a French spreadsheet reads."""
    return f"{value:.{digits}f}".replace(".", ",")
