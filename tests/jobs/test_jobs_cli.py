from __future__ import annotations

import json

import jobs_test_tasks  # noqa: F401 - registers the test tasks
from click.testing import CliRunner
from jobs_fixtures import *  # noqa: F403 - fixtures

from communia.core import jobs
from communia.core.jobs.cli import jobs_group


def test_submit_follow_list_show(worker):
    worker()
    runner = CliRunner()
    result = runner.invoke(
        jobs_group, ["submit", "tests.count", "-p", "steps=4", "-p", "seconds=0.05", "--follow"]
    )
    assert result.exit_code == 0, result.output
    assert "Comptage de test" in result.output and "100 %  Étape 4 sur 4" in result.output
    assert "Terminée" in result.output
    job_id = jobs.list_jobs()[0].id
    listed = runner.invoke(jobs_group, ["list"])
    assert f"n° {job_id}" in listed.output and "Terminée" in listed.output
    shown = runner.invoke(jobs_group, ["show", str(job_id), "--json"])
    assert json.loads(shown.output)["result"]["counted"] == 4


def test_cancel_and_retry_commands(database, worker):
    view = jobs.submit("tests.count")
    runner = CliRunner()
    out = runner.invoke(jobs_group, ["cancel", str(view.id)])
    assert out.exit_code == 0 and "Annulée avant son démarrage" in out.output
    out = runner.invoke(jobs_group, ["retry", str(view.id)])
    assert out.exit_code == 0 and "relancée" in out.output
    w = worker()
    assert jobs.wait(view.id).state == "succeeded"
    w.stop()
    out = runner.invoke(jobs_group, ["worker", "--burst"])
    assert out.exit_code == 0 and "0 tâche(s) traitée(s)" in out.output


def test_bad_parameter_is_reported_in_french(database):
    from communia.core.errors import InvalidInput

    result = CliRunner().invoke(jobs_group, ["submit", "tests.count", "-p", "steps"])
    assert isinstance(result.exception, InvalidInput)
    assert "clé=valeur" in result.exception.message


def test_jobs_imports_stay_light():
    import subprocess
    import sys

    code = (
        "import sys, communia.core.jobs, communia.core.jobs.cli, communia.core.jobs.web;"
        "print(sorted({'rq', 'redis', 'pypdfium2', 'PIL', 'pytesseract'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
