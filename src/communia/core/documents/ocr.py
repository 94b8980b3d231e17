"""Optical character recognition with Tesseract (Debian packages ``tesseract-ocr`` and
``tesseract-ocr-fra``) through pytesseract."""

from __future__ import annotations

import os
import shutil

from communia.core.documents.layout import Line, body_size, heading_sizes, lines_to_blocks
from communia.core.documents.limits import DocumentLimits
from communia.core.documents.model import Block

__all__ = ["ocr_available", "ocr_image"]


def ocr_available(language: str) -> str:
    """``""`` when Tesseract and the language data are installed, else a French reason."""
    if shutil.which("tesseract") is None:
        return (
            "la reconnaissance de caractères (OCR) n'est pas installée sur le serveur "
            "(paquets Debian tesseract-ocr et tesseract-ocr-fra)."
        )
    try:
        import pytesseract
    except ImportError:
        return "le module Python pytesseract manque (extra « documents »)."
    try:
        installed = set(pytesseract.get_languages(config=""))
    except Exception:  # noqa: BLE001 - a broken install must not crash extraction
        return "Tesseract ne répond pas correctement."
    wanted = set(language.split("+"))
    missing = sorted(wanted - installed)
    if missing:
        return (
            f"la langue OCR {', '.join(missing)} n'est pas installée "
            f"(paquet Debian tesseract-ocr-{missing[0]})."
        )
    return ""


def ocr_image(image, *, page: int, limits: DocumentLimits) -> list[Block]:
    """Recognise one page image and return its paragraphs and headings."""
    import pytesseract

    # Tesseract's own threads fight with the worker threads on a 2-core machine.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    try:
        data = pytesseract.image_to_data(
            image,
            lang=limits.ocr_language,
            config="--psm 3",
            timeout=limits.ocr_timeout_s,
            output_type=pytesseract.Output.DICT,
        )
    except RuntimeError as exc:  # pytesseract raises RuntimeError on timeout
        from communia.core.errors import TooLarge

        raise TooLarge(
            f"La reconnaissance de la page {page} a dépassé {limits.ocr_timeout_s:g} s."
        ) from exc
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if not str(word).strip():
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(i)
    ordered: list[Line] = []
    last_par: tuple[int, int] | None = None
    for key in sorted(lines):  # Tesseract's reading order: block, paragraph, line
        idx = sorted(lines[key], key=lambda i: data["word_num"][i])
        text = " ".join(str(data["text"][i]).strip() for i in idx)
        height = sorted(data["height"][i] for i in idx)[len(idx) // 2]
        top = min(data["top"][i] for i in idx)
        par = key[:2]
        ordered.append(
            Line(text=text, size=float(height), top=float(top), new_paragraph=par != last_par)
        )
        last_par = par
    # Tesseract already groups lines into paragraphs; sizes are pixel heights of
    # lowercase-heavy words, so only clearly larger lines count as headings.
    body = body_size(ordered)
    return lines_to_blocks(
        ordered,
        page=page,
        body=body * 1.1,
        heading_sizes=heading_sizes(ordered, body * 1.1),
        ocr=True,
    )
