"""Ingestion: an explicit, ordered list of steps from bytes to a ``Document``.

Every step takes the ``Context`` and mutates it. Parsers import their heavy library
inside the function. Whatever goes wrong inside a parser becomes a ``CommuniaError``
with a French message: a worker that calls ``extract`` never sees another exception.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from communia.core.documents.limits import DocumentLimits, get_limits
from communia.core.documents.model import Block, Document
from communia.core.documents.structure import assign_sections, classify_heading, normalise
from communia.core.errors import CommuniaError, InvalidInput, TooLarge

__all__ = [
    "Context",
    "OcrTask",
    "STEPS",
    "UnreadableDocument",
    "ProtectedDocument",
    "UnsupportedFormat",
    "extract",
    "extract_bytes",
    "sniff_format",
    "FORMATS",
]

log = logging.getLogger(__name__)
ProgressCallback = Callable[[float, str], None]


class UnreadableDocument(InvalidInput):
    code = "document_illisible"


class ProtectedDocument(InvalidInput):
    code = "document_protege"


class UnsupportedFormat(InvalidInput):
    code = "format_non_pris_en_charge"


@dataclass
class OcrTask:
    """A page whose text must be recognised; ``render`` returns a PIL image."""

    page: int
    render: Callable[[], object]


@dataclass
class _Budget:
    """Bytes unpacked so far, shared by a container and everything nested in it."""

    unpacked: int = 0


@dataclass
class Context:
    name: str
    data: bytes
    limits: DocumentLimits
    depth: int = 0
    budget: _Budget = field(default_factory=_Budget)
    format: str = ""
    blocks: list[Block] = field(default_factory=list)
    pending_ocr: list[OcrTask] = field(default_factory=list)
    document: Document | None = None
    cleanups: list[Callable[[], None]] = field(default_factory=list)
    # Called with (fraction 0..1, French message) during slow steps (OCR, archives).
    # It may raise to stop the extraction (a cancelled job raises ``JobCancelled``).
    on_progress: ProgressCallback | None = None

    def progress(self, fraction: float, message: str) -> None:
        if self.on_progress is not None:
            self.on_progress(min(max(fraction, 0.0), 1.0), message)

    def warn(self, message: str) -> None:
        assert self.document is not None
        self.document.warnings.append(message)

    def child(self, name: str, data: bytes, *, part: tuple[int, int] = (0, 1)) -> Document:
        """Extract an attachment or archive member (one level deeper, same budget).

        ``part`` is (index, count) of this member among its siblings: the member's own
        progress is mapped onto its share of the container's progress."""
        if self.depth + 1 > self.limits.max_depth:
            raise TooLarge(
                f"« {self.name} » contient des fichiers imbriqués sur plus de "
                f"{self.limits.max_depth} niveaux : document refusé par prudence."
            )
        index, count = part
        on_progress = None
        if self.on_progress is not None:

            def on_progress(fraction: float, message: str) -> None:
                self.progress((index + fraction) / count, f"{name} : {message}")

        ctx = Context(
            name=name,
            data=data,
            limits=self.limits,
            depth=self.depth + 1,
            budget=self.budget,
            on_progress=on_progress,
        )
        self.progress(index / count, f"Lecture de « {name} »")
        try:
            return run(ctx)
        except TooLarge as exc:  # a bomb anywhere inside refuses the whole container
            raise TooLarge(f"Dans « {self.name} » : {exc.message}") from exc

    def add_child(self, member: str, child: Document) -> None:
        """Append a nested document's blocks, prefixing their ``source`` with ``member``."""
        assert self.document is not None
        for block in child.blocks:
            source = f"{member}/{block.source}" if block.source else member
            self.blocks.append(replace(block, source=source))
        self.document.parts.append(member)
        self.document.parts.extend(f"{member}/{p}" for p in child.parts)
        self.document.warnings.extend(f"{member} : {w}" for w in child.warnings)
        self.document.ocr_pages += child.ocr_pages


# --- formats -------------------------------------------------------------------------

