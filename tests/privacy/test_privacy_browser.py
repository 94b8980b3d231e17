"""The pseudonymisation page in a real Chromium: labelled fields, keyboard-free flow, screenshot."""

import pytest

from communia_testing import browser_login, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_agent_pseudonymises_a_pasted_letter(page, two_communes):
    browser_login(page, "agent@ville-a.fr")
    page.get_by_role("link", name="Pseudonymiser").click()
    page.get_by_label("Collez le texte").fill(
        "Bonjour, je suis M. Loïc Tanguy, 4 rue des Écoles, 22300 Lannion. "
        "Mon IBAN : FR76 3000 6000 0112 3456 7890 189."
    )
    page.get_by_label("Conserver la table de correspondance chiffrée").check()
    page.get_by_role("button", name="Pseudonymiser").click()
    result = page.get_by_label("Résultat (modifiable avant téléchargement)")
    assert result.input_value() == "Bonjour, je suis M. Personne 1, Adresse 1. Mon IBAN : IBAN 1."
    assert page.get_by_text("Table de correspondance enregistrée").is_visible()
    shot(page, "privacy-pseudonymise")


def test_agent_uploads_a_docx_and_a_broken_pdf(page, two_communes, tmp_path):
    """A DOCX is read and pseudonymised; a broken PDF gets a French message on the same page,
    the pasted draft still there."""
    import docx

    letter = docx.Document()
    letter.add_paragraph("Madame Nolwenn Le Goff, 3 place du Marché, 29000 Quimper, écrit.")
    letter.save(tmp_path / "courrier.docx")
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7 tronque")
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/confidentialite")
    page.get_by_label("Collez le texte").fill("Brouillon à garder")
    page.get_by_label("ou choisissez un fichier").set_input_files(tmp_path / "scan.pdf")
    page.get_by_role("button", name="Pseudonymiser").click()
    assert "n'est pas un PDF lisible" in page.get_by_role("alert").text_content()
    assert page.get_by_label("Collez le texte").input_value() == "Brouillon à garder"
    shot(page, "privacy-broken-pdf")
    page.get_by_label("ou choisissez un fichier").set_input_files(tmp_path / "courrier.docx")
    page.get_by_role("button", name="Pseudonymiser").click()
    result = page.get_by_label("Résultat (modifiable avant téléchargement)").input_value()
    assert "Le Goff" not in result and "Quimper" not in result and "Personne 1" in result
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger (courrier-pseudonymise.txt)").click()
    assert download.value.suggested_filename == "courrier-pseudonymise.txt"
    assert "Personne 1" in download.value.path().read_text(encoding="utf-8")
