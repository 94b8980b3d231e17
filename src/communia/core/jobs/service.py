"""The jobs API: submit, get, list, cancel, retry (one library behind the CLI, the web
pages and the JSON endpoints)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from communia.core.audit import record
from communia.core.db import read_session, utcnow, write_session
from communia.core.errors import Conflict, InvalidInput, NotFound
from communia.core.jobs.models import ACTIVE_STATES, FINAL_STATES, STATE_LABELS, STATES, Job
from communia.core.jobs.registry import get_task

__all__ = ["JobView", "submit", "get", "list_jobs", "cancel", "retry", "wait"]


@dataclass(frozen=True)
class JobView:
    """A snapshot of a job, safe to hand to a template, the CLI or JSON."""

    id: int
    name: str
    title: str
    state: str
    state_label: str
    progress: float
    message: str
    result: Any
    error: str
    attempts: int
    cancel_requested: bool
    backend: str
    commune_id: int | None
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def percent(self) -> int:
        return int(round(self.progress * 100))

    @classmethod
    def of(cls, job: Job) -> JobView:
        return cls(
            id=job.id,
            name=job.name,
            title=job.title,
            state=job.state,
            state_label=STATE_LABELS[job.state],
            progress=job.progress,
            message=job.message,
            result=job.result,
            error=job.error,
            attempts=job.attempts,
            cancel_requested=job.cancel_requested,
            backend=job.backend,
            commune_id=job.commune_id,
            created_by=job.created_by,
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("created_at", "started_at", "finished_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data["percent"] = self.percent
        data["done"] = self.done
        return data


def _load(session, job_id: int, commune_id: int | None) -> Job:
    job = session.get(Job, job_id)
    if job is None or (commune_id is not None and job.commune_id != commune_id):
        raise NotFound("Cette tâche n'existe pas ou n'appartient pas à votre commune.")
    return job


def _backend_name() -> str:
    from communia.core.settings import get_settings

    return get_settings().jobs_backend


def _dispatch(job_id: int, backend: str) -> None:
    """After the commit: hand the job to its backend."""
    if backend == "rq":
        from communia.core.jobs.rq_backend import enqueue

        enqueue(job_id)
    else:
        from communia.core.jobs.embedded import notify

        notify()


def submit(
    name: str,
    params: dict[str, Any] | None = None,
    *,
    commune_id: int | None = None,
    created_by: str = "systeme",
    title: str = "",
) -> JobView:
    """Queue a job for the task ``name``; returns at once (the job runs in the background)."""
    task = get_task(name)
    params = dict(params or {})
    try:
        json.dumps(params)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("Les paramètres de la tâche doivent être des valeurs JSON.") from exc
    backend = _backend_name()
    with write_session() as session:
        job = Job(
            name=name,
            title=title or task.title,
            params=params,
            state="queued",
            progress=0.0,
            message="En attente d'un processus de traitement.",
            error="",
            attempts=0,
            cancel_requested=False,
            backend=backend,
            worker="",
            commune_id=commune_id,
            created_by=created_by,
            created_at=utcnow(),
        )
        session.add(job)
        session.flush()
        record(
            session,
            actor=created_by,
            action="job.submit",
            commune_id=commune_id,
            object_type="job",
            object_id=job.id,
            summary=f"Tâche lancée : {job.title}",
        )
        view = JobView.of(job)
    _dispatch(view.id, backend)
    return view


def get(job_id: int, *, commune_id: int | None = None) -> JobView:
    with read_session() as session:
        return JobView.of(_load(session, job_id, commune_id))


def list_jobs(
    *, commune_id: int | None = None, state: str | None = None, limit: int = 50
) -> list[JobView]:
    if state is not None and state not in STATES:
        raise InvalidInput(f"État inconnu : « {state} ». États possibles : {', '.join(STATES)}.")
    query = select(Job).order_by(Job.id.desc()).limit(max(1, min(limit, 500)))
    if commune_id is not None:
        query = query.where(Job.commune_id == commune_id)
    if state is not None:
        query = query.where(Job.state == state)
    with read_session() as session:
        return [JobView.of(job) for job in session.scalars(query)]


def cancel(job_id: int, *, actor: str, commune_id: int | None = None) -> JobView:
    """A queued job is cancelled at once; a running one stops at its next check."""
    with write_session() as session:
        job = _load(session, job_id, commune_id)
        if job.state not in ACTIVE_STATES:
            raise Conflict(f"La tâche n° {job.id} est déjà {STATE_LABELS[job.state].lower()}.")
        job.cancel_requested = True
        if job.state == "queued":
            job.state, job.finished_at = "cancelled", utcnow()
            job.message = "Annulée avant son démarrage."
        else:
            job.message = "Annulation demandée…"
        record(
            session,
            actor=actor,
            action="job.cancel",
            commune_id=job.commune_id,
            object_type="job",
            object_id=job.id,
            summary=f"Annulation de la tâche : {job.title}",
        )
        session.flush()
        return JobView.of(job)


def retry(job_id: int, *, actor: str, commune_id: int | None = None) -> JobView:
    """Queue again a failed or cancelled job (same parameters, attempts keep counting)."""
    with write_session() as session:
        job = _load(session, job_id, commune_id)
        if job.state not in ("failed", "cancelled"):
            raise Conflict(
                f"Seule une tâche en échec ou annulée peut être relancée "
                f"(la tâche n° {job.id} est {STATE_LABELS[job.state].lower()})."
            )
        job.state, job.progress, job.error, job.result = "queued", 0.0, "", None
        job.cancel_requested, job.worker = False, ""
        job.started_at = job.finished_at = None
        job.message = "Relancée, en attente d'un processus de traitement."
        job.backend = _backend_name()
        record(
            session,
            actor=actor,
            action="job.retry",
            commune_id=job.commune_id,
            object_type="job",
            object_id=job.id,
            summary=f"Relance de la tâche : {job.title}",
        )
        session.flush()
        view = JobView.of(job)
    _dispatch(view.id, view.backend)
    return view


def wait(job_id: int, *, timeout: float = 60.0, interval: float = 0.1) -> JobView:
    """Poll until the job is finished (tests, CLI). Raises ``Conflict`` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        view = get(job_id)
        if view.done:
            return view
        if time.monotonic() > deadline:
            raise Conflict(f"La tâche n° {job_id} n'est pas terminée après {timeout:g} s.")
        time.sleep(interval)