# name -> (extensions, parser "module:function"). Order of sniffing is in ``sniff_format``.
FORMATS: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": ((".pdf",), "communia.core.documents.formats.pdf:parse_pdf"),
    "image": (
        (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"),
        "communia.core.documents.formats.image:parse_image",
    ),
    "docx": ((".docx",), "communia.core.documents.formats.office:parse_docx"),
    "xlsx": ((".xlsx", ".xlsm"), "communia.core.documents.formats.office:parse_xlsx"),
    "odt": ((".odt",), "communia.core.documents.formats.opendocument:parse_odt"),
    "ods": ((".ods",), "communia.core.documents.formats.opendocument:parse_ods"),
    "csv": ((".csv", ".tsv"), "communia.core.documents.formats.text:parse_csv"),
    "text": ((".txt", ".md", ".text"), "communia.core.documents.formats.text:parse_text"),
    "html": ((".html", ".htm"), "communia.core.documents.formats.text:parse_html"),
    "eml": ((".eml",), "communia.core.documents.formats.email:parse_eml"),
    "zip": ((".zip",), "communia.core.documents.formats.archive:parse_zip"),
}

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8", b"RIFF")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _zip_kind(data: bytes) -> str:
    """Tell OOXML, OpenDocument and plain ZIP apart without unpacking."""
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            if "mimetype" in names:
                mimetype = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if mimetype == "application/vnd.oasis.opendocument.text":
                    return "odt"
                if mimetype == "application/vnd.oasis.opendocument.spreadsheet":
                    return "ods"
            if "word/document.xml" in names:
                return "docx"
            if "xl/workbook.xml" in names:
                return "xlsx"
    except zipfile.BadZipFile:
        return "zip"  # the ZIP parser reports the corruption
    return "zip"


