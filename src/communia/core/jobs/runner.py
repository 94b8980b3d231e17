"""Running one job, whatever the backend: claim it, call its task, record the outcome.

The claim is one conditional ``UPDATE ... WHERE state = 'queued'``, so two workers (two
threads, two processes or a duplicate RQ message) never run the same job twice. No
database transaction is held while the task runs.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import case, select, update

from communia.core.db import read_session, utcnow, write_session
from communia.core.errors import CommuniaError
from communia.core.jobs.models import Job
from communia.core.jobs.registry import JobCancelled, JobContext, get_task

__all__ = [
    "execute",
    "execute_rq",
    "claim",
    "write_progress",
    "cancel_requested",
    "heartbeat",
    "requeue_stale",
    "worker_id",
]

log = logging.getLogger(__name__)
#: The message of a claimed job until its task reports progress.
STARTING = "Démarrage…"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def claim(job_id: int, worker: str) -> bool:
    """Move a queued job to running for ``worker``; ``False`` if someone else has it."""
    now = utcnow()
    with write_session() as session:
        job = session.get(Job, job_id)
        if job is None or job.state != "queued":
            return False
        if job.cancel_requested:
            job.state, job.finished_at = "cancelled", now
            job.message = "Annulée avant son démarrage."
            return False
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "queued")
            .values(
                state="running",
                worker=worker,
                attempts=Job.attempts + 1,
                started_at=now,
                heartbeat_at=now,
                message=STARTING,
                error="",
            )
        )
        return result.rowcount == 1


def write_progress(job_id: int, fraction: float, message: str) -> None:
    values: dict[str, Any] = {"progress": fraction, "heartbeat_at": utcnow()}
    if message:
        values["message"] = message
    with write_session() as session:
        session.execute(
            update(Job).where(Job.id == job_id, Job.state == "running").values(**values)
        )


def cancel_requested(job_id: int) -> bool:
    with read_session() as session:
        return bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))


def heartbeat(job_id: int) -> None:
    with write_session() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == "running")
            .values(heartbeat_at=utcnow())
        )


def _beating(job_id: int) -> threading.Event:
    """Keep the job's heartbeat fresh while its task runs, even if the task never reports
    progress, so that no other worker mistakes it for the job of a dead worker."""
    from communia.core.jobs.config import get_jobs_settings

    interval = get_jobs_settings().heartbeat_s
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                heartbeat(job_id)
            except Exception:  # noqa: BLE001 - the next beat may succeed
                log.warning("heartbeat of job %s failed", job_id, exc_info=True)

    threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True).start()
    return stop


def requeue_stale(stale_after_s: float) -> list[int]:
    """Jobs left running by a worker that died (no heartbeat for ``stale_after_s``) go
    back to the queue; the attempt they used is kept in ``attempts``."""
    limit = utcnow() - timedelta(seconds=stale_after_s)
    with write_session() as session:
        jobs = session.scalars(
            select(Job).where(Job.state == "running", Job.heartbeat_at < limit)
        ).all()
        for job in jobs:
            if job.cancel_requested:
                job.state, job.finished_at = "cancelled", utcnow()
                job.message = "Annulée (le traitement avait été interrompu)."
            else:
                job.state, job.worker = "queued", ""
                job.message = "Reprise après l'interruption du serveur."
        return [job.id for job in jobs if job.state == "queued"]


def _finish(job_id: int, **values: Any) -> None:
    values.setdefault("finished_at", utcnow())
    with write_session() as session:
        session.execute(update(Job).where(Job.id == job_id).values(**values))


def execute(job_id: int, worker: str | None = None) -> str:
    """Run one job to its end. Returns the final state; never raises for a task error."""
    worker = worker or worker_id()
    if not claim(job_id, worker):
        return "skipped"
    with read_session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        name, params = job.name, dict(job.params or {})
        commune_id, created_by, title = job.commune_id, job.created_by, job.title
    ctx = JobContext(job_id, commune_id=commune_id, created_by=created_by)
    beating = _beating(job_id)
    try:
        task = get_task(name)
        result = task.func(ctx, **params)
        json.dumps(result)  # a result that cannot be stored is a task bug
    except JobCancelled:
        _finish(job_id, state="cancelled", message="Annulée à la demande.")
        return "cancelled"
    except CommuniaError as exc:
        _finish(job_id, state="failed", error=exc.message, message="Échec.")
        return "failed"
    except Exception as exc:  # never let a task take the worker down
        log.exception("job %s (%s) failed", job_id, name)
        _finish(
            job_id,
            state="failed",
            error=(
                f"Erreur inattendue pendant « {title or name} » ({type(exc).__name__}). "
                "Le détail est dans le journal du serveur ; vous pouvez relancer la tâche."
            ),
            message="Échec.",
        )
        return "failed"
    finally:
        beating.set()
    _finish(job_id, state="succeeded", progress=1.0, result=result, message=_outcome(result))
    return "succeeded"


def _outcome(result: Any) -> Any:
    """The message a finished job shows beside « Terminée »: the task's own French summary
    (``result["resume"]``), else its last progress message; never « Terminée » twice."""
    summary = result.get("resume") if isinstance(result, dict) else None
    if isinstance(summary, str) and summary.strip():
        return summary.strip()
    return case((Job.message == STARTING, ""), else_=Job.message)


def execute_rq(job_id: int) -> str:
    """Entry point of the RQ backend (what the Redis message names)."""
    return execute(job_id, worker=f"rq:{worker_id()}")
