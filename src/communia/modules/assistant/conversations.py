"""Agents' side: the queue of unanswered questions (learning loop), retention-based deletion
of conversations, and the reception dashboard figures."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from communia.core import audit
from communia.core.db import utcnow
from communia.core.errors import InvalidInput
from communia.core.models import Commune
from communia.core.tenancy import get_scoped
from communia.modules.assistant.knowledge import upsert_entry
from communia.modules.assistant.models import (
    Callback,
    Conversation,
    Message,
    Ticket,
    UnansweredQuestion,
)
from communia.modules.assistant.settings import get_assistant_settings

__all__ = [
    "feedback",
    "next_slots",
    "book_callback",
    "book_callback_for_conversation",
    "offers_callback",
    "callback_offered",
    "callback_message",
    "conversation_by_token",
    "earlier_exchanges",
    "earlier_request",
    "pending_callbacks",
    "mark_callback_done",
    "slot_text",
    "normalize_contact",
    "open_questions",
    "answer_question",
    "dismiss_question",
    "purge_expired",
    "retention_days",
    "dashboard",
]


def open_questions(
    session: Session, *, commune_id: int, limit: int = 100
) -> list[UnansweredQuestion]:
    return list(
        session.scalars(
            select(UnansweredQuestion)
            .where(
                UnansweredQuestion.commune_id == commune_id, UnansweredQuestion.status == "ouverte"
            )
            # a possible emergency first: someone should read it now
            .order_by(
                case((UnansweredQuestion.reason == "urgence_possible", 0), else_=1),
                UnansweredQuestion.created_at.desc(),
                UnansweredQuestion.id.desc(),
            )
            .limit(limit)
        )
    )


def _with_twins(session: Session, question: UnansweredQuestion) -> list[UnansweredQuestion]:
    """``question`` and the open questions of its commune that ask the very same thing (same
    words, case, spacing and final punctuation aside): the agent answers or sets aside the
    question once, not once per citizen who typed it."""

    def words(text: str) -> str:
        return " ".join(text.casefold().split()).rstrip(" ?!.…")

    same = words(question.question)
    others = session.scalars(
        select(UnansweredQuestion).where(
            UnansweredQuestion.commune_id == question.commune_id,
            UnansweredQuestion.status == "ouverte",
            UnansweredQuestion.id != question.id,
        )
    )
    return [question, *(q for q in others if words(q.question) == same)]


def answer_question(
    session: Session,
    *,
    commune_id: int,
    question_id: int,
    title: str,
    body: str,
    service_slug: str = "",
    actor: str,
) -> int:
    """An agent answers once: the answer becomes an FAQ entry (re-index to use it)."""
    q = get_scoped(session, UnansweredQuestion, question_id, commune_id)
    if q.status != "ouverte":
        raise InvalidInput("Cette question a déjà été traitée.")
    entry = upsert_entry(
        session,
        commune_id=commune_id,
        kind="faq",
        key=f"q{q.id}",
        title=title or q.question[:200],
        body=body,
        service_slug=service_slug or q.service_slug,
        actor=actor,
    )
    for twin in _with_twins(session, q):
        twin.status, twin.knowledge_id = "repondue", entry.id
    session.flush()
    return entry.id


def dismiss_question(session: Session, *, commune_id: int, question_id: int, actor: str) -> None:
    q = get_scoped(session, UnansweredQuestion, question_id, commune_id)
    for twin in _with_twins(session, q):
        twin.status = "ecartee"
        audit.record(
            session,
            actor=actor,
            action="assistant.question.ecartee",
            commune_id=commune_id,
            object_type="unanswered",
            object_id=twin.id,
        )


def retention_days(commune: Commune) -> int:
    value = (commune.settings or {}).get("assistant_retention_days")
    return int(value) if value else get_assistant_settings().retention_days


def purge_expired(session: Session, *, now: datetime | None = None, actor: str = "systeme") -> int:
    """Delete conversations (and their messages) older than each commune's retention period,
    and the callbacks (with the citizen's contact) whose slot is that old. Queued questions
    keep their masked text but lose the link to the conversation. Returns the conversations
    deleted."""
    now = now or utcnow()
    total = 0
    for commune in session.scalars(select(Commune)):
        limit = now - timedelta(days=retention_days(commune))
        ids = list(
            session.scalars(
                select(Conversation.id).where(
                    Conversation.commune_id == commune.id, Conversation.last_at < limit
                )
            )
        )
        callbacks = session.execute(
            delete(Callback).where(Callback.commune_id == commune.id, Callback.slot_start < limit)
        ).rowcount
        if not ids and not callbacks:
            continue
        session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
        session.execute(delete(Conversation).where(Conversation.id.in_(ids)))
        audit.record(
            session,
            actor=actor,
            action="assistant.purge",
            commune_id=commune.id,
            object_type="conversation",
            summary=f"{len(ids)} conversations et {callbacks} rappels supprimés "
            f"(conservation {retention_days(commune)} j)",
        )
        total += len(ids)
    return total


def dashboard(session: Session, *, commune_id: int, days: int = 30) -> dict[str, Any]:
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(Message.action, Message.created_at, Message.payload)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.commune_id == commune_id,
            Message.role == "assistant",
            Message.created_at >= since,
        )
    ).all()
    actions = Counter(r.action for r in rows)
    per_day = Counter(r.created_at.date().isoformat() for r in rows)
    services = Counter((r.payload or {}).get("service") or "—" for r in rows)
    return {
        "messages": len(rows),
        "par_action": dict(actions),
        "par_jour": dict(sorted(per_day.items())),
        "services": dict(services.most_common(10)),
        "taux_reponse": round(actions.get("answer", 0) / len(rows), 3) if rows else 0.0,
        "questions_en_attente": session.scalar(
            select(func.count(UnansweredQuestion.id)).where(
                UnansweredQuestion.commune_id == commune_id, UnansweredQuestion.status == "ouverte"
            )
        ),
        "tickets_ouverts": session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.commune_id == commune_id, Ticket.status == "ouvert"
            )
        ),
    }


def next_slots(
    hours: dict[str, list[list[str]]],
    *,
    after: datetime,
    taken: set[datetime],
    count: int = 3,
    minutes: int = 30,
    tz: str = "Europe/Paris",
) -> list[datetime]:
    """The next free callback slots within a service's opening hours (UTC datetimes)."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from communia.modules.assistant.engine import DAYS

    zone = ZoneInfo(tz)
    local = after.astimezone(zone)
    found: list[datetime] = []
    for day_offset in range(0, 15):
        day = (local + timedelta(days=day_offset)).date()
        for start, end in hours.get(DAYS[day.weekday()], []):
            h, m = map(int, start.split(":"))
            eh, em = map(int, end.split(":"))
            slot = datetime(day.year, day.month, day.day, h, m, tzinfo=zone)
            limit = datetime(day.year, day.month, day.day, eh, em, tzinfo=zone)
            while slot + timedelta(minutes=minutes) <= limit:
                utc = slot.astimezone(UTC)
                if slot > local + timedelta(minutes=minutes) and utc not in taken:
                    found.append(utc)
                    if len(found) == count:
                        return found
                slot += timedelta(minutes=minutes)
    return found


PHONE_RE = re.compile(r"^(?:\+33|0033|0)([1-9]\d{8})$")
CONTACT_ERROR = (
    "Indiquez un numéro de téléphone français (par exemple 06 12 34 56 78) ou une adresse "
    "électronique valide pour être rappelé."
)


def normalize_contact(contact: str) -> str:
    """A French phone number (``06 12 34 56 78``) or an e-mail address, else InvalidInput."""
    from communia.core.users import EMAIL_RE

    contact = (contact or "").strip()
    phone = PHONE_RE.match(re.sub(r"[\s.\-()]", "", contact))
    if phone:
        digits = "0" + phone.group(1)
        return " ".join(digits[i : i + 2] for i in range(0, 10, 2))
    if EMAIL_RE.match(contact) and len(contact) <= 200:
        return contact
    raise InvalidInput(CONTACT_ERROR)


def slot_text(slot: datetime) -> str:
    """A callback slot in Paris time, in words: ``jeudi 27 novembre à 9 h 30``."""
    from communia.core.communes import PARIS
    from communia.core.formatting import fr_date, fr_time
    from communia.modules.assistant.engine import DAYS

    local = slot.astimezone(PARIS)
    return f"{DAYS[local.weekday()]} {fr_date(local, year=False)} à {fr_time(local.hour, local.minute)}"


def book_callback(
    session: Session,
    *,
    commune_id: int,
    service_slug: str,
    contact: str,
    now: datetime | None = None,
    conversation_id: int | None = None,
) -> Callback:
    """Book the next free 30-minute callback slot of a service (one call per slot). The
    contact is personal data: it stays in the callback row, never in the audit log."""
    from communia.core.models import Service

    contact = normalize_contact(contact)
    svc = session.scalar(
        select(Service).where(Service.commune_id == commune_id, Service.slug == service_slug)
    )
    if svc is None:
        raise InvalidInput(f"Service inconnu : « {service_slug} ».")
    taken = set(
        session.scalars(
            select(Callback.slot_start).where(
                Callback.commune_id == commune_id, Callback.service_slug == service_slug
            )
        )
    )
    slots = next_slots(svc.hours, after=now or utcnow(), taken=taken, count=1)
    if not slots:
        raise InvalidInput(
            "Ce service n'a pas d'horaires d'ouverture renseignés : rappel impossible."
        )
    cb = Callback(
        commune_id=commune_id,
        service_slug=service_slug,
        slot_start=slots[0],
        contact=contact,
        conversation_id=conversation_id,
    )
    session.add(cb)
    session.flush()
    audit.record(
        session,
        actor="citoyen",
        action="assistant.rappel",
        commune_id=commune_id,
        object_type="callback",
        object_id=cb.id,
        summary=f"Rappel réservé ({service_slug})",
    )
    return cb


def conversation_by_token(session: Session, *, commune_id: int, token: str) -> Conversation | None:
    """The commune's conversation with this citizen token, or None (unknown or purged)."""
    return session.scalar(
        select(Conversation).where(
            Conversation.token == token, Conversation.commune_id == commune_id
        )
    )


def earlier_exchanges(
    session: Session, *, commune_id: int, token: str, limit: int = 5
) -> list[tuple[str, str]]:
    """The last ``limit`` (question, answer) pairs of a citizen's conversation, oldest first,
    for the chat page to show above the new answer: the question as kept (personal data
    masked), the answer without the AI disclosure that the page already shows."""
    from communia.core.register import AI_DISCLOSURE

    conv = conversation_by_token(session, commune_id=commune_id, token=token) if token else None
    if conv is None:
        return []
    pairs: list[tuple[str, str]] = []
    question = None
    for message in conv.messages:
        if message.role == "citoyen":
            question = message.text
        elif question is not None:
            pairs.append((question, message.text.removeprefix(AI_DISCLOSURE).strip()))
            question = None
    return pairs[-limit:]


def earlier_request(
    session: Session, *, commune_id: int, token: str | None, look_back: int = 3
) -> tuple[str, str, int | None] | None:
    """The topic searched for the latest request of a citizen's conversation, the service
    it was sent to (« » when none) and the search passage its answer quoted (None when it
    quoted none), among its last ``look_back`` answers: a follow-up (« Et ça prend combien
    de temps ? ») is searched with it, and answered with another passage when one says
    more. None for a new conversation, or when those answers searched nothing (greetings,
    emergencies)."""
    conv = conversation_by_token(session, commune_id=commune_id, token=token) if token else None
    if conv is None:
        return None
    answers = session.scalars(
        select(Message)
        .where(Message.conversation_id == conv.id, Message.role == "assistant")
        .order_by(Message.id.desc())
        .limit(look_back)
    )
    for message in answers:
        if message.action == "emergency":
            return None  # what came before is no longer the subject
        topic = (message.payload or {}).get("topic")
        if topic:
            payload = message.payload
            return topic, payload.get("service_slug") or "", payload.get("passage")
    return None


def _last_message(session: Session, conversation_id: int, role: str) -> Message | None:
    return session.scalar(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.role == role)
        .order_by(Message.id.desc())
        .limit(1)
    )


