"""Assistant tables: knowledge (FAQ, local pages, imported fiches), routing examples,
conversations and messages (deleted after the commune's retention period), the agents'
queue of unanswered questions, tickets and callback bookings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from communia.core.db import Base, TenantMixin, UTCDateTime, utcnow

__all__ = [
    "Knowledge",
    "RoutingExample",
    "Conversation",
    "Message",
    "UnansweredQuestion",
    "Ticket",
    "Callback",
    "KNOWLEDGE_KINDS",
]

KNOWLEDGE_KINDS = ("faq", "page", "fiche")


class Knowledge(TenantMixin, Base):
    """One piece of knowledge the assistant may cite."""

    __tablename__ = "assistant_knowledge"
    __table_args__ = (UniqueConstraint("commune_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # faq | page | fiche
    key: Mapped[str] = mapped_column(String(120))  # DILA id (F1234) or a slug
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(1000), default="")
    service_slug: Mapped[str] = mapped_column(String(80), default="")
    review_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    source_modified: Mapped[date | None] = mapped_column(Date, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # sections, references...
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RoutingExample(TenantMixin, Base):
    """A real request text known to be handled by a service (routing by similarity)."""

    __tablename__ = "assistant_routing_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_slug: Mapped[str] = mapped_column(String(80), index=True)
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(200), default="")


class Conversation(TenantMixin, Base):
    __tablename__ = "assistant_conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20), default="web")  # web | cli | phone
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", cascade="all, delete-orphan", order_by="Message.id"
    )


class Message(Base):
    __tablename__ = "assistant_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("assistant_conversations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))  # citoyen | assistant
    text: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(20), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class UnansweredQuestion(TenantMixin, Base):
    """The agents' queue: questions the assistant could not answer well."""

    __tablename__ = "assistant_unanswered"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(200), default="")
    service_slug: Mapped[str] = mapped_column(String(80), default="")
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistant_conversations.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(12), default="ouverte")  # ouverte|repondue|ecartee
    knowledge_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistant_knowledge.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Ticket(TenantMixin, Base):
    """Out of office hours: the request is sent to the service, which calls back."""

    __tablename__ = "assistant_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_slug: Mapped[str] = mapped_column(String(80))
    summary: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200), default="")
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistant_conversations.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(String(12), default="ouvert")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Callback(TenantMixin, Base):
    """A callback slot booked by a citizen; an agent marks it done once the call is made."""

    __tablename__ = "assistant_callbacks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_slug: Mapped[str] = mapped_column(String(80))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime)
    contact: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("assistant_conversations.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="a_faire")  # a_faire | fait
    done_by: Mapped[str] = mapped_column(String(200), default="")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
