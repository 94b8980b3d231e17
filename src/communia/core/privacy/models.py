"""Table of the privacy service: encrypted alias tables, one row per pseudonymisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from communia.core.db import Base, TenantMixin, UTCDateTime, utcnow

__all__ = ["PrivacyMapping"]


class PrivacyMapping(TenantMixin, Base):
    """An alias table ("Personne 1" -> value), encrypted with the commune's key.

    Only ``ciphertext`` holds personal data, sealed with AES-256-GCM; the id, the commune
    and the row's creation time are bound to it as associated data, so a sealed table cannot
    be moved to another row or commune. ``counts`` holds numbers per type only.
    """

    __tablename__ = "privacy_mappings"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
