"""Documents in: turn what a commune receives into text with structure and positions.

    >>> from communia.core.documents import extract
    >>> doc = extract("dossier.zip")
    >>> [(b.citation(), b.text[:40]) for b in doc.blocks]

Formats: PDF (text layer, OCR for scanned pages), images (OCR), DOCX, ODT, XLSX, ODS,
CSV, plain text, HTML, e-mail (.eml with attachments) and ZIP folders (recursing).
Expected failures (too large, password-protected, corrupt, ZIP bomb, unsupported) raise
``communia.core.errors.CommuniaError`` subclasses with a French message. Heavy libraries
(PDFium, Pillow, Tesseract, python-docx, openpyxl, odfpy) are imported only when used.
"""

from __future__ import annotations

from communia.core.documents.limits import DocumentLimits, get_limits
from communia.core.documents.model import Block, BlockKind, Document
from communia.core.documents.pipeline import (
    FORMATS,
    STEPS,
    ProtectedDocument,
    UnreadableDocument,
    UnsupportedFormat,
    extract,
    extract_bytes,
    sniff_format,
)

__all__ = [
    "Block",
    "BlockKind",
    "Document",
    "DocumentLimits",
    "FORMATS",
    "STEPS",
    "ProtectedDocument",
    "UnreadableDocument",
    "UnsupportedFormat",
    "extract",
    "extract_bytes",
    "get_limits",
    "sniff_format",
]