def book_callback_for_conversation(
    session: Session, *, commune_id: int, token: str, contact: str, now: datetime | None = None
) -> tuple[Callback, str]:
    """A citizen asks to be called back by the service the conversation's last answer sent
    them to (route or ticket). Returns the booking and the service's name."""
    from communia.core.models import Service

    contact = normalize_contact(contact)
    target = _callback_target(session, commune_id=commune_id, token=token)
    if target is None:
        raise InvalidInput(
            "Conversation introuvable ou expirée, ou sans service à qui transmettre la "
            "demande : posez de nouveau votre question."
        )
    conv, slug = target
    # one pending callback per conversation: a second submit (double click, reload, a script
    # posting the same form) gets the slot already booked instead of taking another one
    cb = session.scalar(
        select(Callback).where(
            Callback.commune_id == commune_id,
            Callback.conversation_id == conv.id,
            Callback.status == "a_faire",
        )
    ) or book_callback(
        session,
        commune_id=commune_id,
        service_slug=slug,
        contact=contact,
        now=now,
        conversation_id=conv.id,
    )
    svc = session.scalar(
        select(Service).where(Service.commune_id == commune_id, Service.slug == slug)
    )
    return cb, svc.name


def _callback_target(
    session: Session, *, commune_id: int, token: str
) -> tuple[Conversation, str] | None:
    """The conversation and the service its last answer sent the citizen to, when that
    answer offers a callback; else ``None``."""
    conv = conversation_by_token(session, commune_id=commune_id, token=token)
    last = _last_message(session, conv.id, "assistant") if conv is not None else None
    slug = (last.payload or {}).get("service_slug") if last is not None else None
    if last is None or not offers_callback(last.action, slug):
        return None
    return conv, slug


