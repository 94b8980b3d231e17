"""OpenDocument: ODT and ODS through odfpy (Apache-2.0)."""

from __future__ import annotations

import io
import zipfile

from communia.core.documents.formats.tables import table_blocks
from communia.core.documents.model import Block
from communia.core.documents.pipeline import Context, ProtectedDocument

__all__ = ["parse_odt", "parse_ods"]

_MAX_REPEAT = 1000  # ODS repeats empty cells and rows up to the sheet's end: cap it


def _refuse_encrypted(ctx: Context) -> None:
    with zipfile.ZipFile(io.BytesIO(ctx.data)) as zf:
        try:
            manifest = zf.read("META-INF/manifest.xml")
        except KeyError:
            return
    if b"encryption-data" in manifest:
        raise ProtectedDocument(
            f"« {ctx.name} » est protégé par un mot de passe : enregistrez-le sans mot de passe "
            "puis déposez-le à nouveau."
        )


def _text(node) -> str:
    from odf import teletype

    return teletype.extractText(node)


def _qname(node) -> str:
    return node.qname[1] if getattr(node, "qname", None) else ""


def _table_rows(table) -> list[list[str]]:
    from odf.namespaces import TABLENS

    rows: list[list[str]] = []
    for row in table.getElementsByType(__import__("odf.table", fromlist=["TableRow"]).TableRow):
        cells: list[str] = []
        for cell in row.childNodes:
            if _qname(cell) not in ("table-cell", "covered-table-cell"):
                continue
            repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1) or 1)
            value = _text(cell)
            cells.extend([value] * min(repeat, _MAX_REPEAT if value else 1))
        while cells and not cells[-1].strip():
            cells.pop()
        repeat_rows = int(row.attributes.get((TABLENS, "number-rows-repeated"), 1) or 1)
        rows.extend([cells] * min(repeat_rows, _MAX_REPEAT if cells else 1))
    return rows


def parse_odt(ctx: Context) -> None:
    from odf.namespaces import TEXTNS
    from odf.opendocument import load

    _refuse_encrypted(ctx)
    doc = load(io.BytesIO(ctx.data))
    blocks: list[Block] = []

    def walk(node) -> None:
        for child in node.childNodes:
            name = _qname(child)
            if name == "h":
                level = int(child.attributes.get((TEXTNS, "outline-level"), 1) or 1)
                blocks.append(Block(text=_text(child), kind="heading", level=level))
            elif name == "p":
                blocks.append(Block(text=_text(child)))
            elif name == "table":
                blocks.extend(table_blocks(_table_rows(child), first_line=None))
            elif name in ("list", "list-item", "section", "list-header", "soft-page-break"):
                walk(child)

    walk(doc.text)
    assert ctx.document is not None
    title = doc.meta.getElementsByType(__import__("odf.dc", fromlist=["Title"]).Title)
    if title:
        ctx.document.metadata["title"] = _text(title[0])
    ctx.blocks.extend(blocks)


def parse_ods(ctx: Context) -> None:
    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import Table

    _refuse_encrypted(ctx)
    doc = load(io.BytesIO(ctx.data))
    for table in doc.spreadsheet.getElementsByType(Table):
        name = table.attributes.get((TABLENS, "name"), "")
        rows = _table_rows(table)
        if len(rows) > ctx.limits.max_table_rows:
            ctx.warn(
                f"Feuille « {name} » : seules les {ctx.limits.max_table_rows} premières lignes "
                "ont été lues."
            )
            rows = rows[: ctx.limits.max_table_rows]
        tables = table_blocks(rows)
        if tables:
            ctx.blocks.append(Block(text=f"Feuille « {name} »", kind="heading", level=1))
            ctx.blocks.extend(tables)
