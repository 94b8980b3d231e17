"""JSON API (bearer token, scoped to the commune) and retraining as a background job when
new attendance data is imported, against the live app and the real database."""

from __future__ import annotations

import pytest

from communia_testing import csrf_of, login

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)


def _template_csv(slice_data, *, start: str, until: str) -> bytes:
    att = slice_data.until(until).attendance
    att = att[att["date"] >= start].dropna(subset=["served"])
    lines = ["date;cantine;repas_servis;repas_commandes"]
    for d, c, s, o in att[["date", "canteen", "served", "ordered"]].itertuples(index=False):
        lines.append(f"{d:%Y-%m-%d};{c};{s:.0f};{'' if o != o else f'{o:.0f}'}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _token(email: str) -> dict[str, str]:
    from communia.core.db import read_session, write_session
    from communia.core.users import actor_by_email, create_api_token

    with read_session() as s:
        actor = actor_by_email(s, email)
    with write_session() as s:
        return {"Authorization": f"Bearer {create_api_token(s, actor, label='test')}"}


def _train_jobs(commune_id: int):
    from communia.core.jobs import list_jobs

    return [j for j in list_jobs(commune_id=commune_id) if j.name == "canteen.train"]


def _done(job_id: int) -> dict:
    from communia.core.jobs import wait

    job = wait(job_id, timeout=240)
    assert job.state == "succeeded", (job.state, job.error)
    return job.result


def _import(http, token: str, body: bytes, name: str):
    r = http.post(
        "/app/canteen/import",
        data={"csrf_token": token},
        files={"fichier": (name, body, "text/csv")},
    )
    assert r.status_code == 303, r.text
    return r


def test_import_retrains_in_background_and_api_serves_sheets(http, two_communes, slice_data):
    from communia.modules.canteen.store import model_path

    a, b = two_communes["a"], two_communes["b"]
    assert http.get("/api/v1/canteen/feuilles").status_code == 401

    # Importing history starts a training job with progress; its result describes the model.
    model_path(a["commune_id"]).unlink(missing_ok=True)  # no model left by an earlier test
    login(http, a["users"]["agent"])
    token = csrf_of(http, "/app/canteen")
    _import(http, token, _template_csv(slice_data, start="2015-09-01", until="2017-07-07"), "h.csv")
    jobs = _train_jobs(a["commune_id"])
    assert len(jobs) == 1
    first = _done(jobs[0].id)
    assert first["trained"] is True and first["history_last_date"] == "2017-07-07"
    assert model_path(a["commune_id"]).exists()
    from communia.core.jobs import get

    assert get(jobs[0].id).progress == 1.0
    page = http.get("/app/canteen").text
    assert "Modèle de prévision entraîné le" in page and "historique jusqu'au 07/07/2017" in page

    # New attendance data (September) arrives: the model is retrained on the longer history.
    _import(http, token, _template_csv(slice_data, start="2017-09-01", until="2017-09-29"), "s.csv")
    jobs = _train_jobs(a["commune_id"])
    assert len(jobs) == 2
    second = _done(max(j.id for j in jobs))
    assert second["trained"] is True and second["history_last_date"] == "2017-09-29"
    assert second["history_rows"] > first["history_rows"]
    assert "historique jusqu'au 29/09/2017" in http.get("/app/canteen").text

    # A corrected count (same days, same number of rows) is new data too: retrained.
    day = slice_data.attendance.dropna(subset=["served"])
    day = day[day["date"] == "2017-06-15"].iloc[0]
    fix = f"date;cantine;repas_servis\n2017-06-15;{day['canteen']};{day['served'] + 7:.0f}\n"
    _import(http, token, fix.encode(), "correction.csv")
    third = _done(max(j.id for j in _train_jobs(a["commune_id"])))
    assert third["trained"] is True and third["history_rows"] == second["history_rows"]
    http.cookies.clear()

    # A program with an API token: retraining on unchanged data reuses the saved model.
    headers = _token(a["users"]["agent"])
    r = http.post("/api/v1/canteen/modele", headers=headers)
    assert r.status_code == 202
    assert _done(r.json()["tache"])["trained"] is False

    # Order sheet through the API: a background job, then the lines and the kitchen totals.
    bad = http.post(
        "/api/v1/canteen/feuilles",
        json={"debut": "13/10/2017", "fin": "2017-10-13"},
        headers=headers,
    )
    assert bad.status_code == 422 and "date invalide" in bad.json()["message"]
    no_end = http.post("/api/v1/canteen/feuilles", json={"debut": "2017-10-02"}, headers=headers)
    assert no_end.status_code == 422 and no_end.json()["details"]["champs"] == ["fin"]
    r = http.post(
        "/api/v1/canteen/feuilles",
        json={"debut": "2017-10-02", "fin": "2017-10-13", "niveau": 95},
        headers=headers,
    )
    assert r.status_code == 202
    run_id = _done(r.json()["tache"])["run_id"]
    listing = http.get("/api/v1/canteen/feuilles", headers=headers).json()["feuilles"]
    assert [f["id"] for f in listing] == [run_id] and listing[0]["niveau_service"] == 0.95
    sheet = http.get(f"/api/v1/canteen/feuilles/{run_id}", headers=headers).json()
    assert sheet["historique_jusqu_au"] == "2017-09-29" and sheet["statut"] == "proposee"
    lines = sheet["lignes"]
    assert {line["cantine"] for line in lines} == set(slice_data.attendance["canteen"])
    assert all(line["commande"] >= line["prevision"] > 0 for line in lines)
    assert all(0 <= line["risque_manque"] <= 1 and line["facteurs"] for line in lines)
    totals = sheet["cuisine_centrale"]
    assert sum(t["commande"] for t in totals) == sum(line["commande"] for line in lines)
    assert len(totals) == len({line["date"] for line in lines})

    # Another commune's token sees nothing of it and cannot validate it.
    other = _token(b["users"]["agent"])
    assert http.get("/api/v1/canteen/feuilles", headers=other).json() == {"feuilles": []}
    assert http.get(f"/api/v1/canteen/feuilles/{run_id}", headers=other).status_code == 404
    assert http.post(f"/api/v1/canteen/feuilles/{run_id}/valider", headers=other).status_code == 404
    # An elected official reads but does not write.
    elu = _token(a["users"]["elu"])
    assert http.get(f"/api/v1/canteen/feuilles/{run_id}", headers=elu).status_code == 200
    assert http.post("/api/v1/canteen/modele", headers=elu).status_code == 403
    ok = http.post(f"/api/v1/canteen/feuilles/{run_id}/valider", headers=headers)
    assert ok.status_code == 200 and ok.json()["statut"] == "validee"


def test_training_job_refuses_an_empty_history(two_communes):
    from communia.core.errors import InvalidInput
    from communia.modules.canteen.store import train_model

    with pytest.raises(InvalidInput, match="Aucun historique"):
        train_model(two_communes["a"]["commune_id"], actor="test")


def test_retraining_reports_progress_as_the_boosting_rounds_run(two_communes, slice_data):
    from communia.core.db import write_session
    from communia.modules.canteen import store

    commune_id = two_communes["a"]["commune_id"]
    with write_session() as s:
        store.import_data(s, commune_id, slice_data, filename="extrait.csv", actor="test")
    steps: list[tuple[float, str]] = []
    info = store.train_model(
        commune_id, actor="test", progress=lambda f, m="": steps.append((f, m))
    )
    assert info["trained"]
    fractions = [f for f, _ in steps]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    training = [f for f, m in steps if m == "Apprentissage du modèle" and 0.2 < f < 0.95]
    assert len(training) >= 5  # the bar moves while the model learns, not only at the ends
