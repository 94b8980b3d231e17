"""Recognising headings in plain lines of text and building section paths."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace

from communia.core.documents.model import Block

__all__ = ["HeadingMatch", "classify_heading", "assign_sections", "normalise"]

# Keyword headings of French administrative texts, outermost first. Decimal numbering
# ("2.3 Durée") nests below all of them (level 4 + number of parts).
_KEYWORDS = (
    (
        re.compile(r"^(?:TITRE|Titre)\s+([IVXLC]+|\d+|premier|PREMIER|1er)\b\s*[-–—:.]?\s*(.*)$"),
        1,
        "Titre",
    ),
    (re.compile(r"^(?:ANNEXE|Annexe)\s+([IVXLC]+|\d+|[A-Z])\b\s*[-–—:.]?\s*(.*)$"), 1, "Annexe"),
    (
        re.compile(
            r"^(?:CHAPITRE|Chapitre)\s+([IVXLC]+|\d+|premier|PREMIER|1er)\b\s*[-–—:.]?\s*(.*)$"
        ),
        2,
        "Chapitre",
    ),
    (re.compile(r"^(?:SECTION|Section)\s+([IVXLC]+|\d+)\b\s*[-–—:.]?\s*(.*)$"), 3, "Section"),
    (
        re.compile(
            r"^(?:ARTICLE|Article|Art\.)\s+((?:[LRDA]\.?\s?\*{0,2})?\d+(?:[.-]\d+)*|premier|PREMIER"
            r"|1er|[IVXLC]+)\b\s*[-–—:.]?\s*(.*)$"
        ),
        4,
        "Article",
    ),
)
_DECIMAL = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s*[-–—.)]?\s+([A-ZÀ-ÖØ-Þ«\"'].*)$")
_ROMAN = re.compile(r"^([IVX]{1,5})\s*[-–—.)]\s+([A-ZÀ-ÖØ-Þ].*)$")


@dataclass(frozen=True)
class HeadingMatch:
    level: int
    number: str  # "2.3", "Article 4" or ""


def classify_heading(text: str) -> HeadingMatch | None:
    """Is this single line a heading? Returns its level and number, or ``None``."""
    line = text.strip()
    if not line or "\n" in line or len(line) > 150:
        return None
    for pattern, level, word in _KEYWORDS:
        m = pattern.match(line)
        if m and len(line) <= 150:
            number = m.group(1)
            if number.lower() in ("premier", "1er"):
                number = "1"
            return HeadingMatch(level, f"{word} {number}")
    words = line.split()
    if (
        len(line) > 110
        or len(words) > 16
        or line.endswith((".", ",", ";"))
        and not line.endswith("...")
    ):
        return None
    m = _DECIMAL.match(line)
    if m:
        number = m.group(1)
        if int(number.split(".")[0]) == 0:
            return None
        return HeadingMatch(4 + number.count(".") + 1, number)
    m = _ROMAN.match(line)
    if m:
        return HeadingMatch(2, m.group(1))
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 6 and len(words) >= 2 and all(c.isupper() for c in letters):
        return HeadingMatch(3, "")
    return None


def assign_sections(blocks: list[Block]) -> list[Block]:
    """Give every own block (``source == ""``) the path of headings above it."""
    stack: list[tuple[int, str, str]] = []  # (level, title, number)
    out = []
    for block in blocks:
        if block.source:
            out.append(block)
            continue
        if block.kind == "heading":
            level = block.level or 1
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, block.text.strip(), block.section_number))
        path = tuple(title for _, title, _ in stack)
        number = next((num for _, _, num in reversed(stack) if num), "")
        out.append(replace(block, section=path, section_number=number))
    return out


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\ufeff\u200b]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f]+")


def normalise(text: str) -> str:
    """NFC, no control characters or soft hyphens, single spaces, trimmed lines."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()
