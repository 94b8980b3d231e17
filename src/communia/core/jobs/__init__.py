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

from communia.core.lazy import lazy_exports

_EXPORTS = {
    "JobCancelled": "registry",
    "JobContext": "registry",
    "JobView": "service",
    "Task": "registry",
    "cancel": "service",
    "get": "service",
    "get_task": "registry",
    "list_jobs": "service",
    "retry": "service",
    "submit": "service",
    "task": "registry",
    "tasks": "registry",
    "wait": "service",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
