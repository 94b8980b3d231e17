"""RQ backend: the same tasks on a Redis queue, for several worker machines.

``submit`` writes the job row, then puts a message naming ``runner.execute_rq(job_id)``
on the queue; ``communia jobs worker`` (with ``jobs_backend = rq``) runs an RQ worker.
The database stays the source of truth: a worker re-sends at start-up the queued jobs
that Redis lost (Redis may keep nothing on disk) and re-queues jobs whose worker died.
"""

from __future__ import annotations

from communia.core.errors import Unavailable

__all__ = ["connection", "queue", "enqueue", "resend_queued", "run_worker", "ping"]


def connection():
    from redis import Redis

    from communia.core.settings import get_settings

    return Redis.from_url(get_settings().redis_url, socket_connect_timeout=2)


def ping() -> bool:
    try:
        return bool(connection().ping())
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


def queue():
    from rq import Queue

    from communia.core.jobs.config import get_jobs_settings

    return Queue(get_jobs_settings().rq_queue, connection=connection())


def enqueue(job_id: int) -> None:
    from redis.exceptions import RedisError

    try:
        queue().enqueue(
            "communia.core.jobs.runner.execute_rq",
            job_id,
            job_id=f"communia-job-{job_id}-{_nonce()}",
            job_timeout=-1,  # long jobs are ours to cancel, not RQ's to kill
            result_ttl=3600,
            failure_ttl=86400,
        )
    except RedisError as exc:
        raise Unavailable(
            "La file de tâches Redis est injoignable : la tâche est enregistrée et partira "
            "au prochain démarrage d'un processus de traitement (communia jobs worker)."
        ) from exc


def _nonce() -> str:
    import secrets

    return secrets.token_hex(4)


def resend_queued() -> list[int]:
    """Put back on Redis every job the database says is queued for RQ."""
    from sqlalchemy import select

    from communia.core.db import read_session
    from communia.core.jobs.models import Job

    with read_session() as session:
        ids = list(
            session.scalars(
                select(Job.id).where(Job.state == "queued", Job.backend == "rq").order_by(Job.id)
            )
        )
    for job_id in ids:
        enqueue(job_id)  # duplicates are harmless: the claim lets only one run
    return ids


def run_worker(*, burst: bool = False) -> None:
    """Run an RQ worker in this process (no fork per job: the database pool stays valid)."""
    from rq import SimpleWorker

    from communia.core.jobs.config import get_jobs_settings
    from communia.core.jobs.runner import requeue_stale

    if not ping():
        raise Unavailable("Le serveur Redis est injoignable (réglage redis_url).")
    requeue_stale(get_jobs_settings().stale_after_s)
    resend_queued()
    worker = SimpleWorker([queue()], connection=connection())
    worker.work(burst=burst, with_scheduler=False)
