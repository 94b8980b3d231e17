"""The phone assistant's callback dialogue (``communia.modules.assistant.voice:respond``) on a
real migrated database with the demo commune: out of hours, or when the call cannot be
transferred, the callbot offers a callback to the caller's number (or asks for it and reads
it back) and books it with the chat page's own function. The end-to-end call, with the
real speech model, is in ``tests/voice/test_voice_transfer.py``."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from communia.core.db import read_session
from communia.core.settings import reset_settings

TUESDAY_10H = datetime.fromisoformat("2026-03-03T10:00:00+01:00")
SUNDAY_23H = datetime.fromisoformat("2026-03-08T23:00:00+01:00")
ROUTED = "Il y a un gros nid-de-poule dans ma rue"


@pytest.fixture
def demo(database, monkeypatch):
    from communia.modules.assistant.knowledge import seed_demo

    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__EMBEDDER", "none")
    reset_settings()
    yield seed_demo(slug="villebelle")
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__EMBEDDER")
    reset_settings()


def say(text: str, call: dict, now: datetime = SUNDAY_23H) -> dict:
    from communia.modules.assistant.voice import respond

    return respond(text, commune_slug="villebelle", channel="phone", call=call, now=now)


def callbacks():
    from communia.modules.assistant.models import Callback

    with read_session() as s:
        return list(s.scalars(select(Callback)))


def assert_booked(out: dict, number: str) -> None:
    from communia.modules.assistant.conversations import slot_text

    [cb] = callbacks()
    assert cb.contact == number and cb.status == "a_faire" and cb.conversation_id
    assert out["action"] == "callback" and "awaiting" not in out
    assert out["answer"] == (
        f"C'est noté. Le service {out['service']} vous rappellera le "
        f"{slot_text(cb.slot_start)}, au {number}."
    )


def test_out_of_hours_the_caller_id_is_offered_and_booked(demo):
    from communia.core.models import AuditEntry

    call = {"caller": "+33612345678", "can_transfer": True}
    offer = say(ROUTED, call)
    assert offer["action"] == "ticket" and offer["awaiting"] == "oui_non"
    assert "est fermé en ce moment : votre demande lui est transmise" in offer["answer"]
    assert offer["answer"].endswith(
        "Voulez-vous que le service vous rappelle au 06 12 34 56 78 ? Répondez par oui ou par non."
    )
    assert "transfer" not in offer and callbacks() == []
    out = say("Oui, s'il vous plaît.", call)
    assert_booked(out, "06 12 34 56 78")
    assert "rappellera le lundi 9 mars à 8 h 30" in out["answer"]  # the next opening
    assert "callback" not in call  # the dialogue is over: the next words are a question
    nxt = say("Comment inscrire mon enfant à la cantine ?", call)
    assert nxt["action"] == "answer"
    with read_session() as s:
        journal = " ".join(f"{e.summary} {e.details}" for e in s.scalars(select(AuditEntry)))
    assert "12 34 56" not in journal and "612345678" not in journal


def test_without_caller_id_the_number_is_asked_and_read_back(demo):
    call = {"caller": None, "can_transfer": False}
    offer = say(ROUTED, call)
    assert offer["answer"].endswith(
        "Voulez-vous que le service vous rappelle ? Répondez par oui ou par non."
    )
    ask = say("Oui", call)
    assert ask["awaiting"] == "numero" and "À quel numéro" in ask["answer"]
    unclear = say("euh attendez", call)
    assert unclear["awaiting"] == "numero" and "pas compris le numéro" in unclear["answer"]
    heard = say("Zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit.", call)
    assert heard["answer"] == (
        "J'ai noté le 06 12 34 56 78. Est-ce exact ? Répondez par oui ou par non."
    )
    again = say("Non.", call)
    assert again["awaiting"] == "numero" and "Redites-moi le numéro" in again["answer"]
    heard = say("C'est le 01 30 00 00 09", call)
    assert "J'ai noté le 01 30 00 00 09." in heard["answer"]
    corrected = say("non c'est le zéro un trente zéro zéro zéro zéro quatre-vingt-dix", call)
    assert "J'ai noté le 01 30 00 00 90." in corrected["answer"]
    assert callbacks() == []
    assert_booked(say("Oui c'est ça", call), "01 30 00 00 90")


def test_in_office_hours_the_transfer_falls_back_on_a_callback(demo):
    """Open service: the bridge transfers (REFER); if the transfer fails the caller hears
    the service's number and the offer, and « oui » books it. Without a transfer (an
    AudioSocket call) the offer comes at once."""
    call = {"caller": "0612345678", "can_transfer": True}
    out = say(ROUTED, call, TUESDAY_10H)
    assert out["action"] == "route" and "awaiting" not in out
    transfer = out["transfer"]
    assert transfer["number"] and transfer["fallback"] == (
        f"Le transfert n'a pas abouti. Le service {out['service']} est joignable au "
        f"{transfer['number']}. Voulez-vous que le service vous rappelle au 06 12 34 56 78 ? "
        "Répondez par oui ou par non."
    )
    assert_booked(say("oui", call, TUESDAY_10H), "06 12 34 56 78")

    audiosocket = {"caller": None, "can_transfer": False}
    out = say(ROUTED, audiosocket, TUESDAY_10H)
    assert "transfer" not in out and out["awaiting"] == "oui_non"
    assert f"peut vous répondre au {transfer['number']}" in out["answer"]


def test_no_refusal_nor_misunderstanding_loses_the_caller(demo):
    call = {"caller": "0612345678"}
    say(ROUTED, call)
    no = say("Non merci", call)
    assert no["answer"].startswith("D'accord, je ne prends pas de rappel. Vous pouvez joindre")
    assert "aux heures d'ouverture" in no["answer"] and "callback" not in call
    say(ROUTED, call)
    first = say("hein", call)
    assert first["answer"].startswith("Je n'ai pas compris. Voulez-vous que le service")
    last = say("quoi", call)
    assert last["answer"].startswith("Je n'ai pas compris. Vous pouvez joindre le service")
    assert "callback" not in call and callbacks() == []
    # an emergency or a new question during the offer goes to the assistant
    say(ROUTED, call)
    assert say("Au secours, il y a le feu chez moi", call)["action"] == "emergency"
    assert "callback" not in call
    say(ROUTED, call)
    assert say("Comment inscrire mon enfant à la cantine ?", call)["action"] == "answer"
    assert callbacks() == []
