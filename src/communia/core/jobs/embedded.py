"""Embedded backend: worker threads inside the app process (the default).

The web app starts one ``EmbeddedWorker`` (``start_embedded_worker``); ``communia jobs
worker`` starts one in its own process. State lives in the database, so after a restart
the queued jobs are picked up again and the jobs that were running when the process died
are queued again: at once when the dead process ran on this host, otherwise once their
heartbeat is older than ``stale_after_s``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from sqlalchemy import select

from communia.core.db import read_session, write_session
from communia.core.jobs.config import get_jobs_settings
from communia.core.jobs.models import Job
from communia.core.jobs.runner import execute, requeue_stale

__all__ = ["EmbeddedWorker", "notify", "start_embedded_worker", "stop_embedded_worker"]

log = logging.getLogger(__name__)
_workers: set[EmbeddedWorker] = set()
_global: EmbeddedWorker | None = None
_global_lock = threading.Lock()
_users = 0  # apps of this process that started the worker and have not stopped


def notify() -> None:
    """Wake the workers of this process (a job was just queued)."""
    for worker in list(_workers):
        worker.wake.set()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def requeue_dead_local() -> list[int]:
    """Running jobs whose worker process on this host no longer exists go back to the queue."""
    host = socket.gethostname()
    with write_session() as session:
        jobs = session.scalars(select(Job).where(Job.state == "running", Job.backend == "embedded"))
        ids = []
        for job in jobs:
            parts = job.worker.split(":")
            if len(parts) >= 2 and parts[0] == host and parts[1].isdigit():
                pid = int(parts[1])
                if pid != os.getpid() and not _pid_alive(pid):
                    if job.cancel_requested:
                        job.state = "cancelled"
                        job.message = "Annulée (le traitement avait été interrompu)."
                    else:
                        job.state, job.worker = "queued", ""
                        job.message = "Reprise après l'interruption du serveur."
                        ids.append(job.id)
        return ids


class EmbeddedWorker:
    def __init__(
        self,
        *,
        threads: int | None = None,
        poll_interval_s: float | None = None,
        heartbeat_s: float | None = None,
        stale_after_s: float | None = None,
        name: str = "embedded",
    ) -> None:
        settings = get_jobs_settings()
        self.threads = threads or settings.threads
        self.poll_interval_s = poll_interval_s or settings.poll_interval_s
        self.heartbeat_s = heartbeat_s or settings.heartbeat_s
        self.stale_after_s = stale_after_s or settings.stale_after_s
        self.name = name
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        host, pid = socket.gethostname(), os.getpid()
        self.worker_ids = [f"{host}:{pid}:{name}-{i}" for i in range(self.threads)]

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> EmbeddedWorker:
        self.recover()
        self._stop.clear()
        for worker in self.worker_ids:
            thread = threading.Thread(target=self._loop, args=(worker,), name=worker, daemon=True)
            thread.start()
            self._threads.append(thread)
        watch = threading.Thread(target=self._watch, name=f"{self.name}-watch", daemon=True)
        watch.start()
        self._threads.append(watch)
        _workers.add(self)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop taking jobs; a job still running after ``timeout`` is resumed after restart."""
        self._stop.set()
        self.wake.set()
        _workers.discard(self)
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._threads.clear()

    def recover(self) -> list[int]:
        return requeue_dead_local() + requeue_stale(self.stale_after_s)

    # --- work -----------------------------------------------------------------------------
    def next_queued(self) -> int | None:
        with read_session() as session:
            return session.scalar(
                select(Job.id)
                .where(Job.state == "queued", Job.backend == "embedded")
                .order_by(Job.id)
                .limit(1)
            )

    def run_once(self, worker: str | None = None) -> int | None:
        """Run the oldest queued job, if any, in the calling thread; returns its id."""
        job_id = self.next_queued()
        if job_id is not None:
            execute(job_id, worker or self.worker_ids[0])
        return job_id

    def _loop(self, worker: str) -> None:
        while not self._stop.is_set():
            try:
                job_id = self.run_once(worker)
            except Exception:  # the database was unreachable: wait and try again
                log.exception("embedded worker %s: cannot take a job", worker)
                job_id = None
            if job_id is None:
                self.wake.wait(self.poll_interval_s)
                self.wake.clear()

    def _watch(self) -> None:
        """Every heartbeat interval, take back the jobs of dead or silent workers."""
        while not self._stop.wait(self.heartbeat_s):
            try:
                if self.recover():
                    self.wake.set()
            except Exception:  # noqa: BLE001 - keep watching; the database may come back
                log.exception("embedded worker recovery failed")


def start_embedded_worker() -> EmbeddedWorker | None:
    """Start the process-wide worker when ``jobs_backend = embedded`` (web app start-up).

    Every app started in the process shares it: it stops when the last one stops (a second
    app started and stopped in the same process must not leave the first without a worker).
    """
    global _global, _users
    from communia.core.settings import get_settings

    if get_settings().jobs_backend != "embedded":
        return None
    with _global_lock:
        if _global is None:
            _global = EmbeddedWorker().start()
        _users += 1
        return _global


def stop_embedded_worker() -> None:
    """One app stops: the worker stops with the last app that started it."""
    global _global, _users
    with _global_lock:
        _users = max(_users - 1, 0)
        if _global is not None and _users == 0:
            _global.stop()
            _global = None
