"""Office Open XML: DOCX through python-docx (MIT), XLSX through openpyxl (MIT)."""

from __future__ import annotations

import io
import re

from communia.core.documents.formats.tables import cell_text, table_blocks
from communia.core.documents.model import Block
from communia.core.documents.pipeline import Context

__all__ = ["parse_docx", "parse_xlsx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(?:heading|titre)\s*(\d)$", re.IGNORECASE)


def _heading_level(paragraph) -> int:
    style = paragraph.style.name if paragraph.style is not None else ""
    if style.lower() in ("title", "titre"):
        return 1
    m = _HEADING_STYLE.match(style or "")
    if m:
        return int(m.group(1))
    ppr = paragraph._p.pPr
    if ppr is not None:
        outline = ppr.find(f"{_W}outlineLvl")
        if outline is not None:
            value = int(outline.get(f"{_W}val", "9"))
            if value < 9:
                return value + 1
    return 0


def _breaks(element) -> tuple[int, int]:
    """Page breaks before the first text of a paragraph and after it."""
    before = after = 0
    seen_text = False
    ppr = element.find(f"{_W}pPr")
    if ppr is not None and ppr.find(f"{_W}pageBreakBefore") is not None:
        before += 1
    for node in element.iter(f"{_W}t", f"{_W}br", f"{_W}lastRenderedPageBreak"):
        if node.tag == f"{_W}t":
            seen_text = seen_text or bool(node.text and node.text.strip())
            continue
        if node.tag == f"{_W}br" and node.get(f"{_W}type") != "page":
            continue
        if seen_text:
            after += 1
        else:
            before += 1
    return before, after


def parse_docx(ctx: Context) -> None:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(ctx.data))
    props = document.core_properties
    assert ctx.document is not None
    if props.title:
        ctx.document.metadata["title"] = props.title
    if props.author:
        ctx.document.metadata["author"] = props.author
    page = 1
    paged = False
    blocks: list[Block] = []
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            before, after = _breaks(element)
            paged = paged or bool(before or after)
            page += before
            paragraph = Paragraph(element, document)
            text = paragraph.text
            level = _heading_level(paragraph)
            if text.strip():
                kind = "heading" if level else "paragraph"
                blocks.append(Block(text=text, kind=kind, page=page, level=level))
            page += after
        elif element.tag == f"{_W}tbl":
            table = Table(element, document)
            rows = []
            for row in table.rows:
                cells = []
                previous = None
                for cell in row.cells:  # merged cells come back repeated: keep one
                    if cell._tc is previous:
                        continue
                    previous = cell._tc
                    cells.append(cell.text)
                rows.append(cells)
            blocks.extend(table_blocks(rows, page=page, first_line=None))
    if not paged:  # no page information in the file: do not pretend everything is page 1
        from dataclasses import replace

        blocks = [replace(b, page=None) for b in blocks]
    else:
        ctx.document.pages = page
    ctx.blocks.extend(blocks)


def parse_xlsx(ctx: Context) -> None:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(ctx.data), read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            rows: list[list[str]] = []
            for row in sheet.iter_rows(values_only=True):
                if len(rows) >= ctx.limits.max_table_rows:
                    ctx.warn(
                        f"Feuille « {sheet.title} » : seules les {ctx.limits.max_table_rows} "
                        "premières lignes ont été lues."
                    )
                    break
                rows.append([cell_text(v) for v in row])
            tables = table_blocks(rows)
            if tables:
                ctx.blocks.append(Block(text=f"Feuille « {sheet.title} »", kind="heading", level=1))
                ctx.blocks.extend(tables)
    finally:
        workbook.close()
