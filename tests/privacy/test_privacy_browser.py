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
