"""The embeddable widget on a third-party page, in a real Chromium.

A plain HTML page, served from another origin (``localhost:<port>``, like a commune's own
website), embeds ``<script src=".../widget.js">`` from the Communia instance
(``127.0.0.1:<port>``). The citizen opens the widget with the keyboard, asks questions and
gets answers with sources in an ARIA live region; an emergency message is announced as an
alert; nothing is fetched from anywhere else than the two origins."""

from __future__ import annotations

import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from communia.core.settings import reset_settings
from communia_testing import shot

pytestmark = pytest.mark.browser

COMMUNE_SITE = """<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Mairie de Villebelle — site officiel</title>
<style>body{{font-family:Georgia,serif;margin:2rem}} button{{font-family:inherit}}</style></head>
<body>
<header><h1>Mairie de Villebelle</h1><nav><a href="#actu">Actualités</a></nav></header>
<main><h2 id="actu">Actualités</h2><p>Le marché de Noël ouvre le 12 décembre.</p>
<p><a href="#contact">Nous contacter</a></p></main>
<script src="{instance}/c/villebelle/assistant/widget.js" defer></script>
</body></html>
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def commune_site(tmp_path, live_server, monkeypatch):
    """The commune's own website: a static page on another origin embedding the widget."""
    from communia.modules.assistant.knowledge import seed_demo

    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__EMBEDDER", "none")
    reset_settings()
    seed_demo(slug="villebelle")
    (tmp_path / "index.html").write_text(COMMUNE_SITE.format(instance=live_server), "utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # "localhost" and "127.0.0.1" are different origins for the browser: a real cross-origin
    # embedding, as on a commune's site.
    yield f"http://localhost:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__EMBEDDER")
    reset_settings()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_widget_on_a_third_party_page(page, commune_site, live_server):
    from communia.core.db import read_session
    from communia.modules.assistant.models import Conversation

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")  # the site has none
            else None
        ),
    )
    page.goto(commune_site)

    launcher = page.get_by_role("button", name="Une question ? Assistant de la mairie")
    launcher.wait_for()
    assert launcher.get_attribute("aria-expanded") == "false"
    dialog = page.get_by_role("dialog", name="Assistant de la mairie")
    assert not dialog.is_visible()

    # Keyboard only: Tab to the launcher (after the page's own links), Enter opens the dialog
    # and puts the focus in the question field.
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-controls')") == "communia-chat":
            break
    else:
        pytest.fail("the widget's launcher is not reachable with Tab")
    page.keyboard.press("Enter")
    assert dialog.is_visible()
    assert launcher.get_attribute("aria-expanded") == "true"
    question = page.get_by_role("textbox", name="Votre question")
    assert question.evaluate("el => el === document.activeElement")
    assert dialog.get_by_text("Vous échangez avec une intelligence artificielle").is_visible()

    # The answers are appended inside a polite live region (read by screen readers).
    live = dialog.locator("[aria-live=polite]")
    assert live.count() == 1
    page.keyboard.type("Comment inscrire mon enfant à la cantine ?")
    page.keyboard.press("Enter")  # Enter sends, Shift+Enter would add a line
    answer = live.locator("[data-role=assistant]").first
    answer.wait_for(timeout=30000)
    assert "Vous échangez avec une intelligence artificielle" in answer.text_content()
    # the commune's FAQ first (no address: its title, no dead link), then service-public.fr
    sources = answer.locator("p", has_text="Source : ")
    assert sources.count() >= 2
    assert sources.first.text_content() == (
        "Source : Comment inscrire mon enfant à la cantine, à la garderie ou au centre de "
        "loisirs ? (mairie)"
    )
    assert sources.first.get_by_role("link").count() == 0
    links = answer.get_by_role("link")
    assert links.count() >= 1
    assert all(
        "service-public.fr" in links.nth(i).get_attribute("href") for i in range(links.count())
    )
    assert question.evaluate("el => el === document.activeElement")  # ready for the next one
    shot(page, "assistant-widget-answer")

    # An emergency is announced at once (role=alert) with the right number.
    page.keyboard.type("Au secours il y a le feu dans l'immeuble de ma voisine")
    page.keyboard.press("Enter")
    alert = live.get_by_role("alert")
    alert.wait_for(timeout=30000)
    text = alert.text_content()
    assert "18" in text and "112" in text
    # the number comes first, before the disclosure, as on the commune's page
    assert alert.locator("p").first.text_content() == "Urgence : appelez le 18."
    shot(page, "assistant-widget-emergency")

    # Both messages belong to one conversation kept by the widget.
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(Conversation)) == 1

    # Escape closes the dialog and gives the focus back to the launcher.
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert launcher.evaluate("el => el === document.activeElement")
    assert launcher.get_attribute("aria-expanded") == "false"

    # No external call: only the commune's site and the Communia instance were contacted.
    origins = {_origin(u) for u in requests if not u.startswith("data:")}
    assert origins == {_origin(commune_site), _origin(live_server)}
    assert errors == []


def test_widget_books_a_callback_from_the_third_party_page(page, commune_site, live_server):
    """An answer that sends the citizen to a service offers « Être rappelé par le service »
    in the widget: a refused contact keeps what was typed with a French error; a good one
    books the service's next slot, said in words, once per conversation."""
    from communia.core.db import read_session
    from communia.modules.assistant.models import Callback

    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(commune_site)
    page.get_by_role("button", name="Une question ? Assistant de la mairie").click()
    dialog = page.get_by_role("dialog", name="Assistant de la mairie")
    live = dialog.locator("[aria-live=polite]")

    # an answered question offers nothing
    page.keyboard.type("Comment inscrire mon enfant à la cantine ?")
    page.keyboard.press("Enter")
    live.locator("[data-role=assistant]").first.wait_for(timeout=30000)
    assert live.locator("form[data-role=rappel]").count() == 0

    page.keyboard.type("Il y a un gros nid-de-poule dans ma rue")
    page.keyboard.press("Enter")
    offer = live.get_by_role("form", name="Être rappelé par le service")
    offer.wait_for(timeout=30000)
    contact = offer.get_by_role(
        "textbox", name="Être rappelé par le service : votre téléphone ou adresse électronique"
    )
    contact.fill("12345")
    contact.press("Enter")
    alert = offer.get_by_role("alert")
    alert.wait_for(timeout=30000)
    assert "numéro de téléphone français" in alert.text_content()
    assert contact.get_attribute("aria-invalid") == "true"
    assert contact.input_value() == "12345"  # what was typed is kept
    assert contact.evaluate("el => el === document.activeElement")
    with read_session() as s:
        assert s.query(Callback).count() == 0

    contact.fill("06.12.34.56.78")
    offer.get_by_role("button", name="Être rappelé").click()
    booked = live.locator("[data-role=rappel-reserve]")
    booked.wait_for(timeout=30000)
    said = booked.text_content()
    assert re.fullmatch(
        r"Le service .+ vous rappellera le \w+ (\d+|1er) \w+ à \d+ h( \d\d)?\.", said
    )
    assert live.locator("form[data-role=rappel]").count() == 0
    shot(page, "assistant-widget-callback")
    with read_session() as s:
        cb = s.query(Callback).one()
        assert cb.contact == "06 12 34 56 78" and cb.status == "a_faire"
        assert cb.conversation_id is not None
    assert {_origin(u) for u in requests if not u.startswith("data:")} == {
        _origin(commune_site),
        _origin(live_server),
    }
    assert errors == []
