"""``communia jobs ...``: list, show (with a progress bar), cancel, retry, submit, worker."""

from __future__ import annotations

import json
import sys
import time

import click

from communia.cli.i18n import t

__all__ = ["jobs_group"]

_ACTOR = "cli"


def _actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # noqa: BLE001 - no user name in some containers
        return _ACTOR


def _line(view) -> str:
    when = view.created_at.astimezone().strftime("%d/%m/%Y %H:%M")
    return f"n° {view.id:<5} {view.state_label:<11} {view.percent:>3} %  {when}  {view.title}" + (
        f"  — {view.message}" if view.message else ""
    )


@click.group(
    name="jobs",
    help=t(
        "Tâches longues en arrière-plan : suivi, annulation, relance, processus de traitement.",
        "Background jobs: follow, cancel, retry, run a worker.",
    ),
)
def jobs_group() -> None:
    pass


@jobs_group.command("list", help=t("Lister les dernières tâches.", "List recent jobs."))
@click.option("--state", help=t("Filtrer par état (queued, running, ...).", "Filter by state."))
@click.option("--commune", "commune_id", type=int, help=t("Numéro de commune.", "Commune id."))
@click.option("--limit", default=20, show_default=True)
def list_command(state: str | None, commune_id: int | None, limit: int) -> None:
    from communia.core.jobs import list_jobs

    views = list_jobs(state=state, commune_id=commune_id, limit=limit)
    if not views:
        click.echo("Aucune tâche.")
    for view in views:
        click.echo(_line(view))


def follow(job_id: int, *, interval: float = 0.3, timeout: float | None = None):
    """Follow a job until it ends: a progress bar on a terminal, one line per change
    otherwise (logs, pipes). Returns the final view."""
    from communia.core.jobs import get

    view = get(job_id)
    deadline = None if timeout is None else time.monotonic() + timeout

    def finished(v) -> bool:
        return v.done or (deadline is not None and time.monotonic() > deadline)

    if not sys.stdout.isatty():
        last = None
        while True:
            view = get(job_id)
            if (view.percent, view.message) != last:
                click.echo(f"{view.percent:>3} %  {view.message}")
                last = (view.percent, view.message)
            if finished(view):
                return view
            time.sleep(interval)
    with click.progressbar(
        length=1000, label=view.title, show_percent=True, show_eta=False, width=30
    ) as bar:
        shown = 0
        while True:
            view = get(job_id)
            target = int(view.progress * 1000)
            if target > shown:
                bar.update(target - shown)
                shown = target
            if finished(view):
                break
            time.sleep(interval)
    return view


def _show(view, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(view.to_dict(), ensure_ascii=False, indent=2, default=str))
        return
    click.echo(_line(view))
    click.echo(f"  tâche : {view.name}   tentatives : {view.attempts}   par : {view.created_by}")
    if view.error:
        click.echo(f"  erreur : {view.error}")
    if view.result is not None:
        click.echo(f"  résultat : {json.dumps(view.result, ensure_ascii=False)[:2000]}")


@jobs_group.command(
    "show", help=t("Afficher une tâche (--follow : barre de progression).", "Show a job.")
)
@click.argument("job_id", type=int)
@click.option(
    "--follow", "-f", "follow_", is_flag=True, help=t("Suivre jusqu'à la fin.", "Follow.")
)
@click.option("--json", "as_json", is_flag=True)
def show_command(job_id: int, follow_: bool, as_json: bool) -> None:
    from communia.core.jobs import get

    view = follow(job_id) if follow_ else get(job_id)
    _show(view, as_json)


@jobs_group.command("cancel", help=t("Annuler une tâche.", "Cancel a job."))
@click.argument("job_id", type=int)
def cancel_command(job_id: int) -> None:
    from communia.core.jobs import cancel

    view = cancel(job_id, actor=_actor())
    click.echo(f"Tâche n° {view.id} : {view.message}")


@jobs_group.command("retry", help=t("Relancer une tâche en échec ou annulée.", "Retry a job."))
@click.argument("job_id", type=int)
def retry_command(job_id: int) -> None:
    from communia.core.jobs import retry

    view = retry(job_id, actor=_actor())
    click.echo(f"Tâche n° {view.id} relancée.")


@jobs_group.command("submit", help=t("Lancer une tâche enregistrée.", "Submit a registered task."))
@click.argument("name")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    help=t("Paramètre clé=valeur (valeur JSON ou texte).", "key=value (JSON or text)."),
)
@click.option("--commune", "commune_id", type=int)
@click.option("--follow", "-f", "follow_", is_flag=True)
def submit_command(
    name: str, params: tuple[str, ...], commune_id: int | None, follow_: bool
) -> None:
    from communia.core.errors import InvalidInput
    from communia.core.jobs import submit

    values = {}
    for item in params:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise InvalidInput(f"Paramètre mal formé : « {item} » (attendu : clé=valeur).")
        try:
            values[key] = json.loads(raw)
        except json.JSONDecodeError:
            values[key] = raw
    view = submit(name, values, commune_id=commune_id, created_by=_actor())
    click.echo(f"Tâche n° {view.id} en attente : {view.title}")
    if follow_:
        _show(follow(view.id), as_json=False)


@jobs_group.command(
    "worker",
    help=t(
        "Lancer un processus de traitement des tâches (selon le réglage jobs_backend).",
        "Run a worker process (per the jobs_backend setting).",
    ),
)
@click.option(
    "--burst", is_flag=True, help=t("S'arrêter quand la file est vide.", "Exit when idle.")
)
@click.option(
    "--threads", type=int, default=None, help=t("Fils d'exécution (intégré).", "Threads.")
)
def worker_command(burst: bool, threads: int | None) -> None:
    from communia.core.settings import get_settings

    backend = get_settings().jobs_backend
    if backend == "rq":
        from communia.core.jobs.rq_backend import run_worker

        click.echo("Processus de traitement RQ démarré (Ctrl+C pour arrêter).")
        run_worker(burst=burst)
        return
    from communia.core.jobs.embedded import EmbeddedWorker

    worker = EmbeddedWorker(threads=threads, name="cli")
    if burst:
        worker.recover()
        count = 0
        while worker.run_once() is not None:
            count += 1
        click.echo(f"{count} tâche(s) traitée(s).")
        return
    worker.start()
    click.echo("Processus de traitement intégré démarré (Ctrl+C pour arrêter).")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        worker.stop()
