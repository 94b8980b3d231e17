"""French formatting for people (web pages, CLI output, generated documents): numbers, and
the no-break spaces of French typography in HTML pages."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "fr_count",
    "MONTHS",
    "SHORT_MONTHS",
    "fr_number",
    "fr_percent",
    "fr_decimal",
    "fr_date",
    "fr_datetime",
    "fr_time",
    "fr_typography",
    "french_pdf",
    "pdf_table",
    "pdf_text",
]

#: what is left alone: tags (attributes included) and blocks whose text is code or the user's
#: own text to edit or copy (a textarea's content is sent back as typed)
_HTML_KEEP = re.compile(
    r"(<(script|style|pre|code|textarea)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>)|([^<]+)",
    re.DOTALL | re.IGNORECASE,
)
_SPACE_BEFORE = re.compile(r"(?<=\S) ([:;?!»%])")
_SPACE_AFTER = re.compile(r"« ")


def fr_number(value: Any, digits: int = 0) -> str:
    """``12 345,6``: narrow no-break spaces between thousands, decimal comma; ``—`` for None."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


def fr_count(n: int, singular: str, plural: str) -> str:
    """« 1 alerte », « 2 alertes », « 1 234 alertes » (French plural from 2)."""
    return f"{fr_number(n)} {singular if abs(n) < 2 else plural}"


def fr_percent(share: float, digits: int = 1) -> str:
    """A share (0.871) as a French percentage (``87,1 %``, with a no-break space)."""
    return fr_number(share * 100, digits) + "\u00a0%"


def fr_decimal(value: float, digits: int) -> str:
    """``1234,5``: decimal comma without grouping, for CSV cells a French spreadsheet reads."""
    return f"{value:.{digits}f}".replace(".", ",")


MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
#: the usual French abbreviations (chart axes, narrow columns)
SHORT_MONTHS = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip


def fr_date(value: Any, *, year: bool = True, short: bool = False) -> str:
    """« 1er juillet 2020 » (« 1er juillet » without ``year``, « 4 sept. » when ``short``) from
    a date, a datetime or an ISO string; the value as it is when it is not a date (and ``""``
    for nothing)."""
    import datetime as dt

    if not value:
        return ""
    day = value
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(day, dt.date):
        return str(value)
    text = (
        f"{'1er' if day.day == 1 else day.day} {(SHORT_MONTHS if short else MONTHS)[day.month - 1]}"
    )
    return f"{text} {day.year}" if year else text


def fr_datetime(value: Any) -> str:
    """``26/11/2026 à 17:05`` in the commune's time (Paris) from a UTC-aware datetime; ``—``
    for nothing."""
    from communia.core.communes import PARIS

    if value is None:
        return "—"
    return value.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


def fr_time(hour: int, minute: int = 0) -> str:
    """« 8 h 30 », « 12 h » (French clock time, as written and as read aloud)."""
    return f"{hour} h {minute:02d}" if minute else f"{hour} h"


def fr_typography(html: str) -> str:
    """No-break space before « : ; ? ! » % » and after « in the text of an HTML page, so that
    a line never starts with a colon or a closing guillemet. Tags, scripts, styles, code and
    form text areas are left as they are."""

    def fix(match: re.Match) -> str:
        text = match.group(3)
        if text is None:
            return match.group(0)
        return _SPACE_AFTER.sub("«\u00a0", _SPACE_BEFORE.sub("\u00a0\\1", text))

    return _HTML_KEEP.sub(fix, html)


def french_pdf(*, title: str = "", footer: str = "", **kwargs: Any):
    """An fpdf2 document whose core fonts (Helvetica…) print French typography: they are
    encoded in Windows-1252, the code page of their WinAnsi encoding, so « », ’, —, €, œ
    and ³ print as such (fpdf2's default, Latin-1, has none of the first five).

    Every page ends with ``footer`` (what the document is, who made it and when) and its
    number, « page 2 sur 3 », so that a printed page that got loose can be put back. The
    file says its ``title``, its language (French, for screen readers) and that Communia
    made it."""
    from fpdf import FPDF

    class _FrenchPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("Helvetica", "", 7)
            self.set_text_color(90)
            if footer:
                self.cell(0, 4, pdf_text(footer), align="L")
                self.set_x(self.l_margin)
            self.cell(0, 4, f"page {self.page_no()} sur {{nb}}", align="R")
            self.set_text_color(0)

    pdf = _FrenchPDF(**kwargs)
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_lang("fr-FR")
    pdf.set_creator("Communia")
    if title:
        pdf.set_title(title)
    return pdf


def pdf_table(
    pdf: Any,
    widths: tuple[float, ...],
    head: tuple[str, ...],
    rows: Any,
    *,
    height: float = 5,
    total: bool = False,
) -> None:
    """A bordered table on a :func:`french_pdf`: the header row in bold is printed again at
    the top of each new page, and cells holding a number (« 1 234 », « 4,5 % », « 982 m³ »)
    are aligned on the right, as numbers are read in columns; with ``total`` the last row
    (a total) is in bold too."""

    def row(cells: Any, style: str, *, numbers_right: bool = True) -> None:
        pdf.set_font("Helvetica", style, 8)
        for w, v in zip(widths, cells, strict=True):
            text = pdf_text(v)
            align = "R" if numbers_right and _NUMBER_CELL.match(text) else "L"
            pdf.cell(w, height, text, border=1, align=align)
        pdf.ln()

    row(head, "B", numbers_right=False)
    rows = list(rows)
    for i, cells in enumerate(rows):
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            row(head, "B", numbers_right=False)
        row(cells, "B" if total and i == len(rows) - 1 else "")


#: a table cell that is a number, possibly signed, with a unit or a percent after it
_NUMBER_CELL = re.compile(r"^[-+]?\d[\d\u00a0\u202f ]*(,\d+)?(\u00a0| )?(%|m³(/h)?|m|km|€|repas)?$")


def pdf_text(value: Any) -> str:
    """Text for :func:`french_pdf`'s core fonts: the narrow no-break space of French numbers
    becomes a no-break space, the minus sign a hyphen, anything else outside the code page
    « ? » (never an error in the middle of a report)."""
    text = str(value).replace("\u202f", "\u00a0").replace("\u2212", "-")
    return text.encode("cp1252", "replace").decode("cp1252")
