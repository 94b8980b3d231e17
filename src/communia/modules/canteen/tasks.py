"""Background job: train (when the history changed) and compute an order sheet."""

from __future__ import annotations

import datetime as dt

from communia.core.jobs import JobContext, task


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
