"""Plain text, CSV and HTML, with encoding detection (charset-normalizer, MIT)."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from communia.core.documents.formats.tables import table_blocks
from communia.core.documents.model import Block
from communia.core.documents.pipeline import Context, UnreadableDocument

__all__ = ["decode", "parse_text", "parse_csv", "parse_html", "html_to_text"]


def decode(ctx: Context, data: bytes | None = None) -> str:
    """Decode bytes: BOM or valid UTF-8 first, then charset-normalizer's best guess."""
    data = ctx.data if data is None else data
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            ctx.document.metadata["encoding"] = encoding  # type: ignore[union-attr]
            return data.decode(encoding, errors="replace")
    try:
        text = data.decode("utf-8")
        ctx.document.metadata["encoding"] = "utf-8"  # type: ignore[union-attr]
        return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    sample = data[:1_000_000]
    best = from_bytes(sample).best()
    if best is None:
        raise UnreadableDocument(
            f"« {ctx.name} » ne contient pas de texte lisible (encodage non reconnu)."
        )
    encoding = best.encoding
    # Short French texts fit several single-byte code pages equally well: name the usual one.
    for usual in ("cp1252", "iso8859_15", "latin_1"):
        try:
            if sample.decode(usual) == str(best):
                encoding = usual
                break
        except UnicodeDecodeError:
            continue
    ctx.document.metadata["encoding"] = encoding  # type: ignore[union-attr]
    return data.decode(encoding, errors="replace")


def _paragraphs(text: str) -> list[Block]:
    blocks = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.strip())
            continue
        if current:
            blocks.append(Block(text="\n".join(current), line=start))
            current = []
    if current:
        blocks.append(Block(text="\n".join(current), line=start))
    # A one-line heading directly followed by its text is split off.
    out = []
    from communia.core.documents.structure import classify_heading

    for block in blocks:
        first, _, rest = block.text.partition("\n")
        if rest and classify_heading(first):
            out.append(Block(text=first, line=block.line))
            out.append(Block(text=rest, line=(block.line or 0) + 1))
        else:
            out.append(block)
    return out


def parse_text(ctx: Context) -> None:
    ctx.blocks.extend(_paragraphs(decode(ctx)))


def parse_csv(ctx: Context) -> None:
    text = decode(ctx)
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
    assert ctx.document is not None
    ctx.document.metadata["delimiter"] = delimiter
    rows = []
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        if len(rows) >= ctx.limits.max_table_rows:
            ctx.warn(f"Seules les {ctx.limits.max_table_rows} premières lignes ont été lues.")
            break
        rows.append(row)
    ctx.blocks.extend(table_blocks(rows))


class _HTMLText(HTMLParser):
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section"}
    _SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data.replace("\n", " "))


def html_to_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def parse_html(ctx: Context) -> None:
    ctx.blocks.extend(_paragraphs(html_to_text(decode(ctx))))
