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

from communia.core.lazy import lazy_exports

_EXPORTS = {
    "Block": "model",
    "BlockKind": "model",
    "Document": "model",
    "DocumentLimits": "limits",
    "FORMATS": "pipeline",
    "ProtectedDocument": "pipeline",
    "STEPS": "pipeline",
    "SafeZip": "safezip",
    "UnreadableDocument": "pipeline",
    "UnsupportedFormat": "pipeline",
    "ZipLimits": "safezip",
    "extract": "pipeline",
    "extract_bytes": "pipeline",
    "get_limits": "limits",
    "sniff_format": "pipeline",
    "unzip": "safezip",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