def callback_offered(session: Session, *, commune_id: int, token: str) -> bool:
    """Does the conversation's last answer offer a callback (the offer stays after the
    citizen's feedback)?"""
    return _callback_target(session, commune_id=commune_id, token=token) is not None


def offers_callback(action: str | None, service_slug: str | None) -> bool:
    """May the citizen be offered a callback after this answer? Only when it sent them to a
    service (``route``) or passed the request on out of hours (``ticket``)."""
    return action in ("route", "ticket") and bool(service_slug)


def callback_message(cb: Callback, service: str) -> str:
    """What the citizen is told (page, widget, phone) once the callback is booked."""
    return f"Le service {service} vous rappellera le {slot_text(cb.slot_start)}."


def pending_callbacks(session: Session, *, commune_id: int) -> list[dict[str, Any]]:
    """The agents' list of callbacks to make, earliest slot first, with the citizen's last
    question (masked) when the booking came from a conversation."""
    rows = list(
        session.scalars(
            select(Callback)
            .where(Callback.commune_id == commune_id, Callback.status == "a_faire")
            .order_by(Callback.slot_start, Callback.id)
        )
    )
    out = []
    for cb in rows:
        question = None
        if cb.conversation_id is not None:
            question = session.scalar(
                select(Message.text)
                .where(Message.conversation_id == cb.conversation_id, Message.role == "citoyen")
                .order_by(Message.id.desc())
                .limit(1)
            )
        out.append({"callback": cb, "question": question or ""})
    return out


