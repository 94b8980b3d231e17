"""``communia documents ...``: a thin adapter over ``communia.core.documents``."""

from __future__ import annotations

from pathlib import Path

import click

from communia.cli.i18n import t

__all__ = ["documents_group"]


@click.group(
    name="documents",
    help=t(
        "Lire les documents reçus (PDF, scans, DOCX, ODT, tableurs, courriels, ZIP).",
        "Read incoming documents (PDF, scans, DOCX, ODT, spreadsheets, e-mails, ZIP).",
    ),
)
def documents_group() -> None:
    pass


@documents_group.command(
    "extract",
    help=t(
        "Extraire le texte d'un fichier, avec pages et sections (pour citer « page 4, § 2.3 »).",
        "Extract a file's text with pages and sections (to cite 'page 4, § 2.3').",
    ),
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--json", "as_json", is_flag=True, help=t("Sortie JSON complète.", "Full JSON output.")
)
@click.option(
    "--no-ocr", is_flag=True, help=t("Ne pas lancer l'OCR sur les pages numérisées.", "Skip OCR.")
)
def extract_command(file: Path, as_json: bool, no_ocr: bool) -> None:
    from communia.core.documents import extract, get_limits

    limits = get_limits()
    if no_ocr:
        limits = limits.model_copy(update={"ocr": False})
    document = extract(file, limits=limits)
    if as_json:
        click.echo(document.to_json(indent=2))
        return
    pages = f", {document.pages} page(s)" if document.pages else ""
    ocr = f", {document.ocr_pages} page(s) lue(s) par OCR" if document.ocr_pages else ""
    click.echo(f"{document.name} — format {document.format.upper()}{pages}{ocr}")
    for part in document.parts:
        click.echo(f"  contient : {part}")
    for warning in document.warnings:
        click.echo(f"Attention : {warning}", err=True)
    for block in document.blocks:
        marker = {"heading": "#", "table": "▦", "paragraph": "¶"}[block.kind]
        click.echo(f"\n[{block.citation()}] {marker}")
        click.echo(block.text)
