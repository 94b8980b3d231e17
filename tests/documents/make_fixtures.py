# ruff: noqa: E501 - fixture texts read better on one line
"""Build the small, real fixture files of tests/documents/fixtures.

Run once (the output is committed): ``python tests/documents/make_fixtures.py``.
Every file is produced by the real library that writes that format (fpdf2, python-docx,
odfpy, openpyxl, Pillow, the stdlib ``email`` and ``zipfile``; ``zip -P`` for the
password-protected archive), so the tests read files like those a commune receives.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import sys
import zipfile
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: tests/ helpers
from communia_testing import zip_of  # noqa: E402

HERE = Path(__file__).parent / "fixtures"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

CCTP = [
    ("h1", "Cahier des clauses techniques particulières"),
    (
        "p",
        "Marché de fourniture et de livraison de repas pour la restauration scolaire de la commune de Saint-Exemple.",
    ),
    ("h2", "1 Objet du marché"),
    (
        "p",
        "Le présent marché a pour objet la fourniture de repas en liaison froide pour les deux écoles élémentaires et la crèche municipale. Les repas sont livrés chaque jour de classe avant 10 h 30.",
    ),
    ("h2", "2 Conditions d'exécution"),
    ("h3", "2.1 Qualité des denrées"),
    (
        "p",
        "Au moins cinquante pour cent des produits sont durables et de qualité, dont vingt pour cent issus de l'agriculture biologique, conformément à la loi EGalim.",
    ),
    ("h3", "2.2 Menus"),
    (
        "p",
        "Les menus sont établis par une diététicienne et validés en commission des menus six semaines à l'avance. Un menu végétarien est proposé une fois par semaine.",
    ),
    ("break", ""),
    ("h3", "2.3 Durée du marché"),
    (
        "p",
        "Le marché est conclu pour une durée d'un an à compter du 1er septembre. Il peut être reconduit trois fois par période d'un an, sans que sa durée totale puisse excéder quatre ans.",
    ),
    ("h2", "3 Prix et règlement"),
    (
        "p",
        "Les prix sont unitaires, fermes la première année puis révisés chaque année selon l'indice des prix à la consommation.",
    ),
]


def build_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", FONT_BOLD)
    pdf.set_title("CCTP restauration scolaire")
    pdf.set_author("Commune de Saint-Exemple")
    pdf.add_page()
    sizes = {"h1": 18, "h2": 14, "h3": 12}
    for kind, text in CCTP:
        if kind == "break":
            pdf.add_page()
            continue
        if kind in sizes:
            pdf.set_font("DejaVu", "B", sizes[kind])
            pdf.ln(4)
            pdf.multi_cell(0, sizes[kind] * 0.55, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        else:
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


def build_bookmarked_pdf() -> bytes:
    """Headings in the body font, unnumbered: only the PDF outline (bookmarks) tells them."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", FONT)
    pdf.set_font("DejaVu", "", 10)
    pdf.add_page()
    sections = [
        (0, "Note de synthèse", "Cette note présente le projet de budget participatif."),
        (
            1,
            "Contexte",
            "La commune a consacré cinq pour cent de son budget d'investissement au vote des habitants.",
        ),
        (1, "Calendrier", "Les propositions sont déposées en mars et votées en juin."),
        (0, "Annexes financières", "Le détail des montants figure dans le tableau joint."),
    ]
    for index, (level, title, text) in enumerate(sections):
        if index == 3:
            pdf.add_page()
        pdf.start_section(title, level=level)
        pdf.multi_cell(0, 5, title, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def build_protected_pdf() -> bytes:
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.set_encryption(
        owner_password="proprietaire",
        user_password="secret",
        encryption_method=EncryptionMethod.RC4,
    )
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Document confidentiel")
    return bytes(pdf.output())


SCAN_LINES = [
    "REPUBLIQUE FRANÇAISE",
    "",
    "Arrêté municipal n° 2024-017",
    "",
    "Le maire de la commune de Saint-Exemple,",
    "Vu le code général des collectivités territoriales,",
    "",
    "ARRÊTE",
    "",
    "Article 1 - La circulation est interdite rue de la",
    "République du 3 au 5 juin pour la fête communale.",
    "",
    "Article 2 - Le présent arrêté sera affiché en mairie.",
]


def build_scan():
    """A page as a scanner returns it: text rendered at 300 dpi, slightly rotated, noisy."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = 2480, 1754  # A4 landscape half-page at 300 dpi
    image = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 52)
    y = 150
    for line in SCAN_LINES:
        if line:
            draw.text((200, y), line, fill=25, font=font)
        y += 80
    rng = random.Random(17)
    pixels = image.load()
    for _ in range(6000):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 120, 200))
    image = image.rotate(0.6, fillcolor=250, resample=Image.BICUBIC).filter(
        ImageFilter.GaussianBlur(0.6)
    )
    return image


def build_scan_pdf(image) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.add_page()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    pdf.image(buf, x=0, y=0, w=297)
    return bytes(pdf.output())


def build_docx() -> bytes:
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.core_properties.title = "Rapport d'orientation budgétaire"
    document.core_properties.author = "Service des finances"
    document.add_heading("Rapport d'orientation budgétaire 2025", level=0)
    document.add_heading("1 Contexte", level=1)
    document.add_paragraph(
        "La dotation globale de fonctionnement diminue de deux pour cent tandis que les "
        "dépenses d'énergie augmentent fortement."
    )
    document.add_heading("1.1 Recettes", level=2)
    document.add_paragraph("Les recettes fiscales progressent grâce à la revalorisation des bases.")
    table = document.add_table(rows=3, cols=3)
    for r, row in enumerate(
        [
            ["Poste", "2024", "2025"],
            ["Fiscalité", "1 200 000", "1 236 000"],
            ["Dotations", "450 000", "441 000"],
        ]
    ):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    paragraph = document.add_paragraph("Fin de la première partie.")
    paragraph.add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("2 Investissements", level=1)
    document.add_paragraph("La rénovation thermique de l'école est la priorité du mandat.")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def build_odt() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Délibération n° 2024-42"))
    doc.text.addElement(
        P(text="Le conseil municipal, après en avoir délibéré, adopte les tarifs suivants.")
    )
    doc.text.addElement(H(outlinelevel=2, text="Article 1 - Tarifs de la cantine"))
    table = Table(name="Tarifs")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for row in (
        ["Quotient familial", "Prix du repas"],
        ["moins de 500 €", "1,00 €"],
        ["500 € et plus", "3,20 €"],
    ):
        tr = TableRow()
        for value in row:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            tr.addElement(cell)
        table.addElement(tr)
    doc.text.addElement(table)
    doc.text.addElement(H(outlinelevel=2, text="Article 2 - Exécution"))
    doc.text.addElement(P(text="Le maire est chargé de l'exécution de la présente délibération."))
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


BUDGET = [
    ["Chapitre", "Libellé", "Montant (€)"],
    ["011", "Charges à caractère général", 512000],
    ["012", "Charges de personnel", 1340000],
    ["65", "Autres charges de gestion courante", 98500.5],
]


def build_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Fonctionnement"
    for row in BUDGET:
        sheet.append(row)
    other = workbook.create_sheet("Investissement")
    other.append(["Opération", "Montant (€)"])
    other.append(["Rénovation de l'école", 850000])
    buf = io.BytesIO()
    workbook.save(buf)
    return buf.getvalue()


def build_ods() -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name="Fonctionnement")
    for row in BUDGET:
        tr = TableRow()
        for value in row:
            if isinstance(value, str):
                cell = TableCell(valuetype="string")
            else:
                cell = TableCell(valuetype="float", value=value)
            cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        # Like LibreOffice: the rest of the row is one repeated empty cell.
        tr.addElement(TableCell(numbercolumnsrepeated=1020))
        table.addElement(tr)
    doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return buf.getvalue()


def build_csv() -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Date", "Entrée", "Plat", "Dessert"])
    writer.writerow(["2024-09-02", "Carottes râpées", "Bœuf bourguignon", "Crème brûlée"])
    writer.writerow(["2024-09-03", "Salade de lentilles", "Gratin de légumes", "Pêche"])
    return buf.getvalue().encode("cp1252")


def build_eml(docx_bytes: bytes, csv_bytes: bytes) -> bytes:
    message = EmailMessage()
    message["From"] = "Fournisseur Repas <contact@repas-exemple.fr>"
    message["To"] = "mairie@saint-exemple.fr"
    message["Subject"] = "Réponse à la consultation restauration scolaire"
    message["Date"] = "Mon, 02 Sep 2024 09:30:00 +0200"
    message.set_content(
        "Madame, Monsieur,\n\nVeuillez trouver ci-joint notre offre et les menus de septembre.\n\n"
        "Bien cordialement,\nLe service commercial\n",
        charset="iso-8859-1",
        cte="quoted-printable",
    )
    message.add_attachment(
        docx_bytes,
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
        filename="offre.docx",
    )
    message.add_attachment(csv_bytes, maintype="text", subtype="csv", filename="menus.csv")
    return message.as_bytes()


def build_bomb() -> bytes:
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open("zeros.txt", "w", force_zip64=True) as handle,
    ):
        chunk = b"\0" * 1_048_576
        for _ in range(64):
            handle.write(chunk)
    return buf.getvalue()


def build_nested(depth: int) -> bytes:
    data = b"Le fond de l'archive."
    name = "fond.txt"
    for level in range(depth):
        data = zip_of({name: data})
        name = f"niveau{level}.zip"
    return data


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    pdf = build_pdf()
    (HERE / "cctp.pdf").write_bytes(pdf)
    (HERE / "tronque.pdf").write_bytes(pdf[: len(pdf) // 3])
    (HERE / "protege.pdf").write_bytes(build_protected_pdf())
    (HERE / "note_signets.pdf").write_bytes(build_bookmarked_pdf())
    scan = build_scan()
    scan.save(HERE / "arrete_scan.png", optimize=True)
    (HERE / "arrete_scan.pdf").write_bytes(build_scan_pdf(scan))
    docx_bytes = build_docx()
    (HERE / "rapport.docx").write_bytes(docx_bytes)
    (HERE / "deliberation.odt").write_bytes(build_odt())
    (HERE / "budget.xlsx").write_bytes(build_xlsx())
    (HERE / "budget.ods").write_bytes(build_ods())
    csv_bytes = build_csv()
    (HERE / "menus.csv").write_bytes(csv_bytes)
    eml = build_eml(docx_bytes, csv_bytes)
    (HERE / "offre.eml").write_bytes(eml)
    (HERE / "dossier.zip").write_bytes(
        zip_of(
            {
                "cctp.pdf": pdf,
                "courriels/offre.eml": eml,
                "annexes/budget.ods": build_ods(),
                "__MACOSX/._cctp.pdf": b"x",
            }
        )
    )
    (HERE / "bombe.zip").write_bytes(build_bomb())
    (HERE / "imbrique.zip").write_bytes(build_nested(5))
    protected = HERE / "protege.zip"
    protected.unlink(missing_ok=True)
    if shutil.which("zip"):
        tmp = HERE / "secret.txt"
        tmp.write_text("Mot de passe du coffre : 1234\n")
        subprocess.run(["zip", "-q", "-j", "-P", "secret", str(protected), str(tmp)], check=True)
        tmp.unlink()
    (HERE / "faux.pdf").write_bytes(
        b"Ceci n'est pas un PDF, juste du texte avec une extension trompeuse.\x00\x01"
    )


if __name__ == "__main__":
    main()
