"""Benchmark of ``communia.core.documents``: pages per second for text PDFs and for OCR.

The document is real: the Code des relations entre le public et l'administration (CRPA,
Légifrance, Licence Ouverte) from ../shared/data/veille/legi_json, laid out as a PDF with
its Livres, Titres, Chapitres and Articles (fpdf2). The "scanned" version is made of the
first pages of that PDF rendered at 300 dpi into an image-only PDF, as a scanner would.

Baselines, on the same files and the same machine:
- text PDF: PDFium's raw text dump (``get_text_range`` per page), without any structure;
- OCR: ``pytesseract.image_to_string`` on the same page images, without structure.
The OCR quality is the share of the text layer's words found again, in order, by OCR.

    python benchmarks/documents.py [--ocr-pages 6] [--dpi 300]
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRPA = ROOT.parent / "shared" / "data" / "veille" / "legi_json" / "LEGITEXT000031366350_CRPA.json"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def crpa_entries() -> list[tuple[int, str]]:
    """(level, text): section titles (level 1..n) and articles (level 0 = body)."""
    data = json.loads(CRPA.read_text(encoding="utf-8"))
    out: list[tuple[int, str]] = []

    def walk(node, depth):
        for child in node.get("children") or []:
            d = child.get("data", {})
            if "articleVersions" in d or child.get("type") == "article":
                text = re.sub(r"\s+", " ", d.get("texte") or "").strip()
                if text:
                    out.append((9, f"Article {d.get('num') or ''}"))
                    out.append((0, text))
            else:
                out.append((min(depth, 4), d.get("title", "")))
                walk(child, depth + 1)

    out.append((1, data["data"]["title"]))
    walk(data, 1)
    return out


def build_pdf(path: Path) -> int:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT_BOLD)
    pdf.set_title("Code des relations entre le public et l'administration")
    pdf.add_page()
    sizes = {1: 16, 2: 14, 3: 13, 4: 12, 9: 10.5}
    for level, text in crpa_entries():
        if level:
            pdf.set_font("DejaVu", "B", sizes[level])
            pdf.ln(2)
            pdf.multi_cell(0, sizes[level] * 0.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        else:
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))
    return pdf.page_no()


def build_scan(text_pdf: Path, path: Path, pages: int, dpi: int) -> list:
    import pypdfium2 as pdfium
    from fpdf import FPDF

    src = pdfium.PdfDocument(str(text_pdf))
    images = []
    out = FPDF(format="A4")
    for i in range(pages):
        image = src[i].render(scale=dpi / 72, grayscale=True).to_pil()
        images.append(image)
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        out.add_page()
        out.image(buf, x=0, y=0, w=210, h=297)
    out.output(str(path))
    return images


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ocr-pages", type=int, default=6)
    parser.add_argument("--dpi", type=int, default=300)
    args = parser.parse_args()
    if not CRPA.is_file():
        sys.exit(f"Missing {CRPA}: the benchmark needs ../shared/data.")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    import pypdfium2 as pdfium
    import pytesseract

    from communia.core.documents import DocumentLimits, extract

    tmp = Path(tempfile.mkdtemp(prefix="communia-bench-"))
    text_pdf, scan_pdf = tmp / "crpa.pdf", tmp / "crpa_scan.pdf"
    pages = build_pdf(text_pdf)
    images = build_scan(text_pdf, scan_pdf, args.ocr_pages, args.dpi)
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU(s)")
    print(f"Document: CRPA, {pages} pages, {text_pdf.stat().st_size / 1e6:.1f} MB")

    # --- text layer -----------------------------------------------------------------
    def baseline_text() -> tuple[float, str]:
        t0 = time.perf_counter()
        pdf = pdfium.PdfDocument(str(text_pdf))
        texts = []
        for page in pdf:
            tp = page.get_textpage()
            texts.append(tp.get_text_range())
            tp.close()
        pdf.close()
        return time.perf_counter() - t0, "\n".join(texts)

    limits = DocumentLimits(ocr=False, max_file_mb=500)
    base_s = min(baseline_text()[0] for _ in range(3))
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        doc = extract(text_pdf, limits=limits)
        runs.append(time.perf_counter() - t0)
    ours_s = min(runs)
    articles = [b for b in doc.headings() if b.section_number.startswith("Article")]
    print("\nText PDF (best of 3)")
    print(f"  baseline, PDFium raw text dump : {pages / base_s:8.1f} pages/s")
    print(
        f"  communia extract (structure)   : {pages / ours_s:8.1f} pages/s"
        f"  ({base_s / ours_s:.2f}x the baseline's speed)"
    )
    print(
        f"  blocks {len(doc.blocks)}, headings {len(doc.headings())}, "
        f"articles recognised {len(articles)} / {sum(1 for lvl, _ in crpa_entries() if lvl == 9)}"
    )

    # --- OCR ------------------------------------------------------------------------
    def cpu() -> float:  # this process and its Tesseract children
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system

    c0, t0 = cpu(), time.perf_counter()
    base_texts = [
        pytesseract.image_to_string(image, lang="fra", config="--psm 3") for image in images
    ]
    base_ocr_s, base_cpu = time.perf_counter() - t0, cpu() - c0
    c0, t0 = cpu(), time.perf_counter()
    scanned = extract(scan_pdf, limits=DocumentLimits(ocr_dpi=args.dpi, max_file_mb=500))
    ours_ocr_s, ours_cpu = time.perf_counter() - t0, cpu() - c0
    truth_pdf = pdfium.PdfDocument(str(text_pdf))
    truth = " ".join(truth_pdf[i].get_textpage().get_text_range() for i in range(args.ocr_pages))
    truth_words = words(truth)

    def recall(text: str) -> float:
        sm = difflib.SequenceMatcher(None, truth_words, words(text), autojunk=False)
        return sum(block.size for block in sm.get_matching_blocks()) / len(truth_words)

    n = args.ocr_pages
    print(f"\nScanned PDF, {n} pages at {args.dpi} dpi, Tesseract fra, 1 thread")
    print(
        f"  baseline, image_to_string      : {n / base_ocr_s:8.3f} pages/s"
        f"  word recall {recall(' '.join(base_texts)):.3f}  CPU {base_cpu / n:.1f} s/page"
    )
    print(
        f"  communia extract (render+OCR)  : {n / ours_ocr_s:8.3f} pages/s"
        f"  word recall {recall(scanned.text):.3f}  CPU {ours_cpu / n:.1f} s/page"
        f"  ({base_ocr_s / ours_ocr_s:.2f}x the baseline's speed)"
    )
    print(f"  OCR pages {scanned.ocr_pages}, headings found {len(scanned.headings())}")


if __name__ == "__main__":
    main()
