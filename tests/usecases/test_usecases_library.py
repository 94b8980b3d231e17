import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from communia.core.db import read_session, write_session
from communia.core.errors import InvalidInput, NotFound, PermissionDenied
from communia.core.users import actor_by_email
from communia.modules.usecases import service


def _actor(email):
    with read_session() as s:
        return actor_by_email(s, email)


@pytest.fixture
def seeded(database):
    with write_session() as s:
        assert service.seed(s) == 8
        assert service.seed(s) == 0  # idempotent


def test_seeded_catalogue_is_searchable_without_accents(seeded):
    with read_session() as s:
        found = service.search(s, None, query="reseau d'eau")
        assert [c.uid for c in found] == ["ref-saint-savin-fuites"]
        assert [c.uid for c in service.search(s, None, query="CANTINE", size="plus_100000")] == [
            "ref-nantes-cantine"
        ]
        assert service.search(s, None, query="n'existe-nulle-part") == []


def test_commune_cases_tenancy_and_privacy(seeded, two_communes):
    a_agent, b_agent, a_elu = (
        _actor(e) for e in ("agent@ville-a.fr", "agent@ville-b.fr", "elu@ville-a.fr")
    )
    with write_session() as s:
        private = service.save_case(
            s, a_agent, {"title": "Tri des courriers", "public": "0", "status": "pilote"}
        )
        pid = private.id
    with read_session() as s:
        assert service.get_case(s, a_agent, pid).title == "Tri des courriers"
        with pytest.raises(NotFound):
            service.get_case(s, b_agent, pid)
        assert all(c.id != pid for c in service.search(s, None))
    with pytest.raises(NotFound), write_session() as s:
        service.save_case(s, b_agent, {"title": "Piraté"}, case_id=pid)
    with pytest.raises(PermissionDenied), write_session() as s:
        service.save_case(s, a_elu, {"title": "Lecture seule"})


def test_export_import_round_trip_json_and_csv(seeded, tmp_path):
    with read_session() as s:
        cases = service.search(s, None)
        exported = service.export_json(cases)
        csv_text = service.export_csv(cases)
    assert exported["schema"] == "communia.usecases" and len(exported["usecases"]) == 8
    records = service.parse_import(json.dumps(exported).encode(), filename="x.json")
    with write_session() as s:
        report = service.import_records(s, records, source="test", by="test")
    # the same catalogue again changes nothing, and says so (it said « 8 mises à jour »)
    assert report == {"crees": 0, "mis_a_jour": 0, "inchanges": 8, "ignores": 0}
    assert service.import_summary(report) == (
        "0 fiche créée, 0 fiche mise à jour, 8 fiches déjà à jour"
    )
    exported["usecases"][0]["cost"] = "12 000 € par an"
    with write_session() as s:
        report = service.import_records(s, exported["usecases"], source="test", by="test")
    assert report == {"crees": 0, "mis_a_jour": 1, "inchanges": 7, "ignores": 0}
    csv_records = service.parse_import(csv_text.encode("latin-1", "replace"), filename="x.csv")
    assert {r["uid"] for r in csv_records} == {c["uid"] for c in exported["usecases"]}


def test_csv_import_reads_french_headers_and_labels(database):
    """A spreadsheet saved by hand in French (Latin-1, « ; ») imports like the English export."""
    text = (
        "Titre;Problème traité;COLLECTIVITE;taille de la collectivite;Statut;Coût;Identifiant\n"
        "Tri des courriers;Courriers mal orientés;Ville-A;Moins de 2 000 habitants;"
        "En service;1 200 euros par an;ville-a-courriers\n"
    )
    records = service.parse_import(text.encode("latin-1"), filename="cas.csv")
    with write_session() as s:
        assert service.import_records(s, records, source="tableur", by="test")["crees"] == 1
    with read_session() as s:
        (case,) = service.search(s, None, query="courriers")
        assert (case.uid, case.problem, case.organisation, case.cost) == (
            "ville-a-courriers",
            "Courriers mal orientés",
            "Ville-A",
            "1 200 euros par an",
        )
        assert (case.status, case.commune_size) == ("en_service", "moins_2000")
    both = b"title,Titre\nA,B\n"
    with pytest.raises(InvalidInput, match="en double.*« Titre »"):
        service.parse_import(both, filename="cas.csv")
    with pytest.raises(InvalidInput, match="« Titre »"):  # neither name of the title column
        service.parse_import("Intitulé;Statut\nA;idee\n".encode(), filename="cas.csv")


