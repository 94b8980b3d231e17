"""Tables kept as tables: cells in ``Block.rows``, a readable rendering in ``Block.text``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from communia.core.documents.model import Block

__all__ = ["cell_text", "table_blocks", "render_rows", "CHUNK_ROWS"]

CHUNK_ROWS = 50  # rows per table block; the header row is repeated in each block


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.0f}" if value.is_integer() else f"{value:g}"
    return str(value).strip()


def render_rows(rows: Iterable[Iterable[str]]) -> str:
    return "\n".join(" | ".join(row) for row in rows)


def table_blocks(
    rows: list[list[str]],
    *,
    first_line: int | None = 1,
    page: int | None = None,
    header: bool = True,
) -> list[Block]:
    """Trim empty rows and columns, then cut a big table into blocks of ``CHUNK_ROWS``."""
    rows = [row for row in rows if any(c.strip() for c in row)]
    if not rows:
        return []
    width = max(max((i + 1 for i, c in enumerate(row) if c.strip()), default=0) for row in rows)
    rows = [(row + [""] * width)[:width] for row in rows]
    head = [rows[0]] if header and len(rows) > 1 else []
    body = rows[1:] if head else rows
    blocks = []
    for start in range(0, len(body), CHUNK_ROWS):
        chunk = head + body[start : start + CHUNK_ROWS]
        line = None if first_line is None else first_line + start + (1 if head else 0)
        blocks.append(
            Block(
                text=render_rows(chunk),
                kind="table",
                page=page,
                line=line if start else first_line,
                rows=tuple(tuple(r) for r in chunk),
            )
        )
    return blocks
