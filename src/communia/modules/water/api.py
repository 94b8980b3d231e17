"""JSON API of the water module (same library calls as the page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from communia.core.db import read_session, write_session
from communia.core.users import Actor
from communia.modules.water import service
from communia.web.security import api_actor

__all__ = ["router"]

router = APIRouter(tags=["eau"])


class AlertDecision(BaseModel):
    decision: str = Field(
        description="« confirmee » (fuite vue sur le terrain), « rejetee » ou « reparee ».",
        examples=["confirmee"],
    )
    commentaire: str = Field("", description="Note de terrain, 2 000 caractères au plus.")


def _alert(a, names: dict[str, str], notes: dict[int, str]) -> dict:
    return {
        "id": a.id,
        "zone": a.area,
        "secteur": service.area_label(a.area, names).replace("\u00a0", " "),
        "canalisation": a.pipe,
        "detection": a.detection_time.isoformat(),
        "debut_estime": a.start_estimate.isoformat(),
        "debit_m3h": a.flow_m3h,
        "volume_perdu_m3": a.volume_m3,
        "confiance": a.confidence,
        "candidates": a.candidates,
        "statut": a.status,
        "decide_par": a.decided_by,
        "commentaire": a.comment,
        "remarque": notes.get(a.id, ""),
    }


@router.get("/alertes")
def alerts(statut: str = "", actor: Actor = Depends(api_actor)) -> dict:
    """Alertes de fuite de la commune (propositions à vérifier sur le terrain)."""
    with read_session() as s:
        names = service.area_names(s, actor.commune_id)
        alerts = service.list_alerts(s, actor.commune_id, status=statut)
        notes = service.alert_notes(alerts)
        return {"alertes": [_alert(a, names, notes) for a in alerts]}


@router.post("/alertes/{alert_id}")
def decide(alert_id: int, body: AlertDecision, actor: Actor = Depends(api_actor)) -> dict:
    """Décision d'un agent sur une alerte ; une fuite réparée est apprise par le détecteur."""
    with write_session() as s:
        alert = service.decide(
            s,
            commune_id=actor.commune_id,
            alert_id=alert_id,
            status=body.decision,
            actor=actor.email,
            comment=body.commentaire,
        )
        notes = service.alert_notes(service.list_alerts(s, actor.commune_id))
        return _alert(alert, service.area_names(s, actor.commune_id), notes)


@router.get("/risque")
def risk(km: float = 1.0, actor: Actor = Depends(api_actor)) -> dict:
    """Classement des canalisations par risque de casse et plan de renouvellement."""
    with read_session() as s:
        rows = service.risk_rows(s, actor.commune_id)
        return {
            "canalisations": [
                {
                    "canalisation": r.pipe,
                    "materiau": r.material,
                    "pose": r.install_year,
                    "longueur_m": r.length_m,
                    "casses_passees": r.n_prev,
                    "casses_attendues": r.risk,
                }
                for r in rows
            ],
            "plan": service.renewal_plan_rows(rows, km_per_year=km) if rows else [],
        }