def test_schema_doc_lists_every_french_header():
    from pathlib import Path

    from communia.modules.usecases.models import FIELD_LABELS

    doc = (Path(__file__).resolve().parents[2] / "docs" / "usecases-schema.md").read_text()
    for field, label in FIELD_LABELS.items():
        assert f"| `{field}` | {label} |" in doc, field
    assert set(FIELD_LABELS) == {*service.FIELDS, "updated_at"}


def test_import_is_all_or_nothing_with_french_report(database):
    records = [
        {"uid": "ok-1", "title": "Valide"},
        {"uid": "ko", "title": ""},
        {"uid": "ko2", "title": "X", "status": "bizarre"},
    ]
    with pytest.raises(InvalidInput) as exc, write_session() as s:
        service.import_records(s, records, source="test", by="test")
    assert "rien n'a été importé" in exc.value.message
    assert [r["ligne"] for r in exc.value.details["rejets"]] == [2, 3]
    with read_session() as s:
        assert service.search(s, None) == []
    for bad, message in ((b"", "vide"), (b"{pas json", "JSON illisible"), (b"a;b\n1;2", "title")):
        with pytest.raises(InvalidInput, match=message):
            service.parse_import(bad, filename="f.csv" if b";" in bad else "f.json")


def test_federation_pulls_another_instance_over_http(database):
    remote = {
        "schema": "communia.usecases",
        "schema_version": 1,
        "origin": "http://autre",
        "usecases": [
            {
                "uid": "autre-1",
                "title": "Chatbot de la médiathèque",
                "source": "local",
                "organisation": "Autre-Ville",
                "status": "en_service",
            }
        ],
    }
    body = json.dumps(remote).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/api/v1/usecases/public":
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with write_session() as s:
            # the address of one of its pages, as an agent copies it from the browser
            report = service.pull(s, url + "/c/autre-ville/usecases?q=eau", by="test")
        assert report["crees"] == 1
        with read_session() as s:
            (case,) = service.search(s, None, query="mediatheque")
            assert case.source == url and case.commune_id is None
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(service.Unavailable) as info, write_session() as s:
        service.pull(s, url, by="test")  # the remote is gone: clear French error
    assert "la connexion a échoué" in info.value.message
    assert "Error" not in info.value.message  # not the HTTP library's « ConnectError »


@pytest.mark.parametrize(
    ("typed", "root"),
    [
        ("https://communia.autre.fr", "https://communia.autre.fr"),
        ("https://communia.autre.fr/", "https://communia.autre.fr"),
        ("https://communia.autre.fr/app/usecases?q=eau", "https://communia.autre.fr"),
        ("http://10.0.0.5:8000/c/autre-ville/usecases", "http://10.0.0.5:8000"),
        ("https://site.fr/communia/api/v1/usecases/public", "https://site.fr/communia"),
        ("https://site.fr/communia/", "https://site.fr/communia"),
        ("https://site.fr/capitale", "https://site.fr/capitale"),  # « /c » only as a segment
    ],
)
def test_instance_root_from_any_page_address(typed, root):
    assert service.instance_root(typed) == root


def test_federation_refusal_stays_next_to_the_form(http, two_communes):
    """An unreachable instance: the catalogue page again, the message beside the address
    field and the address kept, not a bare error page to go back from."""
    import socket

    from communia_testing import csrf_of, login

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    login(http, "agent@ville-a.fr")
    url = f"http://127.0.0.1:{port}/app/usecases"
    page = http.post(
        "/app/usecases/federation", data={"csrf_token": csrf_of(http, "/app/usecases"), "url": url}
    )
    assert page.status_code == 503
    assert "Bibliothèque des cas d" in page.text  # the catalogue, with its forms
    form = page.text.split('action="/app/usecases/federation"')[1].split("</form>")[0]
    assert "la connexion a échoué" in form
    assert f'value="{url}"' in form and 'aria-invalid="true"' in form


