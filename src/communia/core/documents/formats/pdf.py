"""PDF: text layer through PDFium (pypdfium2, Apache-2.0/BSD-3); pages without text
are rendered and queued for OCR."""

from __future__ import annotations

import ctypes
import threading

from communia.core.documents.layout import (
    Line,
    body_size,
    heading_key,
    heading_sizes,
    line_pitch,
    lines_to_blocks,
)
from communia.core.documents.pipeline import Context, OcrTask, ProtectedDocument, UnreadableDocument

__all__ = ["parse_pdf"]

_SAMPLE = 24  # characters sampled per line to read its font size
# PDFium is not thread-safe: every call into it (open, read, render, close) holds this
# lock, so worker threads and web requests can extract PDFs at the same time safely.
PDFIUM_LOCK = threading.RLock()


def _page_lines(textpage, raw) -> list[Line]:
    count = textpage.count_chars()
    if count <= 0:
        return []
    text = textpage.get_text_range(0, count)
    lines: list[Line] = []
    if len(text) != count:  # characters outside the BMP: no per-character sizes
        return [Line(text=t, size=0.0, top=float(i)) for i, t in enumerate(text.splitlines())]
    handle = textpage.raw
    x, y = ctypes.c_double(), ctypes.c_double()
    start = 0
    for index in range(count + 1):
        if index < count and text[index] != "\n":
            continue
        segment = text[start:index].rstrip("\r")
        if segment.strip():
            sizes = []
            first = None
            for k in range(start, min(start + len(segment), start + 400)):
                if not segment[k - start].isspace():
                    if first is None:
                        first = k
                    sizes.append(raw.FPDFText_GetFontSize(handle, k))
                    if len(sizes) >= _SAMPLE:
                        break
            sizes.sort()
            size = sizes[len(sizes) // 2] if sizes else 0.0
            top = 0.0
            if first is not None and raw.FPDFText_GetCharOrigin(handle, first, x, y):
                top = -y.value  # PDF y grows upwards; Line.top grows downwards
            lines.append(Line(text=segment, size=float(size), top=top))
        else:
            lines.append(Line(text="", size=0.0, top=0.0))
        start = index + 1
    return lines


def parse_pdf(ctx: Context) -> None:
    with PDFIUM_LOCK:
        _parse_pdf(ctx)


def _parse_pdf(ctx: Context) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    try:
        pdf = pdfium.PdfDocument(ctx.data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ProtectedDocument(
                f"« {ctx.name} » est protégé par un mot de passe : enregistrez-le sans mot de "
                "passe puis déposez-le à nouveau."
            ) from exc
        raise UnreadableDocument(
            f"« {ctx.name} » n'est pas un PDF lisible (fichier tronqué ou endommagé)."
        ) from exc

    def close() -> None:
        with PDFIUM_LOCK:
            pdf.close()

    ctx.cleanups.append(close)
    doc = ctx.document
    assert doc is not None
    pages = len(pdf)
    doc.pages = pages
    if pages > ctx.limits.max_pages:
        ctx.warn(
            f"Seules les {ctx.limits.max_pages} premières pages sur {pages} ont été lues "
            "(limite de l'instance)."
        )
        pages = ctx.limits.max_pages
    meta = pdf.get_metadata_dict(skip_empty=True)
    for key in ("Title", "Author", "Subject", "CreationDate"):
        if key in meta:
            doc.metadata[key.lower()] = str(meta[key])
    per_page: list[tuple[int, list[Line]]] = []
    for index in range(pages):
        page = pdf[index]
        textpage = page.get_textpage()
        try:
            lines = _page_lines(textpage, raw)
        finally:
            textpage.close()
        chars = sum(len(line.text.strip()) for line in lines)
        if chars < ctx.limits.min_text_chars:
            ctx.pending_ocr.append(
                OcrTask(page=index + 1, render=_renderer(pdf, index, ctx.limits.ocr_dpi))
            )
        else:
            per_page.append((index + 1, lines))
        page.close()
    all_lines = [line for _, lines in per_page for line in lines if line.text.strip()]
    body = body_size(all_lines)
    sizes = heading_sizes(all_lines, body)
    pitch = line_pitch(all_lines, body)
    outline = _outline(pdf)
    for number, lines in per_page:
        ctx.blocks.extend(
            lines_to_blocks(
                lines,
                page=number,
                body=body,
                heading_sizes=sizes,
                outline=outline.get(number - 1),
                pitch=pitch,
            )
        )


def _outline(pdf) -> dict[int, dict[str, int]]:
    """Bookmarks (LibreOffice and Word export them from heading styles): for each page
    index, the heading titles it holds and their level (1 = outermost)."""
    out: dict[int, dict[str, int]] = {}
    try:
        for bookmark in pdf.get_toc(max_depth=8):
            dest = bookmark.get_dest()
            title = bookmark.get_title() or ""
            if dest is None or not title.strip():
                continue
            out.setdefault(dest.get_index(), {})[heading_key(title)] = bookmark.level + 1
    except Exception:  # noqa: BLE001 - a broken outline must not prevent reading the text
        return {}
    return out


def _renderer(pdf, index: int, dpi: int):
    def render():
        with PDFIUM_LOCK:
            page = pdf[index]
            try:
                return page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()

    return render
