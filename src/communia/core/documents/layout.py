"""From positioned lines (PDF text layer, OCR) to paragraph and heading blocks."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from communia.core.documents.model import Block
from communia.core.documents.structure import classify_heading

__all__ = ["Line", "lines_to_blocks", "body_size", "heading_key", "line_pitch"]


@dataclass
class Line:
    text: str
    size: float  # font size (PDF points) or line height (OCR pixels)
    top: float  # vertical position, growing downwards
    new_paragraph: bool = False  # the source says a paragraph starts here (OCR)


def heading_key(text: str) -> str:
    """How a line is compared with a bookmark title."""
    return " ".join(text.casefold().split())


def body_size(lines: list[Line]) -> float:
    """The most common size, weighted by characters: the size of the body text."""
    counts: Counter[float] = Counter()
    for line in lines:
        counts[round(line.size * 2) / 2] += len(line.text)
    return counts.most_common(1)[0][0] if counts else 0.0


def line_pitch(lines: list[Line], body: float) -> float:
    """The distance between two lines of one paragraph in body text: the smallest gap between
    consecutive body-size lines that occurs at least twice (0 when unknown).

    A letter typed with 1.5 or double line spacing puts its lines further apart than 1.8 times
    the font size; without this, each of its lines would be a paragraph of its own, and an IBAN
    or an address cut at the end of a line would be read as two pieces.
    """
    counts: Counter[float] = Counter()
    for above, below in itertools.pairwise(lines):
        if abs(above.size - body) > 0.5 or abs(below.size - body) > 0.5:
            continue
        gap = below.top - above.top
        if body * 0.8 <= gap <= body * 4:
            counts[round(gap * 2) / 2] += 1
    return min((gap for gap, n in counts.items() if n >= 2), default=0.0)


def _join(previous: str, line: str) -> str:
    if previous.endswith("-") and line[:1].islower() and not previous.endswith(" -"):
        return previous[:-1] + line  # word cut by a hyphen at the end of the line
    return f"{previous} {line}"


def lines_to_blocks(
    lines: list[Line],
    *,
    page: int,
    body: float,
    heading_sizes: list[float],
    ocr: bool = False,
    outline: dict[str, int] | None = None,
    pitch: float = 0.0,
) -> list[Block]:
    """Group lines into paragraphs; lines in a larger font, shaped like a heading
    ("2.3 Durée", "Article 4") or named by a bookmark of the page (``outline``: title key
    to level) become heading blocks. A gap wider than 1.8 times the font size, and than 1.25
    times the document's ``pitch`` (:func:`line_pitch`), starts a paragraph."""
    outline = outline or {}
    blocks: list[Block] = []
    current: list[str] = []
    current_kind = "paragraph"
    current_level = 0
    previous: Line | None = None

    def flush() -> None:
        nonlocal current, current_kind, current_level
        if current:
            text = current[0]
            for part in current[1:]:
                text = _join(text, part)
            blocks.append(
                Block(text=text, kind=current_kind, page=page, level=current_level, ocr=ocr)  # type: ignore[arg-type]
            )
        current, current_kind, current_level = [], "paragraph", 0

    for line in lines:
        text = line.text.strip()
        if not text:
            flush()
            previous = None
            continue
        bookmarked = outline.get(heading_key(text))
        if bookmarked is not None:
            flush()
            blocks.append(Block(text=text, kind="heading", page=page, level=bookmarked, ocr=ocr))
            previous = None
            continue
        big = body > 0 and line.size >= body * 1.18 and len(text) <= 150
        shaped = classify_heading(text) is not None
        if big:
            level = 1 + min(
                range(len(heading_sizes)),
                key=lambda i: abs(heading_sizes[i] - line.size),
                default=0,
            )
            level = min(level, 3)
            same_heading = (
                current_kind == "heading"
                and previous is not None
                and abs(previous.size - line.size) < 0.5
                and not shaped
            )
            if not same_heading:
                flush()
            current_kind, current_level = "heading", level
            current.append(text)
            previous = line
            continue
        gap_break = False
        if previous is not None and not ocr:
            gap = line.top - previous.top
            gap_break = gap > max(max(previous.size, line.size) * 1.8, pitch * 1.25) or gap < -1
        bullet = text[:1] in "-•–▪◦*" and previous is not None
        if (
            current_kind == "heading"
            or shaped
            or line.new_paragraph
            or gap_break
            or bullet
            or (previous is not None and abs(previous.size - line.size) > body * 0.15)
        ):
            flush()
        current.append(text)
        if shaped:
            flush()  # a heading line in body font stands alone
            previous = None
            continue
        previous = line
    flush()
    return blocks


def heading_sizes(lines: list[Line], body: float) -> list[float]:
    """Distinct sizes larger than the body text, largest first (level 1, 2, 3...)."""
    sizes = {round(line.size * 2) / 2 for line in lines if body and line.size >= body * 1.18}
    return sorted(sizes, reverse=True)
