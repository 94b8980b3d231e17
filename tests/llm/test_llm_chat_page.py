"""The agents' chat page streams the real embedded model in a real Chromium, and audits it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from communia.core.db import read_session
from communia.core.models import AuditEntry
from communia_testing import browser_login, shot

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_agent_chats_with_the_local_model_and_the_call_is_audited(page, two_communes, real_model):
    browser_login(page, "agent@ville-a.fr")
    page.get_by_role("link", name="Modèle de langage").click()
    page.wait_for_url("**/app/llm")
    assert (
        "Modèle local uniquement"
        in page.get_by_role("region", name="Politique de souveraineté de la commune").text_content()
    )
    assert page.get_by_text("Vous échangez avec une intelligence artificielle").is_visible()

    page.get_by_label("Votre message").fill("Quelle est la capitale de la France ? Un mot.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#chat-etat")).to_have_text("Réponse terminée.", timeout=240_000)
    answer = page.locator(".chat-assistant .chat-text").first.text_content()
    assert "paris" in answer.lower()
    shot(page, "llm-chat")

    with read_session() as s:
        entry = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "llm.completion")
            .order_by(AuditEntry.seq.desc())
        ).first()
    assert entry is not None and entry.actor == "agent@ville-a.fr"
    assert entry.summary == (  # words, not « api:v1/chat/completions »
        "Appel au modèle de langage (local) : dialogue ou outil de la commune (API /v1)"
    )
    assert entry.details["stream"] is True and entry.details["completion_tokens"] > 0
    assert "capitale" not in str(entry.details)  # the commune's policy: hashes, not clear text


def test_empty_message_is_refused_in_french(page, two_communes):
    browser_login(page, "elu@ville-a.fr")
    page.goto("/app/llm")
    page.evaluate("document.getElementById('message').removeAttribute('required')")
    page.get_by_role("button", name="Envoyer").click()
    assert page.locator("#chat-etat").text_content() == "Écrivez un message."


def test_the_conversation_box_shows_only_once_there_is_a_message(page, two_communes):
    """Before the first message the page showed an empty bordered box, read as broken."""
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/llm")
    box = page.locator("#conversation")
    expect(box).to_be_hidden()
    page.get_by_label("Votre message").fill("Bonjour")
    page.get_by_role("button", name="Envoyer").click()
    expect(box).to_be_visible()
    expect(box.locator(".chat-user")).to_have_text("Vous : Bonjour")
    page.get_by_role("button", name="Nouvelle conversation").click()
    expect(box).to_be_hidden()


def test_a_closed_session_is_told_in_french_not_as_an_http_code(page, two_communes):
    """The script reads OpenAI's ``error.message``: a refusal under /v1 (here the session
    closed in another tab) showed « Erreur 401 »; it shows the French message. The
    conversation is marked busy while the answer is written (read once, not word by word)."""
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/llm")
    page.context.clear_cookies()
    page.get_by_label("Votre message").fill("Bonjour")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#chat-etat")).to_have_text(
        "Authentification requise : jeton d'API (en-tête Authorization: Bearer …) ou session "
        "ouverte."
    )
    expect(page.locator("#conversation")).to_have_attribute("aria-busy", "false")
