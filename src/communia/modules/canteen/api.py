"""JSON API of the canteen module (``/api/v1/canteen``): order sheets, forecasts, retraining.

Same library calls as the pages; every read and write is scoped to the caller's commune
(bearer API token or open session, see ``communia.web.security.api_actor``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from communia.core.db import read_session, write_session
from communia.core.users import Actor
from communia.web.security import api_actor

__all__ = ["build_api_router"]


class SheetRequest(BaseModel):
    debut: str = Field(
        description="Premier jour (AAAA-MM-JJ ou JJ/MM/AAAA).", examples=["2026-01-05"]
    )
    fin: str = Field(description="Dernier jour, six mois au plus après le premier.")
    niveau: float = Field(
        0.95,
        description="Niveau de service : part des jours sans manque (0.95, « 0,95 » ou 95).",
    )


def _run(run) -> dict[str, Any]:
    return {
        "id": run.id,
        "debut": run.start.isoformat(),
        "fin": run.end.isoformat(),
        "niveau_service": run.service_level,
        "statut": run.status,
        "historique_jusqu_au": run.history_last_date.isoformat() if run.history_last_date else None,
        "cree_le": run.created_at.isoformat() if run.created_at else None,
        "cree_par": run.actor,
    }


def _num(value) -> float | None:
    return None if value is None or value != value else float(value)


def build_api_router() -> APIRouter:
    router = APIRouter(tags=["cantines"])

    @router.get(
        "/feuilles", summary="Feuilles de commande de la commune, les plus récentes d'abord"
    )
    def list_sheets(actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        from sqlalchemy import select

        from communia.modules.canteen.models import ForecastRun

        with read_session() as s:
            runs = s.scalars(
                select(ForecastRun)
                .where(ForecastRun.commune_id == actor.commune_id)
                .order_by(ForecastRun.id.desc())
                .limit(100)
            ).all()
            return {"feuilles": [_run(r) for r in runs]}

    @router.get("/feuilles/{run_id}", summary="Prévisions et commandes par cantine et par jour")
    def get_sheet(run_id: int, actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        from communia.modules.canteen import store
        from communia.modules.canteen.exports import kitchen_totals

        with read_session() as s:
            run, table = store.order_sheet(s, actor.commune_id, run_id)
            head = _run(run)
        lines, totals, after = [], [], {"days": 0}
        if len(table):
            lines = [
                {
                    "date": f"{r['date']:%Y-%m-%d}",
                    "cantine": r["canteen"],
                    "prevision": round(float(r["forecast"]), 1),
                    "commande": int(r["order"]),
                    "commande_proposee": int(r["proposed_order"]),
                    "surplus_attendu": float(r["surplus"]),
                    "risque_manque": round(float(r["risk"]), 3),
                    "facteurs": [{"facteur": k, "repas": v} for k, v in (r["drivers"] or [])],
                    "repas_servis": _num(r.get("served")),
                }
                for r in table.to_dict("records")
            ]
            totals = [
                {
                    "date": f"{t['date']:%Y-%m-%d}",
                    "cantines": int(t["canteens"]),
                    "prevision": round(float(t["forecast"]), 1),
                    "commande": int(t["order"]),
                    "repas_servis": _num(t.get("served")),
                }
                for t in kitchen_totals(table).to_dict("records")
            ]
            after = store.after_the_fact(table)
            after.pop("per_canteen", None)
        return {**head, "lignes": lines, "cuisine_centrale": totals, "bilan": after}

    @router.post("/feuilles", status_code=202, summary="Calculer une feuille de commande")
    def new_sheet(body: SheetRequest, actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        """Le calcul tourne en tâche de fond : suivre ``/api/v1/jobs/{tache}``."""
        from communia.modules.canteen.tasks import submit_forecast

        job = submit_forecast(actor, start=body.debut, end=body.fin, service_level=body.niveau)
        return {"tache": job.id, "suivi": f"/api/v1/jobs/{job.id}"}

    @router.post("/modele", status_code=202, summary="Réentraîner le modèle sur tout l'historique")
    def retrain(actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        from communia.modules.canteen.tasks import submit_training

        job = submit_training(actor)
        return {"tache": job.id, "suivi": f"/api/v1/jobs/{job.id}"}

    @router.post("/feuilles/{run_id}/valider", summary="Valider une feuille de commande")
    def validate(run_id: int, actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        from communia.modules.canteen import store

        with write_session() as s:
            run = store.validate_run(s, actor.commune_id, run_id=run_id, actor=actor.email)
            return _run(run)

    return router
