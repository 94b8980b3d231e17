"""Jobs pages and JSON API over real HTTP, with the embedded worker the app starts."""

from __future__ import annotations

import re
import time
from pathlib import Path

import jobs_test_tasks  # noqa: F401 - registers the test tasks
from jobs_fixtures import *  # noqa: F403 - fixtures

from communia.core import jobs

ROOT_TESTS = Path(__file__).parents[1]


def _login(client, email: str) -> None:
    from communia_testing import PASSWORD  # the root conftest (two_communes fixture's password)

    page = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/connexion",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "suivant": "/app"},
    )
    assert response.status_code == 303


def _csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text).group(1)


def test_progress_page_api_and_cancel(jobs_http, two_communes):
    a, b = two_communes["a"], two_communes["b"]
    running = jobs.submit("tests.until_cancelled", commune_id=a["commune_id"], created_by="x")
    other = jobs.submit("tests.count", commune_id=b["commune_id"])
    _login(jobs_http, "agent@ville-a.fr")
    deadline = time.monotonic() + 20
    while (data := jobs_http.get(f"/api/v1/jobs/{running.id}").json())["percent"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert data["state"] == "running" and data["state_label"] == "En cours"
    assert 0 < data["percent"] < 100 and data["message"].startswith("Tour ")
    page = jobs_http.get(f"/app/taches/{running.id}")
    assert page.status_code == 200
    assert '<progress id="progression-' in page.text and 'src="/static/jobs.js"' in page.text
    assert "Annuler la tâche" in page.text
    assert jobs_http.get("/static/jobs.js").status_code == 200
    assert jobs_http.get(f"/app/taches/{running.id}/etat").text.count("<progress") == 1
    listing = jobs_http.get("/app/taches")
    assert (
        f"/app/taches/{running.id}" in listing.text
        and f"/app/taches/{other.id}" not in listing.text
    )
    # Another commune's job does not exist for this agent.
    assert jobs_http.get(f"/app/taches/{other.id}").status_code == 404
    assert jobs_http.get(f"/api/v1/jobs/{other.id}").status_code == 404
    assert [j["id"] for j in jobs_http.get("/api/v1/jobs").json()] == [running.id]
    # Cancel through the page form (CSRF checked), then the worker stops the task.
    token = _csrf(jobs_http, f"/app/taches/{running.id}")
    forged = jobs_http.post(f"/app/taches/{running.id}/annuler", data={"csrf_token": "faux"})
    assert forged.status_code == 403
    response = jobs_http.post(f"/app/taches/{running.id}/annuler", data={"csrf_token": token})
    assert response.status_code == 303
    assert jobs.wait(running.id, timeout=20).state == "cancelled"
    assert "Relancer la tâche" in jobs_http.get(f"/app/taches/{running.id}").text


def test_api_retry_and_read_only_role(jobs_http, two_communes):
    a = two_communes["a"]
    failed = jobs.submit("tests.fail", {"name": "plan.pdf"}, commune_id=a["commune_id"])
    assert jobs.wait(failed.id, timeout=20).state == "failed"
    _login(jobs_http, "elu@ville-a.fr")
    data = jobs_http.get(f"/api/v1/jobs/{failed.id}").json()
    assert data["error"] == "Le fichier « plan.pdf » est illisible." and data["done"] is True
    token = _csrf(jobs_http, f"/app/taches/{failed.id}")
    refused = jobs_http.post(f"/api/v1/jobs/{failed.id}/retry", headers={"x-csrf-token": token})
    assert refused.status_code == 403 and "lecture seule" in refused.json()["message"]
    agent = type(jobs_http)(base_url=str(jobs_http.base_url))
    _login(agent, "agent@ville-a.fr")
    token = _csrf(agent, f"/app/taches/{failed.id}")
    assert agent.post(f"/api/v1/jobs/{failed.id}/retry").status_code == 403  # no CSRF header
    retried = agent.post(f"/api/v1/jobs/{failed.id}/retry", headers={"x-csrf-token": token})
    assert retried.status_code == 200 and retried.json()["state"] in ("queued", "running", "failed")
    conflict = agent.post(f"/api/v1/jobs/{failed.id}/cancel", headers={"x-csrf-token": token})
    assert conflict.status_code in (200, 409)
    agent.close()


def test_a_finished_job_says_what_it_did_not_terminee_twice(jobs_http, two_communes):
    """« Terminée — Terminée. » told the agent nothing: the job's own summary follows the
    state, else its last progress message, else the state alone."""
    commune_id = two_communes["a"]["commune_id"]
    summarised = jobs.submit("tests.summarised", commune_id=commune_id)
    counted = jobs.submit("tests.count", {"steps": 3}, commune_id=commune_id)
    quiet = jobs.submit("tests.quiet", {"seconds": 0}, commune_id=commune_id)
    for job in (summarised, counted, quiet):
        assert jobs.wait(job.id, timeout=20).state == "succeeded"
    _login(jobs_http, "agent@ville-a.fr")

    def status(job_id: int) -> str:
        text = jobs_http.get(f"/app/taches/{job_id}").text
        block = re.search(r'<p role="status"[^>]*>(.*?)</p>', text, re.S).group(1)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", block)).strip()

    assert status(summarised.id) == "Terminée — 12 lignes enregistrées."
    assert status(counted.id) == "Terminée — Étape 3 sur 3"
    assert status(quiet.id) == "Terminée"  # no « — Démarrage… » left behind
    listing = jobs_http.get("/app/taches").text
    assert "12 lignes enregistrées." in listing and "Terminée." not in listing
    assert jobs_http.get(f"/api/v1/jobs/{summarised.id}").json()["message"] == (
        "12 lignes enregistrées."
    )
