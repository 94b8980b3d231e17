"""Phone entry point used by the core voice bridge (``communia.core.speech``).

``respond(text, commune_slug=..., channel="phone", call=...)`` returns the same dictionary as
``communia assistant ask --json``, in process (no new Python process per question), plus
``conversation`` and, when the assistant routes the caller to a service that is open now
(action ``route``, decided with the service's office hours) and has a phone number,
``transfer: {"service", "number", "fallback"}``: the SIP bridge then transfers the call
(REFER) and says ``fallback`` if the transfer fails.

Never lose a caller: when the request is passed on out of hours (``ticket``), when the call
cannot be transferred (AudioSocket, a service without a number) or when the transfer fails,
the callbot offers a callback by the service. It uses the caller's number when the call
carries it (SIP ``From``), else asks for it and reads it back, then books the service's next
free slot with the chat page's own function (``book_callback_for_conversation``) and says it.
The dialogue lives in ``call`` (the bridge's per-call state): the conversation token and the
offer in progress. The number said on the line is never stored in a message nor in the audit
log: the dialogue's turns carry ``private_input``, so the pipeline does not even hash them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

__all__ = ["respond"]

ANSWER_YES_NO = "Répondez par oui ou par non."
SAY_NUMBER = (
    "Dites les dix chiffres, deux par deux, par exemple : zéro six, douze, trente-quatre, "
    "cinquante-six, soixante-dix-huit."
)
MAX_MISSES = 2


def respond(
    text: str,
    *,
    commune_slug: str,
    channel: str = "phone",
    call: dict | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    from communia.modules.assistant.emergency import detect_emergency

    call = call if call is not None else {}
    call["now"] = now
    offer = call.get("callback")
    if offer and not detect_emergency(text):  # an emergency always goes to the assistant
        said = _callback_dialogue(text, offer, call, commune_slug)
        if said is not None:
            return said
    call.pop("callback", None)
    return _ask(text, commune_slug=commune_slug, channel=channel, call=call)


def _service(commune_slug: str, slug: str):
    from communia.core.db import read_session
    from communia.core.models import Commune, Service

    with read_session() as s:
        return s.scalar(
            select(Service)
            .join(Commune, Commune.id == Service.commune_id)
            .where(Commune.slug == commune_slug, Service.slug == slug)
        )


def _caller_phone(caller: str | None) -> str | None:
    """The caller ID as a French phone number (``06 12 34 56 78``), or None (hidden,
    foreign, or not given by the transport)."""
    from communia.core.errors import InvalidInput
    from communia.modules.assistant.conversations import normalize_contact

    try:
        number = normalize_contact(caller or "")
    except InvalidInput:
        return None
    return None if "@" in number else number


def _ask(text: str, *, commune_slug: str, channel: str, call: dict) -> dict[str, Any]:
    from communia.modules.assistant.conversations import offers_callback
    from communia.modules.assistant.engine import ask

    result = ask(
        text,
        commune_slug=commune_slug,
        conversation=call.get("conversation"),
        channel=channel,
        now=call.get("now"),
    )
    call["conversation"] = result.conversation
    out = {**result.public(), "conversation": result.conversation}
    if not offers_callback(result.action, result.service_slug):
        return out
    svc = _service(commune_slug, result.service_slug)
    if svc is None or not any((svc.hours or {}).values()):
        return out  # no opening hours: no slot to book, the answer gives the contact
    offer = {
        "service": svc.name,
        "phone": svc.phone or "",
        "number": _caller_phone(call.get("caller")),
        "stage": "offer",
        "misses": 0,
    }
    call["callback"] = offer
    question = f"{_offer_question(offer)} {ANSWER_YES_NO}"
    if result.action == "route" and svc.phone and call.get("can_transfer"):
        # the bridge transfers the call; if that fails, the caller hears this instead
        out["transfer"] = {
            "service": svc.name,
            "number": svc.phone,
            "fallback": f"Le transfert n'a pas abouti. Le service {svc.name} est joignable au "
            f"{svc.phone}. {question}",
        }
        return out
    if result.action == "ticket":
        intro = (
            f"Je n'ai pas de réponse sûre et le service {svc.name} est fermé en ce moment : "
            "votre demande lui est transmise."
        )
    else:
        reach = f" au {svc.phone}" if svc.phone else ""
        intro = f"Je n'ai pas de réponse sûre. Le service {svc.name} peut vous répondre{reach}."
    return {**out, "answer": f"{intro} {question}", "awaiting": "oui_non"}


def _offer_question(offer: dict) -> str:
    to = f" au {offer['number']}" if offer.get("number") else ""
    return f"Voulez-vous que le service vous rappelle{to} ?"


def _say(offer: dict, text: str, *, awaiting: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "answer": text,
        "sources": [],
        "service": offer["service"],
        "emergency": None,
        "action": "callback",
        "confidence": 1.0,
        "private_input": True,  # the caller may have said a phone number: no hash of it
    }
    if awaiting:
        out["awaiting"] = awaiting
    return out


def _give_up(offer: dict, call: dict, first: str) -> dict[str, Any]:
    """End the dialogue, leaving the caller a way to reach the service."""
    call.pop("callback", None)
    reach = f" au {offer['phone']}" if offer["phone"] else ""
    reach = f" Vous pouvez joindre le service {offer['service']}{reach} aux heures d'ouverture."
    return _say(offer, f"{first}{reach}")


def _callback_dialogue(
    text: str, offer: dict, call: dict, commune_slug: str
) -> dict[str, Any] | None:
    """One turn of the callback dialogue; None: not an answer to it (a new question)."""
    from communia.core.speech.spoken import spoken_digits, yes_or_no

    answer = yes_or_no(text)
    stage = offer["stage"]
    if stage in ("number", "readback"):
        # a number said (or corrected: "non, c'est le 06 …") is read back before booking
        number = _caller_phone(spoken_digits(text))
        if number and (stage == "number" or number != offer["number"]):
            offer.update(number=number, stage="readback", misses=0)
            return _say(
                offer, f"J'ai noté le {number}. Est-ce exact ? {ANSWER_YES_NO}", awaiting="oui_non"
            )
    if answer is True and stage != "number":
        if stage == "readback" or offer.get("number"):
            return _book(offer, call, commune_slug)
        offer.update(stage="number", misses=0)
        return _say(
            offer,
            f"À quel numéro le service peut-il vous rappeler ? {SAY_NUMBER}",
            awaiting="numero",
        )
    if answer is False and stage == "readback":
        offer.update(stage="number", number=None, misses=0)
        return _say(offer, f"Redites-moi le numéro. {SAY_NUMBER}", awaiting="numero")
    if answer is False:
        return _give_up(offer, call, "D'accord, je ne prends pas de rappel.")
    if stage == "offer" and len(text.split()) > 4:
        return None  # the caller moved on to another question
    offer["misses"] += 1
    if offer["misses"] >= MAX_MISSES:
        return _give_up(offer, call, "Je n'ai pas compris.")
    if stage == "number":
        return _say(offer, f"Je n'ai pas compris le numéro. {SAY_NUMBER}", awaiting="numero")
    repeat = (
        f"J'ai noté le {offer['number']}. Est-ce exact ?"
        if stage == "readback"
        else _offer_question(offer)
    )
    return _say(offer, f"Je n'ai pas compris. {repeat} {ANSWER_YES_NO}", awaiting="oui_non")


def _book(offer: dict, call: dict, commune_slug: str) -> dict[str, Any]:
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.core.errors import CommuniaError
    from communia.modules.assistant.conversations import (
        book_callback_for_conversation,
        callback_message,
    )

    try:
        with write_session() as s:
            commune = commune_by_slug(s, commune_slug)
            cb, service = book_callback_for_conversation(
                s,
                commune_id=commune.id,
                token=call.get("conversation") or "",
                contact=offer["number"],
                now=call.get("now"),
            )
            booked = callback_message(cb, service)
            number = cb.contact
    except CommuniaError:
        return _give_up(offer, call, "Je ne peux pas réserver ce rappel.")
    call.pop("callback", None)
    out = _say(offer, f"C'est noté. {booked[:-1]}, au {number}.")
    out["callback"] = {"service": service, "slot": cb.slot_start.isoformat()}
    return out
