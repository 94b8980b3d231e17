"""Extraction of real files written by the real libraries (see make_fixtures.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from communia.core.documents import (
    STEPS,
    Document,
    DocumentLimits,
    ProtectedDocument,
    UnreadableDocument,
    UnsupportedFormat,
    extract,
    extract_bytes,
)
from communia.core.documents.structure import classify_heading
from communia.core.errors import CommuniaError, TooLarge

FIXTURES = Path(__file__).parent / "fixtures"


def _tesseract_fra() -> bool:
    if shutil.which("tesseract") is None:
        return False
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    return "fra" in out.split()


needs_ocr = pytest.mark.skipif(
    not _tesseract_fra(), reason="Tesseract + fra absent (apt-get install tesseract-ocr-fra)"
)


def block_with(doc: Document, needle: str):
    matches = [b for b in doc.blocks if needle in b.text]
    assert matches, f"{needle!r} not found in {[b.text for b in doc.blocks]}"
    return matches[0]


def test_steps_are_an_explicit_ordered_list():
    names = [step.__name__ for step in STEPS]
    assert names.index("check_size") < names.index("parse") < names.index("run_ocr")
    assert names.index("normalise_text") < names.index("detect_headings") < names.index("sections")


def test_text_pdf_keeps_pages_and_numbered_sections():
    doc = extract(FIXTURES / "cctp.pdf")
    assert doc.format == "pdf" and doc.pages == 2 and doc.ocr_pages == 0
    assert doc.metadata["title"] == "CCTP restauration scolaire"
    duration = block_with(doc, "conclu pour une durée d'un an")
    assert duration.page == 2
    assert duration.section_number == "2.3"
    assert duration.citation() == "page 2, § 2.3"
    assert duration.section[-1] == "2.3 Durée du marché"
    quality = block_with(doc, "agriculture biologique")
    assert (quality.page, quality.section_number) == (1, "2.1")
    assert quality.section[:2] == (
        "Cahier des clauses techniques particulières",
        "2 Conditions d'exécution",
    )
    headings = [b.text for b in doc.headings()]
    assert headings[0] == "Cahier des clauses techniques particulières"
    assert "2.3 Durée du marché" in headings
    # Lines of one paragraph are joined into one block, not one block per line.
    assert "reconduit trois fois" in duration.text


def test_wide_line_spacing_keeps_lines_of_a_paragraph_together():
    """A letter typed with double line spacing: its lines are further apart than 1.8 times
    the font size, yet one paragraph stays one block (the IBAN cut at the end of a line is read
    whole), and the wider gap between paragraphs still separates them."""
    from communia_testing import SPACED_LETTER, spaced_letter_pdf

    doc = extract_bytes("courrier.pdf", spaced_letter_pdf())
    assert [b.text for b in doc.blocks] == [" ".join(lines) for lines in SPACED_LETTER]
    assert "FR76 3000 6000 0112 3456 7890 189" in doc.blocks[1].text
    # The same letter single-spaced is read the same way.
    single = extract_bytes("courrier.pdf", spaced_letter_pdf(pitch_mm=4.5, paragraph_mm=4.0))
    assert [b.text for b in single.blocks] == [b.text for b in doc.blocks]


@needs_ocr
def test_scanned_image_is_read_by_ocr():
    doc = extract(FIXTURES / "arrete_scan.png")
    assert doc.format == "image" and doc.ocr_pages == 1
    text = doc.text
    for word in (
        "Arrêté municipal",
        "circulation",
        "République",
        "fête communale",
        "collectivités",
    ):
        assert word in text, text
    article = block_with(doc, "affiché en mairie")
    assert article.ocr and article.page == 1 and article.section_number == "Article 2"


@needs_ocr
def test_scanned_pdf_page_without_text_layer_goes_to_ocr():
    doc = extract(FIXTURES / "arrete_scan.pdf")
    assert doc.ocr_pages == 1
    assert "circulation est interdite" in doc.text


def test_ocr_switched_off_is_reported_in_french():
    doc = extract(FIXTURES / "arrete_scan.pdf", limits=DocumentLimits(ocr=False))
    assert doc.blocks == []
    assert "OCR" in doc.warnings[0] and "désactivée" in doc.warnings[0]


def test_docx_headings_tables_and_page_breaks():
    doc = extract(FIXTURES / "rapport.docx")
    assert doc.metadata["author"] == "Service des finances"
    table = doc.tables()[0]
    assert table.rows == (
        ("Poste", "2024", "2025"),
        ("Fiscalité", "1 200 000", "1 236 000"),
        ("Dotations", "450 000", "441 000"),
    )
    assert table.section_number == "1.1" and table.page == 1
    invest = block_with(doc, "rénovation thermique")
    assert invest.page == 2 and invest.section_number == "2"
    assert [b.level for b in doc.headings()] == [1, 1, 2, 1]


def test_odt_outline_and_table():
    doc = extract(FIXTURES / "deliberation.odt")
    assert doc.format == "odt"
    assert doc.tables()[0].rows[1] == ("moins de 500 €", "1,00 €")
    assert doc.tables()[0].section_number == "Article 1"
    last = block_with(doc, "chargé de l'exécution")
    assert last.section == ("Délibération n° 2024-42", "Article 2 - Exécution")
    assert last.citation() == "article 2"


def test_xlsx_and_ods_give_the_same_table():
    xlsx = extract(FIXTURES / "budget.xlsx")
    ods = extract(FIXTURES / "budget.ods")
    assert [b.text for b in xlsx.headings()] == [
        "Feuille « Fonctionnement »",
        "Feuille « Investissement »",
    ]
    assert xlsx.tables()[0].rows == ods.tables()[0].rows
    assert xlsx.tables()[0].rows[3] == ("65", "Autres charges de gestion courante", "98500.5")
    # The 1020 empty cells LibreOffice repeats at the end of each row are dropped.
    assert len(ods.tables()[0].rows[0]) == 3


def test_csv_in_windows_1252_with_semicolons():
    doc = extract(FIXTURES / "menus.csv")
    assert doc.metadata["encoding"] == "cp1252"
    assert doc.metadata["delimiter"] == ";"
    assert doc.tables()[0].rows[1] == (
        "2024-09-02",
        "Carottes râpées",
        "Bœuf bourguignon",
        "Crème brûlée",
    )


def test_big_tables_are_cut_with_the_header_repeated():
    rows = "\n".join(["n;carré"] + [f"{i};{i * i}" for i in range(1, 121)])
    doc = extract_bytes("carres.csv", rows.encode())
    tables = doc.tables()
    assert len(tables) == 3
    assert all(t.rows[0] == ("n", "carré") for t in tables)
    assert tables[1].rows[1] == ("51", "2601") and tables[1].line == 52


def test_email_with_attachments():
    doc = extract(FIXTURES / "offre.eml")
    assert doc.metadata["objet"] == "Réponse à la consultation restauration scolaire"
    assert doc.parts == ["offre.docx", "menus.csv"]
    assert "Veuillez trouver ci-joint notre offre" in doc.text  # quoted-printable, latin-1
    attached = block_with(doc, "rénovation thermique")
    assert attached.source == "offre.docx" and attached.page == 2
    assert attached.citation() == "offre.docx, page 2, § 2"


def test_zip_folder_recurses_and_cites_members():
    doc = extract(FIXTURES / "dossier.zip")
    assert doc.parts == [
        "cctp.pdf",
        "courriels/offre.eml",
        "courriels/offre.eml/offre.docx",
        "courriels/offre.eml/menus.csv",
        "annexes/budget.ods",
    ]
    assert block_with(doc, "conclu pour une durée").citation() == "cctp.pdf, page 2, § 2.3"
    assert block_with(doc, "Gratin de légumes").source == "courriels/offre.eml/menus.csv"
    assert not any("__MACOSX" in b.source for b in doc.blocks)


@pytest.mark.parametrize(
    ("name", "error", "words"),
    [
        ("protege.pdf", ProtectedDocument, "mot de passe"),
        ("protege.zip", ProtectedDocument, "mot de passe"),
        ("tronque.pdf", UnreadableDocument, "endommagé"),
        ("bombe.zip", TooLarge, "bombes ZIP"),
        ("imbrique.zip", TooLarge, "niveaux"),
        ("faux.pdf", UnsupportedFormat, "pas un vrai fichier PDF"),
    ],
)
def test_refusals_have_clear_french_messages(name, error, words):
    with pytest.raises(error) as info:
        extract(FIXTURES / name)
    assert words in info.value.message
    assert name in info.value.message


def test_size_limit_is_a_setting(monkeypatch):
    with pytest.raises(TooLarge, match="au-delà de la limite de 0.01 Mo"):
        extract(FIXTURES / "cctp.pdf", limits=DocumentLimits(max_file_mb=0.01))
    from communia.core.documents import get_limits
    from communia.core.settings import reset_settings

    monkeypatch.setenv("COMMUNIA_MODULES__DOCUMENTS__MAX_FILE_MB", "0.015")
    reset_settings()
    try:
        assert get_limits().max_file_mb == 0.015
        with pytest.raises(TooLarge):
            extract(FIXTURES / "cctp.pdf")
    finally:
        monkeypatch.delenv("COMMUNIA_MODULES__DOCUMENTS__MAX_FILE_MB")
        reset_settings()


def test_unpacked_volume_is_bounded_even_when_sizes_lie(tmp_path):
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(3):
            zf.writestr(
                f"f{i}.txt", ("texte " * 200_000).encode()
            )  # 1.2 MB, ratio < 100? no: low entropy
    with pytest.raises(TooLarge):
        extract_bytes(
            "a.zip",
            buf.getvalue(),
            limits=DocumentLimits(max_unpacked_mb=2, max_compression_ratio=10_000),
        )


def test_too_many_members():
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(30):
            zf.writestr(f"f{i}.txt", f"fichier {i}")
    with pytest.raises(TooLarge, match="30 fichiers"):
        extract_bytes("a.zip", buf.getvalue(), limits=DocumentLimits(max_archive_members=20))


def test_legacy_office_and_empty_files_are_refused():
    with pytest.raises(UnsupportedFormat, match="ancien format"):
        extract_bytes("vieux.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(UnreadableDocument, match="vide"):
        extract_bytes("rien.pdf", b"")


def test_a_misnamed_file_is_told_apart_from_an_unknown_format():
    """A broken « .xlsx » is not « a format not supported » (XLSX is in the accepted list)."""
    with pytest.raises(UnsupportedFormat) as info:
        extract_bytes("budget.xlsx", b"\xff\xfe\x00 pas un classeur")
    assert "n'est pas un vrai fichier XLSX" in info.value.message
    assert "pas pris en charge" not in info.value.message
    with pytest.raises(UnsupportedFormat, match="n'est pas pris en charge"):
        extract_bytes("musique.mp3", b"ID3\x04\x00" + bytes(64))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.iterdir() if p.suffix != ".png"))
def test_damaged_files_never_crash(name):
    """Cut every fixture at several places: the result is a Document or a CommuniaError."""
    data = (FIXTURES / name).read_bytes()
    for cut in (7, len(data) // 2, len(data) - 9):
        damaged = data[:cut] + b"\x00garbage" + data[cut + 8 :]
        try:
            doc = extract_bytes(name, damaged, limits=DocumentLimits(ocr=False))
        except CommuniaError as exc:
            assert exc.message
        else:
            assert isinstance(doc, Document)


def test_json_round_trip():
    doc = extract(FIXTURES / "dossier.zip")
    again = Document.from_json(doc.to_json())
    assert again == doc
    assert json.loads(doc.to_json())["blocks"][0]["source"] == "cctp.pdf"


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("2.3 Durée du marché", "2.3"),
        ("1. Objet", "1"),
        ("ARTICLE 4 - Pénalités", "Article 4"),
        ("Article premier", "Article 1"),
        ("Article L111-2", "Article L111-2"),
        ("Art. R. 2121-10", "Article R. 2121-10"),
        ("Chapitre II : Les tarifs", "Chapitre II"),
        ("III - Dispositions finales", "III"),
    ],
)
def test_heading_lines(line, number):
    match = classify_heading(line)
    assert match is not None and match.number == number


@pytest.mark.parametrize(
    "line",
    [
        "3 000 habitants ont participé à la consultation.",
        "2. La commune s'engage à verser la subvention au plus tard le 30 juin de chaque année.",
        "Le marché est conclu pour un an.",
        "",
    ],
)
def test_not_heading_lines(line):
    assert classify_heading(line) is None


def test_progress_is_reported_per_member_and_can_stop_the_extraction():
    calls = []
    doc = extract(
        FIXTURES / "dossier.zip",
        limits=DocumentLimits(ocr=False),
        on_progress=lambda f, m: calls.append((f, m)),
    )
    assert doc.parts
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and 0 <= fractions[0] < fractions[-1] <= 1
    assert any("courriels/offre.eml : Lecture de « offre.docx »" in m for _, m in calls)

    class Stop(BaseException):
        pass

    def stop(fraction, message):
        raise Stop()

    with pytest.raises(Stop):  # not turned into an UnreadableDocument
        extract(FIXTURES / "dossier.zip", on_progress=stop)


@needs_ocr
def test_ocr_progress_names_the_pages():
    calls = []
    extract(FIXTURES / "arrete_scan.pdf", on_progress=lambda f, m: calls.append((f, m)))
    assert calls == [(0.0, "reconnaissance du texte, page 1 (1/1)")]


def test_pdf_bookmarks_give_headings_in_body_font():
    doc = extract(FIXTURES / "note_signets.pdf")
    vote = block_with(doc, "votées en juin")
    assert vote.section == ("Note de synthèse", "Calendrier")
    assert vote.citation() == "page 1, « Calendrier »"
    annex = block_with(doc, "Annexes financières")
    assert annex.kind == "heading" and annex.level == 1 and annex.page == 2
    assert block_with(doc, "tableau joint").section == ("Annexes financières",)


def test_concurrent_extractions_from_threads_agree():
    """PDFium is not thread-safe; worker threads and web requests share one lock."""
    from concurrent.futures import ThreadPoolExecutor

    names = ["cctp.pdf", "note_signets.pdf", "dossier.zip", "rapport.docx"] * 4
    expected = {n: extract(FIXTURES / n).to_dict() for n in set(names)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: (n, extract(FIXTURES / n).to_dict()), names))
    for name, result in results:
        assert result == expected[name]
