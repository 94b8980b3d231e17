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
