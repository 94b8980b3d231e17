"""Tables of the use-case library."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from communia.core.db import Base, UTCDateTime, utcnow

__all__ = ["UseCase", "STATUSES", "SIZES", "FIELD_LABELS"]

STATUSES = {
    "idee": "Idée",
    "pilote": "Expérimentation",
    "en_service": "En service",
    "abandonne": "Abandonné",
}
SIZES = {
    "moins_2000": "Moins de 2 000 habitants",
    "2000_20000": "2 000 à 20 000 habitants",
    "20000_100000": "20 000 à 100 000 habitants",
    "plus_100000": "Plus de 100 000 habitants",
}
# French name of each exchange field: the editor's labels and the French CSV headers that the
# import accepts beside the English ones (docs/usecases-schema.md).
FIELD_LABELS = {
    "uid": "Identifiant",
    "title": "Titre",
    "problem": "Problème traité",
    "organisation": "Collectivité",
    "commune_size": "Taille de la collectivité",
    "data_needed": "Données nécessaires",
    "tool": "Outil",
    "cost": "Coût",
    "results": "Résultats chiffrés",
    "risks": "Risques et mesures",
    "contact": "Contact",
    "status": "Statut",
    "source": "Provenance",
    "updated_at": "Dernière modification",
}


class UseCase(Base):
    """One use case. ``commune_id`` is the author commune (None: imported or national seed)."""

    __tablename__ = "usecases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    commune_id: Mapped[int | None] = mapped_column(
        ForeignKey("communes.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text, default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    commune_size: Mapped[str] = mapped_column(String(20), default="")
    data_needed: Mapped[str] = mapped_column(Text, default="")
    tool: Mapped[str] = mapped_column(Text, default="")
    cost: Mapped[str] = mapped_column(String(300), default="")
    results: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="idee")
    source: Mapped[str] = mapped_column(String(300), default="local")
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}
