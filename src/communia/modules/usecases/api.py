"""JSON API of the use-case library; ``/public`` is the federation endpoint (no login)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from communia.core.db import read_session, write_session
from communia.core.settings import get_settings
from communia.core.users import Actor
from communia.modules.usecases import service
from communia.web.security import api_actor

__all__ = ["router"]

router = APIRouter(tags=["cas d'usage"])


class UseCaseIn(BaseModel):
    """The exchange format's fields a commune writes (docs/usecases-schema.md)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    title: str = Field(description="Titre, 200 caractères au plus.")
    problem: str | None = Field(None, description="Problème traité.")
    organisation: str | None = Field(None, description="Collectivité qui porte le cas.")
    commune_size: str | None = Field(
        None, description="moins_2000, 2000_20000, 20000_100000 ou plus_100000."
    )
    data_needed: str | None = Field(None, description="Données nécessaires.")
    tool: str | None = Field(None, description="Outil ou méthode.")
    cost: str | None = Field(None, description="Coût.")
    results: str | None = Field(None, description="Résultats, chiffrés si possible.")
    risks: str | None = Field(None, description="Risques et mesures prises.")
    contact: str | None = Field(None, description="Contact.")
    status: str | None = Field(None, description="idee, pilote, en_service ou abandonne.")
    public: bool = Field(True, description="Visible dans le catalogue public (fédération).")


@router.get("/public")
def public_catalogue() -> dict:
    """Catalogue public de l'instance, au format d'échange `communia.usecases` (fédération)."""
    with read_session() as s:
        cases = service.search(s, None, limit=100_000)
        return service.export_json(cases, origin=get_settings().base_url)


@router.get("")
def search(
    q: str = "",
    statut: str = "",
    taille: str = "",
    limit: int = Query(200, ge=1, le=1000),
    actor: Actor = Depends(api_actor),
) -> dict:
    """Cas d'usage visibles par le compte, au format d'échange `communia.usecases`.

    ``q`` : mots à chercher (tous présents) ; ``statut`` et ``taille`` filtrent."""
    with read_session() as s:
        return service.export_json(
            service.search(s, actor, query=q, status=statut, size=taille, limit=limit)
        )


@router.post("", status_code=201)
def create(body: UseCaseIn, actor: Actor = Depends(api_actor)) -> dict:
    """Décrit un cas d'usage de la commune (champs du format d'échange) ; renvoie ``id`` et
    ``uid``."""
    with write_session() as s:
        case = service.save_case(s, actor, body.model_dump(exclude_unset=True))
        return {"id": case.id, "uid": case.uid}
