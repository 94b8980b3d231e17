"""Assistant pages through the real app served by uvicorn (BM25 only, for speed)."""

from __future__ import annotations

import re

import pytest

from communia.core.settings import reset_settings
from communia_testing import PASSWORD, csrf_of, login


@pytest.fixture
def villebelle(http, monkeypatch):
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.core.users import create_user
    from communia.modules.assistant.knowledge import seed_demo

    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__EMBEDDER", "none")
    reset_settings()
    seed_demo(slug="villebelle")
    with write_session() as s:
        commune = commune_by_slug(s, "villebelle")
        create_user(
            s,
            commune_id=commune.id,
            email="agent@villebelle.fr",
            full_name="Agent V",
            role="agent",
            password=PASSWORD,
            by="test",
        )
    yield http
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__EMBEDDER")
    reset_settings()


def test_public_chat_page_and_widget(villebelle):
    http = villebelle
    page = http.get("/c/villebelle/assistant")
    assert page.status_code == 200
    assert "Vous échangez avec une intelligence artificielle" in page.text
    answer = http.post(
        "/c/villebelle/assistant", data={"question": "Comment inscrire mon enfant à la cantine ?"}
    )
    assert answer.status_code == 200
    assert "vosdroits/F24570" in answer.text
    empty = http.post("/c/villebelle/assistant", data={"question": ""})
    assert empty.status_code == 200 and "vide" in empty.text
    js = http.get("/c/villebelle/assistant/widget.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert '"villebelle"' in js.text and "/api/v1/assistant/ask" in js.text
    assert http.get("/c/nulle-part/assistant/widget.js").status_code == 404


def test_api_ask_for_the_widget(villebelle):
    http = villebelle
    r = http.post(
        "/api/v1/assistant/ask",
        data={"commune": "villebelle", "question": "Au secours, mon père ne respire plus"},
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    data = r.json()
    assert data["action"] == "emergency" and data["emergency"]["number"] == "15"
    assert data["conversation"]
    unknown = http.post("/api/v1/assistant/ask", data={"commune": "x", "question": "bonjour"})
    assert unknown.status_code == 404 and "Commune inconnue" in unknown.json()["message"]


def test_agents_queue_dashboard_and_staffing(villebelle):

    http = villebelle
    http.post(
        "/c/villebelle/assistant",
        data={"question": "Où se trouve le composteur collectif des Tilleuls ?"},
    )
    assert http.get("/app/assistant").status_code in (303, 401, 302)  # not logged in
    login(http, "agent@villebelle.fr")
    page = http.get("/app/assistant")
    assert page.status_code == 200 and "composteur" in page.text
    qid = re.search(r'action="/app/assistant/file/(\d+)"', page.text).group(1)
    token = csrf_of(http, "/app/assistant")
    r = http.post(
        f"/app/assistant/file/{qid}",
        data={
            "csrf_token": token,
            "title": "Où se trouve le composteur collectif des Tilleuls ?",
            "body": "Le composteur est derrière l'école Jean-Jaurès.",
        },
    )
    assert r.status_code == 303
    again = http.post(
        "/api/v1/assistant/ask",
        data={
            "commune": "villebelle",
            "question": "Où se trouve le composteur collectif des Tilleuls ?",
        },
    ).json()
    assert again["action"] == "answer" and "Jean-Jaurès" in again["answer"]
    staffing = http.post(
        "/app/assistant/effectifs",
        data={
            "csrf_token": token,
            "appels": "53",
            "duree": "3",
            "patience": "1",
            "agents": "2",
            "bot": "0",
            "lignes": "4",
        },
    )
    assert staffing.status_code == 200 and "42,4" in staffing.text.replace("42.4", "42,4")


def test_feedback_from_the_chat_page(villebelle):
    http = villebelle
    page = http.post("/c/villebelle/assistant", data={"question": "Quand a lieu le marché ?"})
    token = re.search(r'name="conversation" value="([^"]+)"', page.text).group(1)
    r = http.post("/c/villebelle/assistant/avis", data={"conversation": token, "utile": "non"})
    assert r.status_code == 200 and "Merci pour votre avis" in r.text
    bad = http.post("/c/villebelle/assistant/avis", data={"conversation": "x", "utile": "non"})
    assert bad.status_code == 422
