"""Per-commune tenancy: every read of a tenant row goes through these helpers.

A row of another commune is reported as *not found* (never *forbidden*), so its
existence does not leak across communes.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from communia.core.errors import NotFound

__all__ = ["scoped", "get_scoped"]

T = TypeVar("T")


def scoped(model: type[T], commune_id: int) -> Select[tuple[T]]:
    """``SELECT`` of ``model`` restricted to one commune."""
    return select(model).where(model.commune_id == commune_id)  # type: ignore[attr-defined]


def get_scoped(session: Session, model: type[T], object_id: int, commune_id: int) -> T:
    obj = session.scalar(scoped(model, commune_id).where(model.id == object_id))  # type: ignore[attr-defined]
    if obj is None:
        raise NotFound("Cet élément n'existe pas ou n'appartient pas à votre commune.")
    return obj
