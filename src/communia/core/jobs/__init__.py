"""Background jobs with progress, cancel, retry and restart survival.

    from communia.core.jobs import task, submit, JobContext

    @task("water.simulate", title="Simulation du réseau")
    def simulate(ctx: JobContext, *, scenario: str) -> dict:
        ctx.progress(0.5, "Moitié du calcul")
        ...

    job = submit("water.simulate", {"scenario": "fuite"}, commune_id=1, created_by="a@b.fr")

Backends, chosen by the setting ``jobs_backend``: ``embedded`` (worker threads in the app
process, the default) or ``rq`` (Redis queue, ``communia jobs worker`` on any machine).
The state of every job is in the ``jobs`` table.
"""

from __future__ import annotations

from communia.core.jobs.registry import JobCancelled, JobContext, Task, get_task, task, tasks
from communia.core.jobs.service import JobView, cancel, get, list_jobs, retry, submit, wait

__all__ = [
    "JobCancelled",
    "JobContext",
    "JobView",
    "Task",
    "cancel",
    "get",
    "get_task",
    "list_jobs",
    "retry",
    "submit",
    "task",
    "tasks",
    "wait",
]
