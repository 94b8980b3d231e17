"""Web adapters of the jobs service: agents' pages under ``/app/taches`` and the JSON API
under ``/api/v1/jobs``. Wire them into the app with ``install(app)`` (routers, plus the
embedded worker started with the app and stopped with it)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse

from communia.core.users import Actor

__all__ = ["page_router", "api_router", "install"]


def page_router() -> APIRouter:
    from communia.web.forms import form_data
    from communia.web.rendering import redirect_with_flash, render
    from communia.web.security import check_csrf, require_actor

    router = APIRouter(include_in_schema=False)

    @router.get("/app/taches", response_class=HTMLResponse)
    def jobs_page(request: Request, actor: Actor = Depends(require_actor)):
        from communia.core.jobs import list_jobs

        views = list_jobs(commune_id=actor.commune_id, limit=100)
        return render(
            request,
            "jobs_list.html",
            {"jobs": views, "active": any(not v.done for v in views)},
        )

    @router.get("/app/taches/{job_id}", response_class=HTMLResponse)
    def job_page(request: Request, job_id: int, actor: Actor = Depends(require_actor)):
        from communia.core.jobs import get

        return render(request, "job.html", {"job": get(job_id, commune_id=actor.commune_id)})

    @router.get("/app/taches/{job_id}/etat", response_class=HTMLResponse)
    def job_partial(request: Request, job_id: int, actor: Actor = Depends(require_actor)):
        """The progress block alone (for pages that embed a job's progress)."""
        from communia.core.jobs import get

        return render(
            request, "_job_progress.html", {"job": get(job_id, commune_id=actor.commune_id)}
        )

    @router.post("/app/taches/{job_id}/annuler")
    def job_cancel(
        request: Request,
        job_id: int,
        form: dict = Depends(form_data),
        actor: Actor = Depends(require_actor),
    ):
        from communia.core.jobs import cancel

        check_csrf(request, actor, form.get("csrf_token"))
        view = cancel(job_id, actor=actor.email, commune_id=actor.commune_id)
        return redirect_with_flash(f"/app/taches/{job_id}", f"Tâche n° {job_id} : {view.message}")

    @router.post("/app/taches/{job_id}/relancer")
    def job_retry(
        request: Request,
        job_id: int,
        form: dict = Depends(form_data),
        actor: Actor = Depends(require_actor),
    ):
        from communia.core.jobs import retry

        check_csrf(request, actor, form.get("csrf_token"))
        retry(job_id, actor=actor.email, commune_id=actor.commune_id)
        return redirect_with_flash(f"/app/taches/{job_id}", f"Tâche n° {job_id} relancée.")

    return router


def api_router() -> APIRouter:
    from communia.web.security import api_actor

    router = APIRouter(prefix="/api/v1/jobs", tags=["tâches"])

    @router.get("", summary="Tâches de la commune, les plus récentes d'abord")
    def list_endpoint(
        state: str | None = Query(
            None, description="queued, running, succeeded, failed, cancelled"
        ),
        limit: int = Query(50, ge=1, le=500),
        actor: Actor = Depends(api_actor),
    ) -> list[dict[str, Any]]:
        from communia.core.jobs import list_jobs

        views = list_jobs(commune_id=actor.commune_id, state=state, limit=limit)
        return [v.to_dict() for v in views]

    @router.get("/{job_id}", summary="État et progression d'une tâche")
    def get_endpoint(job_id: int, actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        from communia.core.jobs import get

        return get(job_id, commune_id=actor.commune_id).to_dict()

    @router.post("/{job_id}/cancel", summary="Annuler une tâche en attente ou en cours")
    def cancel_endpoint(job_id: int, actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        from communia.core.jobs import cancel

        return cancel(job_id, actor=actor.email, commune_id=actor.commune_id).to_dict()

    @router.post("/{job_id}/retry", summary="Relancer une tâche en échec ou annulée")
    def retry_endpoint(job_id: int, actor: Actor = Depends(api_actor)) -> dict[str, Any]:
        from communia.core.jobs import retry

        return retry(job_id, actor=actor.email, commune_id=actor.commune_id).to_dict()

    return router


def install(app: FastAPI) -> None:
    """Mount the pages and the API, and run the embedded worker with the app (it starts
    with the app's lifespan and stops with it; with ``jobs_backend = rq`` nothing starts)."""
    from contextlib import asynccontextmanager

    import anyio

    from communia.core.jobs.embedded import start_embedded_worker, stop_embedded_worker

    app.include_router(page_router())
    app.include_router(api_router())
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):
        await anyio.to_thread.run_sync(start_embedded_worker)
        try:
            async with inner(application) as state:
                yield state
        finally:
            await anyio.to_thread.run_sync(stop_embedded_worker)

    app.router.lifespan_context = lifespan
