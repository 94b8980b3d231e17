"""Links "sent by SMS": an outbox table in the commune's database.

``SmsSender`` is the interface the voice pipeline uses. ``OutboxSmsSender`` writes each
message to the ``speech_sms_outbox`` table (the durable, auditable part);
``dispatch_outbox`` hands pending messages to an ``SmsTransport`` — the network edge,
e.g. ``HttpSmsTransport`` for an operator's HTTP API — and records the outcome.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Protocol

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from communia.core.db import Base, TenantMixin, UTCDateTime, utcnow
from communia.core.errors import InvalidInput

__all__ = [
    "SmsMessage",
    "SmsSender",
    "SmsTransport",
    "OutboxSmsSender",
    "HttpSmsTransport",
    "dispatch_outbox",
    "normalise_phone",
    "is_french_mobile",
    "sms_body",
]

MAX_SMS_CHARS = 459  # three concatenated GSM segments


class SmsMessage(TenantMixin, Base):
    __tablename__ = "speech_sms_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    call_id: Mapped[str] = mapped_column(String(80), default="")
    status: Mapped[str] = mapped_column(String(12), default="en_attente", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    error: Mapped[str] = mapped_column(String(300), default="")


def normalise_phone(number: str) -> str:
    """A French number in E.164 (``+33612345678``); raises ``InvalidInput`` otherwise."""
    digits = re.sub(r"[\s.\-()]", "", number or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        digits = "+33" + digits[1:]
    if not re.fullmatch(r"\+\d{8,15}", digits):
        raise InvalidInput(f"Numéro de téléphone invalide : « {number} ».")
    return digits


def is_french_mobile(number: str | None) -> bool:
    try:
        return bool(number) and re.fullmatch(r"\+33[67]\d{8}", normalise_phone(number)) is not None
    except InvalidInput:
        return False


def sms_body(commune_name: str, links: list[tuple[str, str]]) -> str:
    lines = [f"Mairie de {commune_name} - les liens de votre appel :"]
    for title, url in links:
        candidate = "\n".join([*lines, f"{title[:80]} : {url}"])
        if len(candidate) > MAX_SMS_CHARS:
            break
        lines.append(f"{title[:80]} : {url}")
    return "\n".join(lines)


class SmsSender(Protocol):
    def send(self, *, commune_id: int, to: str, body: str, call_id: str = "") -> int: ...


class SmsTransport(Protocol):
    def deliver(self, *, to: str, body: str) -> None: ...


class OutboxSmsSender:
    """Queue SMS in the database; ``dispatch_outbox`` sends them."""

    def send(self, *, commune_id: int, to: str, body: str, call_id: str = "") -> int:
        from communia.core.db import write_session

        number = normalise_phone(to)
        if not body.strip():
            raise InvalidInput("SMS vide.")
        if len(body) > MAX_SMS_CHARS:
            raise InvalidInput(f"SMS trop long ({MAX_SMS_CHARS} caractères au plus).")
        with write_session() as session:
            message = SmsMessage(
                commune_id=commune_id, to_number=number, body=body, call_id=call_id
            )
            session.add(message)
            session.flush()
            return message.id


class HttpSmsTransport:
    """POST ``{"to", "text"}`` as JSON to an operator's HTTP gateway (the network edge)."""

    def __init__(self, url: str, *, token: str = "", timeout_s: float = 10.0, client=None) -> None:
        self.url = url
        self.token = token
        self.timeout_s = timeout_s
        self.client = client

    def deliver(self, *, to: str, body: str) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        client = self.client or httpx.Client(timeout=self.timeout_s)
        response = client.post(self.url, json={"to": to, "text": body}, headers=headers)
        response.raise_for_status()


def dispatch_outbox(transport: SmsTransport, *, limit: int = 100, max_attempts: int = 3) -> dict:
    """Send pending messages; each outcome is committed on its own."""
    from communia.core.db import read_session, write_session

    with read_session() as session:
        ids = session.scalars(
            select(SmsMessage.id)
            .where(SmsMessage.status == "en_attente", SmsMessage.attempts < max_attempts)
            .order_by(SmsMessage.id)
            .limit(limit)
        ).all()
    counts = {"envoye": 0, "echec": 0}
    for message_id in ids:
        with read_session() as session:
            message = session.get(SmsMessage, message_id)
            to, body = message.to_number, message.body
        error = ""
        try:
            transport.deliver(to=to, body=body)
        except Exception as exc:  # noqa: BLE001 - any transport failure is recorded, not raised
            error = f"{type(exc).__name__}: {exc}"[:300]
        with write_session() as session:
            message = session.get(SmsMessage, message_id)
            message.attempts += 1
            if error:
                message.error = error
                if message.attempts >= max_attempts:
                    message.status = "echec"
                    counts["echec"] += 1
            else:
                message.status, message.sent_at, message.error = "envoye", utcnow(), ""
                counts["envoye"] += 1
    return counts
