"""Real jobs through the embedded worker, on the real database."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import jobs_test_tasks  # noqa: F401 - registers the test tasks
import pytest
from jobs_fixtures import *  # noqa: F403 - fixtures
from sqlalchemy import select

from communia.core import jobs
from communia.core.db import read_session, write_session
from communia.core.errors import Conflict, InvalidInput, NotFound
from communia.core.jobs.models import Job
from communia.core.models import AuditEntry


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_job_runs_reports_progress_and_stores_its_result(worker, commune):
    commune_id, _ = commune
    worker()
    view = jobs.submit(
        "tests.count", {"steps": 6, "seconds": 0.05}, commune_id=commune_id, created_by="a@b.fr"
    )
    assert view.state in ("queued", "running") and view.title == "Comptage de test"
    seen = set()
    while not (current := jobs.get(view.id)).done:
        seen.add(round(current.progress, 2))
        time.sleep(0.01)
    assert current.state == "succeeded" and current.state_label == "Terminée"
    assert current.progress == 1.0 and current.attempts == 1
    assert current.result == {"counted": 6, "commune_id": commune_id, "by": "a@b.fr"}
    assert len(seen - {0.0, 1.0}) >= 2, seen  # intermediate progress was visible
    with read_session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert "job.submit" in actions


def test_failure_keeps_the_french_message(worker):
    worker()
    failed = jobs.wait(jobs.submit("tests.fail", {"name": "budget.xls"}).id)
    assert failed.state == "failed" and failed.state_label == "En échec"
    assert failed.error == "Le fichier « budget.xls » est illisible."
    crashed = jobs.wait(jobs.submit("tests.crash").id)
    assert crashed.state == "failed"
    assert crashed.error.startswith(
        "Erreur inattendue pendant « Tâche boguée » (ZeroDivisionError)"
    )


def test_cancel_a_running_job(worker):
    worker()
    view = jobs.submit("tests.until_cancelled")
    wait_for(lambda: jobs.get(view.id).progress > 0)
    assert jobs.cancel(view.id, actor="a@b.fr").message == "Annulation demandée…"
    final = jobs.wait(view.id, timeout=10)
    assert final.state == "cancelled" and final.message == "Annulée à la demande."
    with pytest.raises(Conflict, match="déjà annulée"):
        jobs.cancel(view.id, actor="a@b.fr")


def test_cancel_stops_a_task_that_only_reports_progress(worker):
    """The canteen's order sheet reported progress but never asked whether it was cancelled:
    « Annuler la tâche » changed nothing and the sheet was made. Each progress report before
    the end is a cancellation point."""
    worker()
    view = jobs.submit("tests.progress_only")
    wait_for(lambda: jobs.get(view.id).progress > 0)
    jobs.cancel(view.id, actor="a@b.fr")
    final = jobs.wait(view.id, timeout=10)
    assert final.state == "cancelled" and final.message == "Annulée à la demande."
    assert final.progress < 0.5 and final.result is None


def test_cancel_a_queued_job_before_any_worker(database, worker):
    view = jobs.submit("tests.count")
    cancelled = jobs.cancel(view.id, actor="a@b.fr")
    assert cancelled.state == "cancelled"
    w = worker()
    assert w.run_once() is None  # nothing left to run


def test_retry_a_failed_job(worker, tmp_path):
    worker()
    flag = tmp_path / "flag"
    first = jobs.wait(jobs.submit("tests.flaky", {"flag": str(flag)}).id)
    assert first.state == "failed" and "réessayez" in first.error
    retried = jobs.retry(first.id, actor="a@b.fr")
    assert retried.state in ("queued", "running", "succeeded") and retried.error == ""
    final = jobs.wait(first.id)
    assert final.state == "succeeded" and final.attempts == 2 and final.result == {"ok": True}
    with pytest.raises(Conflict, match="Seule une tâche en échec ou annulée"):
        jobs.retry(first.id, actor="a@b.fr")


def test_queued_jobs_wait_for_a_worker_and_run_in_order(database, worker):
    ids = [jobs.submit("tests.count", {"steps": 1, "seconds": 0}).id for _ in range(3)]
    assert [jobs.get(i).state for i in ids] == ["queued"] * 3  # no worker yet: nothing runs
    worker()
    finals = [jobs.wait(i) for i in ids]
    assert all(f.state == "succeeded" for f in finals)
    started = [f.started_at for f in finals]
    assert started == sorted(started)


def test_job_interrupted_by_a_crash_resumes_after_restart(
    database, worker, subprocess_env, worker_command, tmp_path
):
    """A worker process is killed (SIGKILL) mid-job; the next start finishes the job."""
    marker = tmp_path / "steps.txt"
    view = jobs.submit("tests.slow", {"steps": 30, "seconds": 0.1, "marker": str(marker)})
    process = subprocess.Popen(worker_command, env=subprocess_env)
    try:
        wait_for(lambda: marker.exists() and len(marker.read_text().split()) >= 3)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    interrupted = jobs.get(view.id)
    assert interrupted.state == "running" and 0 < interrupted.progress < 1
    worker()  # the "restart": recovers the job of the dead process at once
    final = jobs.wait(view.id, timeout=30)
    assert final.state == "succeeded" and final.attempts == 2
    assert final.result == {"steps": 30}


def test_job_of_a_silent_remote_worker_is_requeued_after_its_heartbeat_stops(database):
    from datetime import timedelta

    from communia.core.db import utcnow
    from communia.core.jobs.runner import requeue_stale

    view = jobs.submit("tests.count")
    with write_session() as session:
        job = session.get(Job, view.id)
        job.state, job.worker = "running", "autre-serveur:4242:embedded-0"
        job.heartbeat_at = utcnow() - timedelta(minutes=5)
    assert requeue_stale(60) == [view.id]
    again = jobs.get(view.id)
    assert again.state == "queued" and again.message == "Reprise après l'interruption du serveur."


def test_tenancy_unknown_tasks_and_bad_parameters(database, commune):
    mine, other = commune
    view = jobs.submit("tests.count", commune_id=mine)
    assert jobs.get(view.id, commune_id=mine).id == view.id
    with pytest.raises(NotFound):
        jobs.get(view.id, commune_id=other)
    with pytest.raises(NotFound):
        jobs.cancel(view.id, actor="x", commune_id=other)
    assert [v.id for v in jobs.list_jobs(commune_id=other)] == []
    assert [v.id for v in jobs.list_jobs(commune_id=mine)] == [view.id]
    with pytest.raises(NotFound, match="Tâche inconnue"):
        jobs.submit("nope.nothing")
    with pytest.raises(InvalidInput, match="valeurs JSON"):
        jobs.submit("tests.count", {"when": object()})
    with pytest.raises(InvalidInput, match="État inconnu"):
        jobs.list_jobs(state="fini")


def test_builtin_document_task_reads_real_files(worker):
    from pathlib import Path

    fixtures = Path(__file__).parents[1] / "documents" / "fixtures"
    worker()
    view = jobs.submit(
        "documents.extract", {"paths": [str(fixtures / "cctp.pdf"), str(fixtures / "protege.pdf")]}
    )
    final = jobs.wait(view.id, timeout=30)
    assert final.state == "succeeded"
    files = final.result["files"]
    assert files[0]["format"] == "pdf" and files[0]["pages"] == 2
    assert "mot de passe" in files[1]["error"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract absent")
def test_cancel_stops_a_document_job_between_two_ocr_pages(worker):
    from pathlib import Path

    scan = Path(__file__).parents[1] / "documents" / "fixtures" / "arrete_scan.pdf"
    worker()
    view = jobs.submit("documents.extract", {"paths": [str(scan)] * 6})
    wait_for(lambda: "reconnaissance du texte" in jobs.get(view.id).message, timeout=30)
    jobs.cancel(view.id, actor="a@b.fr")
    final = jobs.wait(view.id, timeout=30)
    assert final.state == "cancelled" and final.progress < 0.5


def test_a_silent_task_keeps_its_heartbeat_and_is_not_taken_twice(worker, monkeypatch):
    from communia.core.jobs.runner import requeue_stale
    from communia.core.settings import reset_settings

    monkeypatch.setenv("COMMUNIA_MODULES__JOBS__HEARTBEAT_S", "0.1")
    reset_settings()
    try:
        worker()
        view = jobs.submit("tests.quiet", {"seconds": 1.5})
        wait_for(lambda: jobs.get(view.id).state == "running")
        requeued = []
        while not jobs.get(view.id).done:
            requeued += requeue_stale(0.6)  # what another worker's watch would do
            time.sleep(0.1)
        final = jobs.get(view.id)
        assert requeued == [] and final.state == "succeeded" and final.attempts == 1
    finally:
        monkeypatch.delenv("COMMUNIA_MODULES__JOBS__HEARTBEAT_S")
        reset_settings()


def test_the_process_worker_outlives_a_second_app_stopping(database):
    """Two apps in one process (a live server and an app started and stopped by a test, or
    an embedding program) share the embedded worker: the second one stopping must not leave
    the first without a worker (its jobs stayed queued for ever)."""
    from communia.core.jobs import embedded

    first = embedded.start_embedded_worker()
    assert embedded.start_embedded_worker() is first  # the second app
    embedded.stop_embedded_worker()  # the second app stops
    assert embedded._global is first and all(t.is_alive() for t in first._threads)
    job = jobs.submit("tests.summarised", {})
    assert jobs.wait(job.id, timeout=60).state == "succeeded"
    embedded.stop_embedded_worker()  # the first app stops: now the worker does
    assert embedded._global is None and not first._threads