def sniff_format(name: str, data: bytes) -> str:
    """The format from the content's magic bytes, then from the file name."""
    head = data[:16]
    ext = Path(name).suffix.lower()
    if data[:1024].lstrip().startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if head.startswith(_OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data[:200_000] or b"EncryptedPackage" in data:
            raise ProtectedDocument(
                f"« {name} » est protégé par un mot de passe : enregistrez-le sans mot de passe "
                "puis déposez-le à nouveau."
            )
        raise UnsupportedFormat(
            f"« {name} » est un ancien format Microsoft Office (.doc, .xls) : "
            "enregistrez-le en DOCX, XLSX ou au format OpenDocument puis déposez-le à nouveau."
        )
    if head.startswith(_IMAGE_MAGIC) and not (head.startswith(b"RIFF") and data[8:12] != b"WEBP"):
        return "image"
    for fmt, (extensions, _parser) in FORMATS.items():
        if ext in extensions and fmt in ("csv", "text", "html", "eml"):
            return fmt
    sample = data[:4096]
    if b"\x00" not in sample and _looks_like_email(sample):
        return "eml"
    if b"\x00" not in sample and ext in ("", ".log", ".xml", ".json"):
        return "text"
    accepted = (
        "Formats acceptés : PDF, images (PNG, JPEG, TIFF), DOCX, ODT, XLSX, ODS, CSV, texte, "
        "courriel (.eml) et archives ZIP."
    )
    if any(ext in extensions for extensions, _parser in FORMATS.values()):
        # A known extension whose content does not match: « format not supported » would
        # contradict the list of accepted formats that names it.
        raise UnsupportedFormat(
            f"« {name} » n'est pas un vrai fichier {ext[1:].upper()} : fichier endommagé, ou "
            f"fichier d'un autre format renommé en {ext}. {accepted}"
        )
    raise UnsupportedFormat(f"Le format du fichier « {name} » n'est pas pris en charge. {accepted}")


def _looks_like_email(sample: bytes) -> bool:
    text = sample.decode("latin-1").lower()
    headers = ("from:", "to:", "subject:", "date:", "message-id:", "mime-version:", "received:")
    return sum(1 for h in headers if f"\n{h}" in "\n" + text) >= 2


# --- steps -----------------------------------------------------------------------------


def check_size(ctx: Context) -> None:
    if len(ctx.data) > ctx.limits.max_file_bytes:
        raise TooLarge(
            f"« {ctx.name} » pèse {len(ctx.data) / 1048576:.1f} Mo, au-delà de la limite de "
            f"{ctx.limits.max_file_mb:g} Mo fixée pour cette instance."
        )
    if not ctx.data:
        raise UnreadableDocument(f"« {ctx.name} » est vide.")


def detect_format(ctx: Context) -> None:
    ctx.format = sniff_format(ctx.name, ctx.data)
    ctx.document = Document(
        name=ctx.name,
        format=ctx.format,
        size=len(ctx.data),
        sha256=hashlib.sha256(ctx.data).hexdigest(),
    )


def parse(ctx: Context) -> None:
    import importlib

    module_name, func_name = FORMATS[ctx.format][1].split(":")
    parser = getattr(importlib.import_module(module_name), func_name)
    try:
        parser(ctx)
    except CommuniaError:
        raise
    except MemoryError as exc:
        raise TooLarge(f"« {ctx.name} » est trop volumineux pour être lu en mémoire.") from exc
    except Exception as exc:  # a corrupt file can make any parser fail in any way
        log.info("parser %s failed on %s: %r", ctx.format, ctx.name, exc)
        raise UnreadableDocument(
            f"« {ctx.name} » est endommagé ou illisible (format {ctx.format.upper()}) : "
            "ouvrez-le pour vérifier, réenregistrez-le puis déposez-le à nouveau."
        ) from exc


def run_ocr(ctx: Context) -> None:
    """Recognise the text of scanned pages and images (after parsing: it needs the pages)."""
    if not ctx.pending_ocr:
        return
    if not ctx.limits.ocr:
        ctx.warn(
            f"{len(ctx.pending_ocr)} page(s) sans texte n'ont pas été lues : "
            "la reconnaissance de caractères (OCR) est désactivée."
        )
        return
    from communia.core.documents.ocr import ocr_available, ocr_image

    missing = ocr_available(ctx.limits.ocr_language)
    if missing:
        ctx.warn(f"{len(ctx.pending_ocr)} page(s) sans texte n'ont pas été lues : {missing}")
        return
    assert ctx.document is not None
    total = len(ctx.pending_ocr)
    for done, task in enumerate(ctx.pending_ocr):
        ctx.progress(
            done / total, f"reconnaissance du texte, page {task.page} ({done + 1}/{total})"
        )
        image = task.render()
        blocks = ocr_image(image, page=task.page, limits=ctx.limits)
        if not blocks:
            ctx.warn(f"Page {task.page} : aucun texte reconnu.")
        ctx.blocks.extend(blocks)
        ctx.document.ocr_pages += 1
    ctx.pending_ocr.clear()
    # OCR pages come after the text-layer pages in the list; restore reading order.
    ctx.blocks.sort(key=lambda b: (bool(b.source), b.page or 0))


def normalise_text(ctx: Context) -> None:
    # Before heading detection: the heading patterns expect single spaces and NFC text.
    out = []
    for block in ctx.blocks:
        if block.source:
            out.append(block)
            continue
        rows = tuple(tuple(normalise(c) for c in row) for row in block.rows)
        out.append(replace(block, text=normalise(block.text), rows=rows))
    ctx.blocks = out


def detect_headings(ctx: Context) -> None:
    """Turn paragraphs that look like headings ("2.3 Durée", "Article 4") into headings."""
    out = []
    for block in ctx.blocks:
        if block.source or block.kind == "table":
            out.append(block)
            continue
        match = classify_heading(block.text)
        if match is not None and block.kind == "paragraph":
            block = replace(block, kind="heading", level=match.level, section_number=match.number)
        elif match is not None and not block.section_number:
            # A heading found by its style or font size keeps its level but gains its number.
            block = replace(block, section_number=match.number)
        out.append(block)
    ctx.blocks = out


def sections(ctx: Context) -> None:
    ctx.blocks = assign_sections(ctx.blocks)


def finalise(ctx: Context) -> None:
    assert ctx.document is not None
    ctx.document.blocks = [b for b in ctx.blocks if b.text or b.rows]
    if not ctx.document.blocks and not ctx.document.warnings:
        ctx.document.warnings.append("Aucun texte n'a été trouvé dans ce document.")


# The order matters: size before reading anything, OCR after parsing (it renders the
# parsed pages), normalisation before heading patterns, headings before section paths.
STEPS: tuple[Callable[[Context], None], ...] = (
    check_size,
    detect_format,
    parse,
    run_ocr,
    normalise_text,
    detect_headings,
    sections,
    finalise,
)


def run(ctx: Context) -> Document:
    try:
        for step in STEPS:
            step(ctx)
    except CommuniaError:
        raise
    except Exception as exc:  # never crash the caller (e.g. a background worker)
        log.exception("document extraction failed for %s", ctx.name)
        raise UnreadableDocument(
            f"« {ctx.name} » n'a pas pu être lu (erreur inattendue : {type(exc).__name__})."
        ) from exc
    finally:
        for cleanup in ctx.cleanups:
            with contextlib.suppress(Exception):  # closing must not hide the real error
                cleanup()
    assert ctx.document is not None
    return ctx.document


def extract_bytes(
    name: str,
    data: bytes,
    *,
    limits: DocumentLimits | None = None,
    on_progress: ProgressCallback | None = None,
) -> Document:
    """Extract the text, structure and positions of an in-memory file.

    ``on_progress(fraction, message)`` is called during the slow parts (OCR pages, archive
    members); an exception it raises stops the extraction and propagates unchanged when it
    is not an ``Exception`` (``JobCancelled`` is a ``BaseException``, like asyncio's)."""
    ctx = Context(name=name, data=data, limits=limits or get_limits(), on_progress=on_progress)
    return run(ctx)


def extract(
    path: str | Path,
    *,
    limits: DocumentLimits | None = None,
    on_progress: ProgressCallback | None = None,
) -> Document:
    """Extract a file on disk; the size limit is checked before the file is read."""
    path = Path(path)
    limits = limits or get_limits()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"Le fichier « {path} » est introuvable ou inaccessible.") from exc
    if size > limits.max_file_bytes:
        raise TooLarge(
            f"« {path.name} » pèse {size / 1048576:.1f} Mo, au-delà de la limite de "
            f"{limits.max_file_mb:g} Mo fixée pour cette instance."
        )
    return extract_bytes(path.name, path.read_bytes(), limits=limits, on_progress=on_progress)
