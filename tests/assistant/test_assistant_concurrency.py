"""20 simultaneous citizen chats over real HTTP against the live server (uvicorn, real
database): every chat gets its answers, in its own conversation. No timing is checked here
(see ``benchmarks/assistant_bench.py http`` for the latency figures)."""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import func, select

from communia.core.settings import reset_settings

CHATS = 20
QUESTIONS = [
    "Comment inscrire mon enfant à la cantine ?",
    "Quels sont les horaires de la déchetterie ?",
    "Je voudrais refaire ma carte d'identité",
    "Comment m'inscrire sur les listes électorales ?",
    "Il y a le feu dans la cuisine de mon voisin",
]


@pytest.fixture
def villebelle(database, live_server, monkeypatch):
    from communia.modules.assistant.knowledge import seed_demo

    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__EMBEDDER", "none")
    reset_settings()
    seed_demo(slug="villebelle")
    yield live_server
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__EMBEDDER")
    reset_settings()


def test_twenty_simultaneous_http_chats_all_succeed(villebelle):
    from communia.core.db import read_session
    from communia.modules.assistant.models import Conversation, Message

    start = threading.Barrier(CHATS)
    results: dict[int, list] = {}
    failures: list[str] = []

    def chat(i: int) -> None:
        token = ""
        replies = []
        try:
            with httpx.Client(base_url=villebelle, timeout=120) as client:
                start.wait(timeout=60)  # every chat sends its first message at the same time
                # two messages per chat, the second one in the same conversation
                for question in (QUESTIONS[i % len(QUESTIONS)], "Et quels sont les horaires ?"):
                    r = client.post(
                        "/api/v1/assistant/ask",
                        data={"commune": "villebelle", "question": question, "conversation": token},
                        headers={"origin": "https://www.villebelle.fr"},
                    )
                    if r.status_code != 200:
                        failures.append(f"chat {i}: HTTP {r.status_code} {r.text[:200]}")
                        return
                    body = r.json()
                    token = token or body["conversation"]
                    if body["conversation"] != token:
                        failures.append(f"chat {i}: conversation changed")
                    replies.append(body)
        except Exception as exc:  # noqa: BLE001 - reported below with the chat number
            failures.append(f"chat {i}: {exc!r}")
        results[i] = replies

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(CHATS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert failures == []
    assert sorted(results) == list(range(CHATS))
    for i, replies in results.items():
        assert len(replies) == 2
        first = replies[0]
        assert first["answer"].startswith("Vous échangez avec une intelligence artificielle.")
        if "feu" in QUESTIONS[i % len(QUESTIONS)]:
            assert first["action"] == "emergency" and first["emergency"]["number"] == "18"
        else:
            assert first["action"] in ("answer", "route", "ticket")
    cantine = [results[i][0] for i in range(0, CHATS, len(QUESTIONS))]
    assert all(r["action"] == "answer" and r["sources"] for r in cantine)
    # one conversation per chat, every message stored once
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(Conversation)) == CHATS
        assert s.scalar(select(func.count()).select_from(Message)) == CHATS * 2 * 2
