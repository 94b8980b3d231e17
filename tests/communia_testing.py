"""Helpers shared by the tests (imported as ``from communia_testing import ...``)."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"

PASSWORD = "Motdepasse-Solide-2026"


def login(client, email: str, password: str = PASSWORD):
    """Log in through the real form (fetches the login CSRF cookie first)."""
    import re

    page = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/connexion",
        data={"email": email, "password": password, "csrf_token": token, "suivant": "/app"},
    )


def browser_login(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form in a browser page and wait for the dashboard."""
    page.goto("/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/app")


def csrf_of(client, path: str = "/app") -> str:
    import re

    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def embedded_llm_model(request, tmp_path_factory) -> Path:
    """The real embedded LLM, assembled once from the installed part packages into pytest's
    cache. Without the ``llm`` extra the calling test is skipped, unless
    ``COMMUNIA_REQUIRE_LLM=1`` (CI), where it fails instead."""
    import os

    import pytest

    from communia.core.errors import Unavailable
    from communia.core.llm.model import MODEL_FILENAME, install_model

    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    folder = cache.mkdir("communia-llm-model") if cache else tmp_path_factory.mktemp("llm")
    try:
        return install_model(target=Path(folder) / MODEL_FILENAME).path
    except Unavailable as exc:
        if os.environ.get("COMMUNIA_REQUIRE_LLM") == "1":
            raise
        pytest.skip(f"extra « llm » absent : {exc.message}")


def zip_of(members: dict[str, bytes]) -> bytes:
    """A ZIP (Deflate) holding ``members`` (path -> bytes)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, raw in members.items():
            archive.writestr(name, raw)
    return buf.getvalue()


def lying_zip(name: str, *, real_bytes: int, declared_bytes: int = 1000) -> bytes:
    """A ZIP bomb whose headers lie: ``name`` holds ``real_bytes`` zeros while its local and
    central headers declare ``declared_bytes``, so a check of the declared sizes lets it in."""
    import struct

    data = bytearray(zip_of({name: b"\0" * real_bytes}))
    lie = struct.pack("<I", declared_bytes)
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    data[local + 22 : local + 26] = lie  # uncompressed size, local file header
    data[central + 24 : central + 28] = lie  # uncompressed size, central directory
    return bytes(data)


def zip_bomb_cases(member: str, archive: str, *, max_members: int) -> list[tuple[bytes, int, str]]:
    """What every page that takes a ZIP must refuse, as (archive, HTTP status, French words of
    the refusal, no-break spaces as plain ones): a header that lies about ``member``'s size,
    ``member`` compressed about a thousand times (150 Mo, below the pages' 200 Mo), a
    password-protected archive, and one file more than ``max_members``."""
    protected = Path(__file__).parent / "documents" / "fixtures" / "protege.zip"
    return [
        (
            lying_zip(member, real_bytes=150 * 1024 * 1024),
            422,
            f"« {member} » est endommagé dans l'archive « {archive} » "
            "(contenu altéré ou taille annoncée fausse)",
        ),
        (
            zip_of({member: b"\0" * (150 * 1024 * 1024)}),
            413,
            f"L'archive « {archive} » est refusée : « {member} » est compressé plus de "
            "100 fois (protection contre les bombes ZIP)",
        ),
        (protected.read_bytes(), 422, "protégée par un mot de passe"),
        (
            zip_of({f"f{i}.csv": b"x" for i in range(max_members + 1)}),
            413,
            f"elle contient {max_members + 1} fichiers (limite {max_members})",
        ),
    ]


def page_text(response) -> str:
    """A page's text as people read it: entities decoded, no-break spaces as plain ones."""
    import html

    return html.unescape(response.text).replace("\u00a0", " ").replace("\u202f", " ")


def pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF, as one line with single spaces (pdfium reads it)."""
    import pypdfium2

    pages = pypdfium2.PdfDocument(pdf)
    return " ".join(" ".join(page.get_textpage().get_text_range().split()) for page in pages)


#: A letter typed with wide line spacing, as ``spaced_letter_pdf`` lays it out: one list of
#: lines per paragraph; the IBAN and the address are cut at the end of a line.
SPACED_LETTER = (
    ["Je soussigné Jean-Pierre Lefèvre, demeurant 14 rue des Tilleuls,", "44000 Nantes, demande"],
    ["le remboursement de la cantine sur mon compte IBAN FR76 3000 6000 0112", "3456 7890 189."],
    ["Veuillez agréer mes salutations distinguées."],
)


def spaced_letter_pdf(pitch_mm: float = 8.0, paragraph_mm: float = 5.0) -> bytes:
    """``SPACED_LETTER`` as a PDF written by fpdf2: 11 pt text, lines ``pitch_mm`` apart (8 mm
    is 2 times the font size, as with double line spacing), ``paragraph_mm`` more between
    paragraphs."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    pdf.set_font("DejaVu", "", 11)
    pdf.add_page()
    for paragraph in SPACED_LETTER:
        for line in paragraph:
            pdf.cell(0, pitch_mm, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(paragraph_mm)
    return bytes(pdf.output())
