"""Background jobs: retrain the model after an import, compute an order sheet; and the one
way the page and the API check a request and start them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from communia.core.errors import InvalidInput
from communia.core.jobs import JobContext, task

if TYPE_CHECKING:  # pragma: no cover
    from communia.core.users import Actor


@task("canteen.train", title="Réentraînement du modèle de prévision des repas")
def train_job(ctx: JobContext, *, commune_id: int, actor: str) -> dict:
    from communia.core.formatting import fr_number
    from communia.modules.canteen.store import train_model

    info = train_model(commune_id, actor=actor, progress=ctx.progress)
    last = dt.date.fromisoformat(info["history_last_date"])
    state = "réentraîné" if info["trained"] else "déjà à jour"
    return info | {
        "resume": f"Modèle {state} : {fr_number(info['history_rows'])} jours-cantines, "
        f"historique jusqu'au {last:%d/%m/%Y}."
    }


@task("canteen.forecast", title="Prévision des repas des cantines")
def forecast_job(
    ctx: JobContext, *, commune_id: int, start: str, end: str, service_level: float, actor: str
) -> dict:
    from communia.modules.canteen.store import create_order_sheet

    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    run_id = create_order_sheet(
        commune_id,
        start=first,
        end=last,
        service_level=float(service_level),
        actor=actor,
        progress=ctx.progress,
    )
    return {
        "run_id": run_id,
        "url": f"/app/canteen/feuilles/{run_id}",
        "resume": f"Feuille de commande du {first:%d/%m/%Y} au {last:%d/%m/%Y} prête à valider.",
    }


def parse_day(value: Any, label: str) -> dt.date:
    """A day typed in a form or sent to the API (AAAA-MM-JJ)."""
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise InvalidInput(f"{label} : date invalide « {value} » (format AAAA-MM-JJ).") from exc


def parse_service_level(value: Any) -> float:
    """A service level as 0.95, « 0,95 » or 95 (per cent)."""
    try:
        level = float(str(value).replace(",", "."))
    except ValueError as exc:
        raise InvalidInput(f"Niveau de service invalide « {value} ».") from exc
    if level > 1:
        level /= 100
    if not 0.5 <= level < 1:
        raise InvalidInput("Le niveau de service doit être compris entre 50 % et 99,9 %.")
    return level


#: longest order sheet asked from the web page or the API (the CLI forecasts any period)
MAX_SHEET_DAYS = 183


def submit_forecast(actor: Actor, *, start: Any, end: Any, service_level: Any):
    """Check an order-sheet request and start its job; returns the job."""
    from communia.core.jobs import submit

    first, last = parse_day(start, "Début"), parse_day(end, "Fin")
    if last < first:
        raise InvalidInput("La date de fin précède la date de début.")
    if (last - first).days >= MAX_SHEET_DAYS:  # a typo (2030 for 2020) made a 12-year sheet
        raise InvalidInput(
            f"Une feuille de commande couvre au plus {MAX_SHEET_DAYS} jours (six mois) : "
            "réduisez la période."
        )
    return submit(
        "canteen.forecast",
        {
            "commune_id": actor.commune_id,
            "start": first.isoformat(),
            "end": last.isoformat(),
            "service_level": parse_service_level(service_level),
            "actor": actor.email,
        },
        commune_id=actor.commune_id,
        created_by=actor.email,
    )


def submit_training(actor: Actor):
    """Start retraining the commune's model on its whole history; returns the job."""
    from communia.core.jobs import submit

    return submit(
        "canteen.train",
        {"commune_id": actor.commune_id, "actor": actor.email},
        commune_id=actor.commune_id,
        created_by=actor.email,
    )
