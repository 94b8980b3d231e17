"""JSON API under ``/api/v1`` (schema ``/api/v1/openapi.json``, read as ``/api/v1/docs``).

Same library calls as the pages; the actor comes from a bearer token or the session.
Objects of another commune answer 404.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from communia import __version__
from communia.core import communes as communes_lib
from communia.core import users as users_lib
from communia.core.db import read_session, write_session
from communia.core.models import AuditEntry
from communia.core.register import CORE_SERVICE_CARDS, algorithm_cards
from communia.core.users import Actor
from communia.web.security import api_actor

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["noyau"])


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Me(_Out):
    email: str
    full_name: str
    role: str
    commune_slug: str


class CommuneOut(_Out):
    slug: str
    name: str
    insee_code: str
    siret: str
    population: int
    address: str
    phone: str
    email: str
    website: str
    on_call_phone: str
    enabled_modules: list[str]
    version: int


class CommuneUpdate(BaseModel):
    name: str | None = None
    insee_code: str | None = None
    siret: str | None = None
    population: int | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    on_call_phone: str | None = None
    version: int | None = Field(
        None, description="Version lue ; refus (409) si la fiche a changé depuis."
    )


class ServiceOut(_Out):
    id: int
    slug: str
    name: str
    description: str
    phone: str
    email: str
    address: str
    hours: dict[str, list[list[str]]]
    version: int


class ServiceIn(BaseModel):
    name: str | None = Field(None, max_length=200, examples=["Urbanisme"])
    description: str | None = Field(None, max_length=2000)
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=200)
    address: str | None = Field(None, max_length=300)
    hours: dict[str, list[list[str]]] | str | None = Field(
        None, examples=[{"lundi": [["08:30", "12:00"], ["13:30", "17:00"]]}]
    )
    version: int | None = None


class UserOut(_Out):
    id: int
    email: str
    full_name: str
    role: str
    active: bool


class UserIn(BaseModel):
    email: str
    full_name: str
    role: str = Field(examples=["agent"])
    password: str = Field(min_length=1)


class UserPatch(BaseModel):
    role: str | None = None
    active: bool | None = None
    password: str | None = None


class AuditOut(_Out):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    summary: str
    model: str
    model_version: str
    validation_status: str
    hash: str


class ModuleCardOut(BaseModel):
    name: str
    title: str
    summary: str
    data_used: list[str]
    logic: str
    human_oversight: str
    model: str
    kind: Literal["module", "service"]
    enabled: bool


@router.get("/health", tags=["public"])
def health() -> dict[str, Any]:
    """État du service (public, sans authentification)."""
    return {"status": "ok", "version": __version__}


@router.get("/me", response_model=Me)
def me(actor: Actor = Depends(api_actor)):
    """Le compte au nom duquel la requête agit (jeton ou session)."""
    return Me(
        email=actor.email,
        full_name=actor.full_name,
        role=actor.role,
        commune_slug=actor.commune_slug,
    )


@router.get("/commune", response_model=CommuneOut)
def commune(actor: Actor = Depends(api_actor)):
    """Fiche de la commune du compte."""
    with read_session() as s:
        return CommuneOut.model_validate(communes_lib.get_commune(s, actor))


@router.patch("/commune", response_model=CommuneOut)
def commune_update(body: CommuneUpdate, actor: Actor = Depends(api_actor)):
    """Modifie la fiche de la commune (administration) ; seuls les champs envoyés changent."""
    data = body.model_dump(exclude_none=True, exclude={"version"})
    with write_session() as s:
        commune = communes_lib.update_profile(s, actor, data, expected_version=body.version)
        return CommuneOut.model_validate(commune)


@router.get("/modules", response_model=list[ModuleCardOut])
def modules(actor: Actor = Depends(api_actor)):
    """Modules de l'instance et services communs (modèle de langage, pseudonymisation) : leur fiche
    de transparence, et s'ils sont activés pour la commune (un service commun l'est toujours)."""
    with read_session() as s:
        enabled = set(communes_lib.get_commune(s, actor).enabled_modules or [])
    return [
        ModuleCardOut.model_validate(
            {
                **asdict(card),  # the card's other fields (purpose, risks…) are not in the schema
                "name": name,
                "kind": "service" if name in CORE_SERVICE_CARDS else "module",
                "enabled": name in CORE_SERVICE_CARDS or name in enabled,
            }
        )
        for name, card in algorithm_cards()
    ]


@router.get("/services", response_model=list[ServiceOut])
def services(actor: Actor = Depends(api_actor)):
    """Services de la commune, avec leurs coordonnées et horaires."""
    with read_session() as s:
        return [
            ServiceOut.model_validate(x) for x in communes_lib.list_services(s, actor.commune_id)
        ]


@router.post("/services", response_model=ServiceOut, status_code=201)
def service_create(body: ServiceIn, actor: Actor = Depends(api_actor)):
    """Crée un service (administration)."""
    with write_session() as s:
        service = communes_lib.save_service(s, actor, body.model_dump(exclude_none=True))
        return ServiceOut.model_validate(service)


@router.get("/services/{service_id}", response_model=ServiceOut)
def service(service_id: int, actor: Actor = Depends(api_actor)):
    """Un service de la commune."""
    with read_session() as s:
        return ServiceOut.model_validate(communes_lib.get_service(s, actor, service_id))


@router.patch("/services/{service_id}", response_model=ServiceOut)
def service_update(service_id: int, body: ServiceIn, actor: Actor = Depends(api_actor)):
    """Modifie un service (administration) ; seuls les champs envoyés changent."""
    with write_session() as s:
        service = communes_lib.save_service(
            s,
            actor,
            body.model_dump(exclude_none=True, exclude={"version"}),
            service_id=service_id,
            expected_version=body.version,
        )
        return ServiceOut.model_validate(service)


@router.delete("/services/{service_id}", status_code=204)
def service_delete(service_id: int, actor: Actor = Depends(api_actor)) -> None:
    """Supprime un service (administration)."""
    with write_session() as s:
        communes_lib.delete_service(s, actor, service_id)


@router.get("/users", response_model=list[UserOut])
def users(actor: Actor = Depends(api_actor)):
    """Comptes de la commune."""
    with read_session() as s:
        return [UserOut.model_validate(u) for u in users_lib.list_users(s, actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def user_create(body: UserIn, actor: Actor = Depends(api_actor)):
    """Crée un compte dans la commune (administration).

    ``role`` : ``admin``, ``agent`` ou ``elu`` (lecture seule)."""
    with write_session() as s:
        users_lib.require_admin(actor)
        user = users_lib.create_user(
            s,
            commune_id=actor.commune_id,
            email=body.email,
            full_name=body.full_name,
            role=body.role,
            password=body.password,
            by=actor.email,
        )
        return UserOut.model_validate(user)


@router.get("/users/{user_id}", response_model=UserOut)
def user(user_id: int, actor: Actor = Depends(api_actor)):
    """Un compte de la commune."""
    with read_session() as s:
        return UserOut.model_validate(users_lib.get_user(s, actor, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def user_update(user_id: int, body: UserPatch, actor: Actor = Depends(api_actor)):
    """Change le rôle, active ou désactive un compte, ou fixe son mot de passe (administration)."""
    with write_session() as s:
        user = users_lib.update_user(
            s, actor, user_id, role=body.role, active=body.active, password=body.password
        )
        return UserOut.model_validate(user)


@router.get("/audit", response_model=list[AuditOut])
def audit_entries(
    actor: Actor = Depends(api_actor),
    limit: int = Query(50, ge=1, le=500),
    before: int | None = Query(
        None, description="Numéro de ligne : renvoie les lignes plus anciennes."
    ),
):
    """Journal d'audit de la commune, des lignes les plus récentes aux plus anciennes."""
    with read_session() as s:
        query = select(AuditEntry).where(AuditEntry.commune_id == actor.commune_id)
        if before is not None:
            query = query.where(AuditEntry.seq < before)
        rows = s.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit)).all()
        return [AuditOut.model_validate(r) for r in rows]