def test_public_federation_endpoint_and_pages(http, two_communes):
    from communia_testing import csrf_of, login, page_text

    with write_session() as s:
        service.seed(s)
    public = http.get("/api/v1/usecases/public").json()
    assert public["schema"] == "communia.usecases" and len(public["usecases"]) == 8
    page = http.get("/c/ville-a/usecases?q=fuites")
    assert page.status_code == 200 and "Saint-Savin" in page.text
    login(http, "agent@ville-a.fr")
    assert "Bibliothèque des cas d" in http.get("/app/usecases").text
    # with a BOM, like every CSV download: a spreadsheet reads « Bibliothèque », not « BibliothÃ¨que »
    exported = http.get("/app/usecases/export.csv").content
    assert exported.startswith(b"\xef\xbb\xbfuid,title")
    token = csrf_of(http, "/app/usecases")
    # the export imports back as it is
    back = http.post(
        "/app/usecases/import",
        data={"csrf_token": token},
        files={"fichier": ("cas-usage.csv", exported, "text/csv")},
    )
    assert back.status_code == 303
    flash = page_text(http.get("/app/usecases"))
    assert "Import terminé : 0 fiche créée, 0 fiche mise à jour, 8 fiches déjà à jour." in flash
    # a workbook is not read as a CSV missing its « title » column
    workbook = http.post(
        "/app/usecases/import",
        data={"csrf_token": token},
        files={"fichier": ("cas.xlsx", b"PK\x03\x04 classeur", "application/octet-stream")},
    )
    said = page_text(workbook)
    assert workbook.status_code == 422 and "« cas.xlsx » n'est pas un fichier JSON ou CSV" in said
    assert "title" not in said.split("n'est pas un fichier JSON ou CSV")[1][:200]


def test_a_shared_case_says_where_it_comes_from_in_french(http, two_communes):
    """« elle a été rédigée par Presse et rapport du Sénat » read as if « Presse » were
    an author: the page says the case comes from the shared catalogue, and from where."""
    from communia_testing import login, page_text

    with write_session() as s:
        service.seed(s)
        case = service.search(s, None, query="reseau d'eau")[0]
    login(http, "agent@ville-a.fr")
    said = page_text(http.get(f"/app/usecases/{case.id}"))
    assert (
        f"Fiche en lecture seule : elle vient du catalogue partagé (provenance : {case.source})."
        in said
    )
    assert "rédigée par" not in said


def test_api_creates_a_case_with_the_exchange_fields(http, two_communes):
    """POST /api/v1/usecases takes the exchange format's fields (declared, so the API page
    shows them): numbers are text, a private case stays out of the public catalogue, and a
    wrong status or a missing title get a French 422."""
    from communia.core.users import create_api_token
    from communia.modules.usecases.api import UseCaseIn

    assert set(UseCaseIn.model_fields) == set(service.FIELDS) - {"uid", "source"} | {"public"}
    with write_session() as s:
        token = create_api_token(s, _actor("agent@ville-a.fr"), label="test")
    headers = {"Authorization": f"Bearer {token}"}
    case = {"title": "Tri des courriers", "cost": 1500, "status": "pilote", "public": False}
    created = http.post("/api/v1/usecases", json=case, headers=headers)
    assert created.status_code == 201, created.text
    with read_session() as s:
        stored = service.get_case(s, _actor("agent@ville-a.fr"), created.json()["id"])
        assert (stored.cost, stored.status, stored.public) == ("1500", "pilote", False)
    assert http.get("/api/v1/usecases/public").json()["usecases"] == []
    bad = http.post("/api/v1/usecases", json={**case, "status": "fini"}, headers=headers)
    assert bad.status_code == 422 and "Statut inconnu « fini »" in bad.json()["message"]
    untitled = http.post("/api/v1/usecases", json={"problem": "x"}, headers=headers)
    assert untitled.status_code == 422 and "title" in untitled.json()["message"]


def test_an_elu_reads_the_communes_cases_and_is_not_offered_a_blank_form(http, two_communes):
    """An élu reading a case of their own commune is told their account only reads (not that
    another body wrote it), and the « nouveau » form is refused in French instead of shown
    empty without a button."""
    from communia_testing import login

    with write_session() as s:
        case = service.save_case(s, _actor("agent@ville-a.fr"), {"title": "Tri du courrier"})
        case_id = case.id
    login(http, "elu@ville-a.fr")
    page = http.get(f"/app/usecases/{case_id}").text
    assert "votre compte consulte sans modifier" in page
    assert "une autre collectivité" not in page
    blank = http.get("/app/usecases/nouveau")
    assert blank.status_code == 403 and "donne accès en lecture seule" in blank.text
