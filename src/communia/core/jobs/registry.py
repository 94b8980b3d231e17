"""Task registry: ``@task("name")`` functions run by any backend.

A task receives a ``JobContext`` first, then its parameters as keyword arguments, and
returns a JSON-able result::

    @task("documents.extract", title="Lecture de documents")
    def extract_files(ctx: JobContext, *, paths: list[str]) -> dict:
        for i, path in enumerate(paths):
            if ctx.cancelled():
                raise JobCancelled()
            ...
            ctx.progress((i + 1) / len(paths), f"{path} lu")

Task modules are imported on demand: the core's ``TASK_MODULES`` and each registered
module's ``<package>.tasks`` (when it exists), so an RQ worker finds the same functions.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from communia.core.errors import NotFound

__all__ = ["task", "Task", "JobContext", "JobCancelled", "get_task", "TASK_MODULES", "tasks"]

# Core task modules, imported when a task name is looked up.
TASK_MODULES: list[str] = ["communia.core.jobs.builtin"]

_tasks: dict[str, Task] = {}
_lock = threading.Lock()
_imported = False


class JobCancelled(BaseException):  # noqa: N818 - it is a signal, not an error
    """Raised by a task (or by ``JobContext.check_cancelled``) to stop at a clean point.

    A ``BaseException``, like ``asyncio.CancelledError``: library code that turns any
    ``Exception`` into a domain error (document extraction, for one) lets it through."""


@dataclass(frozen=True)
class Task:
    name: str
    func: Callable[..., Any]
    title: str  # French, shown in lists and progress pages


def task(name: str, *, title: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``func`` under ``name`` (``<area>.<verb>``, e.g. ``documents.extract``)."""

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        with _lock:
            existing = _tasks.get(name)
            if existing is not None and existing.func.__qualname__ != func.__qualname__:
                raise ValueError(f"task {name!r} is already registered by {existing.func!r}")
            _tasks[name] = Task(name=name, func=func, title=title or name)
        return func

    return decorator


def _import_task_modules() -> None:
    global _imported
    if _imported:
        return
    from communia.core.jobs.config import get_jobs_settings

    for path in [*TASK_MODULES, *get_jobs_settings().task_modules]:
        importlib.import_module(path)
    from communia.core.registry import load_modules
    from communia.modules import MODULE_PACKAGES

    load_modules()
    for package in MODULE_PACKAGES:
        name = f"{package}.tasks"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    _imported = True


def get_task(name: str) -> Task:
    if name not in _tasks:
        _import_task_modules()
    try:
        return _tasks[name]
    except KeyError:
        raise NotFound(f"Tâche inconnue : « {name} ».") from None


def tasks() -> dict[str, Task]:
    _import_task_modules()
    return dict(_tasks)


class JobContext:
    """What a running task can do: report progress and notice a cancellation.

    Progress writes are throttled (at most one every ``min_interval`` seconds, except
    the first, the last and any new message) so a tight loop does not flood the database.
    """

    def __init__(
        self,
        job_id: int,
        *,
        commune_id: int | None,
        created_by: str,
        min_interval: float = 0.2,
    ) -> None:
        self.job_id = job_id
        self.commune_id = commune_id
        self.created_by = created_by
        self._min_interval = min_interval
        self._last_write = 0.0
        self._last_message = ""
        self._last_check = 0.0
        self._cancelled = False

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress; before the end (``fraction < 1``) it is also a cancellation
        point: a task that only reports progress stops there when someone cancels it, instead
        of finishing its work behind a page that says « Annulation demandée… »."""
        from communia.core.jobs.runner import write_progress

        fraction = min(max(float(fraction), 0.0), 1.0)
        if fraction < 1.0:
            self.check_cancelled()
        now = time.monotonic()
        if (
            now - self._last_write < self._min_interval
            and message == self._last_message
            and fraction < 1.0
        ):
            return
        self._last_write, self._last_message = now, message
        write_progress(self.job_id, fraction, message)

    def cancelled(self) -> bool:
        """Has someone asked to cancel this job? (reads the database at most twice a second)"""
        if self._cancelled:
            return True
        now = time.monotonic()
        if now - self._last_check >= 0.5:
            from communia.core.jobs.runner import cancel_requested

            self._last_check = now
            self._cancelled = cancel_requested(self.job_id)
        return self._cancelled

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise JobCancelled()
