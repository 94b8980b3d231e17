"""An elu (read-only role) is refused every write form of the modules' pages, not only the core ones."""

from __future__ import annotations

import pytest

from communia_testing import csrf_of, login

WRITE_FORMS = [
    ("/app/canteen/evenements", {"date": "2017-09-14", "type": "greve", "cantine": ""}),
    ("/app/canteen/feuilles", {"debut": "2017-09-18", "fin": "2017-09-22", "niveau": "0.95"}),
    ("/app/canteen/feuilles/1/valider", {}),
    ("/app/canteen/feuilles/1/lignes/1", {"commande": "10"}),
    ("/app/canteen/plats", {"plat": "Colin meunière", "categorie": "poisson"}),
    ("/app/usecases/federation", {"url": "http://127.0.0.1:9/"}),
    ("/app/assistant/file/1", {"title": "Horaires", "body": "Ouvert le lundi."}),
    ("/app/assistant/rappels/1/fait", {}),
]
UPLOADS = [
    ("/app/canteen/import", b"date;cantine;repas_servis\n04/09/2017;A;100\n", "frequentation.csv"),
    ("/app/usecases/import", b"[]", "cas.json"),
]


@pytest.mark.parametrize(("path", "data"), WRITE_FORMS, ids=[p for p, _ in WRITE_FORMS])
def test_elu_cannot_post_module_forms(http, two_communes, path, data):
    login(http, "elu@ville-a.fr")
    r = http.post(path, data={**data, "csrf_token": csrf_of(http)})
    assert r.status_code == 403, (r.status_code, r.headers.get("location"))
    assert "lecture seule" in r.text


@pytest.mark.parametrize(("path", "body", "name"), UPLOADS, ids=[p for p, _, _ in UPLOADS])
def test_elu_cannot_upload_module_files(http, two_communes, path, body, name):
    login(http, "elu@ville-a.fr")
    r = http.post(path, data={"csrf_token": csrf_of(http)}, files={"fichier": (name, body)})
    assert r.status_code == 403 and "lecture seule" in r.text
    assert http.get("/app/journal").status_code == 200  # reading stays allowed
