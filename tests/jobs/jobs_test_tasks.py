"""Tasks used by the jobs tests (imported by the tests and, through the setting
``modules.jobs.task_modules``, by the worker subprocesses)."""

from __future__ import annotations

import time
from pathlib import Path

from communia.core.errors import InvalidInput
from communia.core.jobs import JobCancelled, JobContext, task


@task("tests.count", title="Comptage de test")
def count(ctx: JobContext, *, steps: int = 5, seconds: float = 0.02) -> dict:
    for step in range(steps):
        time.sleep(seconds)
        ctx.progress((step + 1) / steps, f"Étape {step + 1} sur {steps}")
    return {"counted": steps, "commune_id": ctx.commune_id, "by": ctx.created_by}


@task("tests.linked", title="Tâche avec un lien")
def linked(ctx: JobContext, *, url: str = "/app/journal") -> dict:
    ctx.progress(1.0, "Fini")
    return {"lignes": 3, "url": url}


@task("tests.summarised", title="Tâche qui se résume")
def summarised(ctx: JobContext) -> dict:
    ctx.progress(0.9, "Enregistrement")
    return {"lignes": 12, "resume": "12 lignes enregistrées."}


@task("tests.fail", title="Tâche qui échoue")
def fail(ctx: JobContext, *, name: str = "budget.xls") -> None:
    ctx.progress(0.3, "Lecture")
    raise InvalidInput(f"Le fichier « {name} » est illisible.")


@task("tests.crash", title="Tâche boguée")
def crash(ctx: JobContext) -> None:
    raise ZeroDivisionError("division by zero")


@task("tests.until_cancelled", title="Tâche sans fin")
def until_cancelled(ctx: JobContext, *, marker: str = "") -> None:
    step = 0
    while True:
        step += 1
        if ctx.cancelled():
            raise JobCancelled()
        if marker:
            Path(marker).write_text(str(step))
        ctx.progress(min(step / 1000, 0.99), f"Tour {step}")
        time.sleep(0.02)


@task("tests.progress_only", title="Tâche qui ne fait que dire où elle en est")
def progress_only(ctx: JobContext, *, steps: int = 1000) -> dict:
    for step in range(steps):
        ctx.progress(step / steps, f"Tour {step + 1}")
        time.sleep(0.02)
    return {"tours": steps}


@task("tests.flaky", title="Tâche capricieuse")
def flaky(ctx: JobContext, *, flag: str) -> dict:
    path = Path(flag)
    if not path.exists():
        path.write_text("first attempt")
        raise InvalidInput("Le service distant n'a pas répondu ; réessayez plus tard.")
    return {"ok": True}


@task("tests.slow", title="Tâche longue")
def slow(ctx: JobContext, *, steps: int = 40, seconds: float = 0.1, marker: str = "") -> dict:
    for step in range(steps):
        if marker:
            with open(marker, "a") as handle:
                handle.write(f"{step}\n")
        time.sleep(seconds)
        ctx.progress((step + 1) / steps, f"Étape {step + 1}")
    return {"steps": steps}


@task("tests.quiet", title="Tâche silencieuse")
def quiet(ctx: JobContext, *, seconds: float = 1.5) -> dict:
    time.sleep(seconds)  # never reports progress
    return {"slept": seconds}
