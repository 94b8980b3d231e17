"""Background jobs: retrain the model after an import, compute an order sheet."""

from __future__ import annotations

import datetime as dt

from communia.core.jobs import JobContext, task


@task("canteen.train", title="Réentraînement du modèle de prévision des repas")
def train_job(ctx: JobContext, *, commune_id: int, actor: str) -> dict:
    from communia.modules.canteen.store import train_model

    return train_model(commune_id, actor=actor, progress=ctx.progress)


@task("canteen.forecast", title="Prévision des repas des cantines")
def forecast_job(
    ctx: JobContext, *, commune_id: int, start: str, end: str, service_level: float, actor: str
) -> dict:
    from communia.modules.canteen.store import create_order_sheet

    run_id = create_order_sheet(
        commune_id,
        start=dt.date.fromisoformat(start),
        end=dt.date.fromisoformat(end),
        service_level=float(service_level),
        actor=actor,
        progress=ctx.progress,
    )
    return {"run_id": run_id, "url": f"/app/canteen/feuilles/{run_id}"}