def mark_callback_done(
    session: Session, *, commune_id: int, callback_id: int, actor: str
) -> Callback:
    cb = get_scoped(session, Callback, callback_id, commune_id)
    if cb.status == "fait":
        raise InvalidInput("Ce rappel est déjà marqué comme fait.")
    cb.status, cb.done_by, cb.done_at = "fait", actor, utcnow()
    audit.record(
        session,
        actor=actor,
        action="assistant.rappel.fait",
        commune_id=commune_id,
        object_type="callback",
        object_id=cb.id,
        summary=f"Rappel fait ({cb.service_slug})",
    )
    return cb


def feedback(session: Session, *, commune_id: int, token: str, helpful: bool) -> bool:
    """A citizen says whether the last answer helped; an unhelpful answer joins the queue."""
    conv = conversation_by_token(session, commune_id=commune_id, token=token)
    if conv is None:
        raise InvalidInput("Conversation introuvable ou expirée.")
    last_q = _last_message(session, conv.id, "citoyen")
    last_a = _last_message(session, conv.id, "assistant")
    if last_a is not None:
        last_a.payload = {**(last_a.payload or {}), "utile": helpful}
    if not helpful and last_q is not None and last_q.text.strip():
        session.add(
            UnansweredQuestion(
                commune_id=commune_id,
                question=last_q.text[:2000],
                reason="reponse_jugee_inutile",
                service_slug=((last_a.payload or {}).get("service") or "") if last_a else "",
                conversation_id=conv.id,
            )
        )
    session.flush()
    return True
