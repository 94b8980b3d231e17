"""The agents' page /app/confidentialite over real HTTP (live server, real database)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from privacy_fixtures import *  # noqa: F403 - fixtures
from sqlalchemy import select

LETTER = (
    "Bonjour, je suis Mme Gwenaëlle Kerboul, 7 allée des Mésanges, 29200 Brest, "
    "tél. 06 45 12 78 90. Mme Kerboul vous remercie."
)
EXPECTED = (
    "Bonjour, je suis Mme Personne 1, Adresse 1, tél. Téléphone 1. Mme Personne 1 vous remercie."
)


def _login(client, email: str) -> None:
    from communia_testing import PASSWORD

    page = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/connexion",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "suivant": "/app"},
    )
    assert response.status_code == 303


def _csrf(client) -> str:
    page = client.get("/app/confidentialite")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _textarea(html: str, ident: str) -> str:
    m = re.search(rf'<textarea id="{ident}"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    return html_lib.unescape(m.group(1))


@pytest.mark.slow  # the page runs the full pipeline, spaCy included
def test_paste_upload_download_and_reidentify(http, two_communes):
    from communia.core.db import read_session
    from communia.core.privacy.models import PrivacyMapping

    _login(http, "agent@ville-a.fr")
    token = _csrf(http)
    assert 'href="/app/confidentialite"' in http.get("/app").text  # in the navigation

    # Pasted text, not kept: nothing stored.
    page = http.post("/app/confidentialite", data={"csrf_token": token, "texte": LETTER})
    assert page.status_code == 200, page.text
    assert _textarea(page.text, "resultat-texte") == EXPECTED
    assert "pas réversible" in page.text
    with read_session() as s:
        assert s.scalars(select(PrivacyMapping)).all() == []

    # Uploaded file, kept: the encrypted table is stored for the agent's commune.
    page = http.post(
        "/app/confidentialite",
        data={"csrf_token": token, "reversible": "1"},
        files={"fichier": ("courrier Kerboul.txt", LETTER.encode("utf-8"), "text/plain")},
    )
    assert page.status_code == 200, page.text
    mapping_id = re.search(r"<code>([0-9a-f]{32})</code>", page.text).group(1)
    assert "Kerboul" not in _textarea(page.text, "resultat-texte")

    # Download as an attachment.
    download = http.post(
        "/app/confidentialite/telecharger",
        data={"csrf_token": token, "texte": EXPECTED, "nom": "courrier_Kerboul-pseudonymise.txt"},
    )
    assert download.status_code == 200
    disposition = download.headers["content-disposition"]  # not « …-pseudonymise-pseudonymise »
    assert disposition == 'attachment; filename="courrier_Kerboul-pseudonymise.txt"'
    assert download.text == EXPECTED

    # Re-identification by an agent of the commune.
    page = http.post(
        "/app/confidentialite/reidentifier",
        data={"csrf_token": token, "correspondance": mapping_id, "texte": "Répondre à Personne 1."},
    )
    assert page.status_code == 200
    assert _textarea(page.text, "texte-restaure") == "Répondre à Gwenaëlle Kerboul."
    # as wide as the other fields (it was a narrow box), in a styled form section
    assert '<section aria-labelledby="reidentifie" class="form">' in page.text
    # the file field names every kind of file the page reads, and their size limit
    from communia.core.documents import get_limits

    label = re.search(r'<label for="fichier">(.*?)</label>', page.text, re.DOTALL).group(1)
    limit = f"{get_limits().max_file_mb:g} Mo au plus"
    for kind in ("PDF", "DOCX", "ODT", "XLSX", "page numérisée", "ZIP", limit):
        assert kind in label, kind


def test_roles_tenancy_csrf_and_bad_files(http, two_communes):
    from communia.core.db import write_session
    from communia.core.privacy import pseudonymise

    with write_session() as s:
        _, mapping_id = pseudonymise(
            LETTER, commune_id=two_communes["a"]["commune_id"], session=s, use_ner=False
        )
    # An elected official can pseudonymise but not re-identify.
    _login(http, "elu@ville-a.fr")
    token = _csrf(http)
    page = http.post(
        "/app/confidentialite/reidentifier",
        data={"csrf_token": token, "correspondance": mapping_id, "texte": "Personne 1"},
    )
    assert page.status_code == 403 and "rôle" in page.text
    # Missing CSRF token.
    assert http.post("/app/confidentialite", data={"texte": LETTER}).status_code == 403
    # A broken PDF, an old .doc and an empty submission get French errors on the page
    # itself, the pasted text kept.
    for name, body, message in (
        ("scan.pdf", b"%PDF-1.7 ...", "n'est pas un PDF lisible"),
        ("note.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "ancien format"),
    ):
        page = http.post(
            "/app/confidentialite",
            data={"csrf_token": token, "texte": "Mon brouillon"},
            files={"fichier": (name, body, "application/octet-stream")},
        )
        assert page.status_code == 422 and message in html_lib.unescape(page.text), page.text
        assert 'role="alert"' in page.text and _textarea(page.text, "texte") == "Mon brouillon"
    page = http.post("/app/confidentialite", data={"csrf_token": token, "texte": "  "})
    assert page.status_code == 422 and "Collez un texte" in page.text
    # A Windows-1252 text file (what Notepad and Excel save) is read, not refused: the web
    # form has no encoding field.
    page = http.post(
        "/app/confidentialite",
        data={"csrf_token": token},
        files={"fichier": ("latin1.txt", "Réponse à Hélène".encode("cp1252"), "text/plain")},
    )
    assert page.status_code == 200 and "Réponse à" in _textarea(page.text, "resultat-texte")
    # Another commune's agent does not see the table.
    http.cookies.clear()
    _login(http, "agent@ville-b.fr")
    token = _csrf(http)
    page = http.post(
        "/app/confidentialite/reidentifier",
        data={"csrf_token": token, "correspondance": mapping_id, "texte": "Personne 1"},
    )
    assert page.status_code == 404


@pytest.mark.slow  # the full pipeline, spaCy included
def test_a_docx_letter_is_read_and_pseudonymised(http, two_communes, tmp_path):
    """What an agent receives is a DOCX or a PDF, not a .txt: the page reads it."""
    import docx

    letter = docx.Document()
    letter.add_heading("Réclamation", 1)
    letter.add_paragraph(LETTER)
    letter.save(tmp_path / "courrier.docx")
    _login(http, "agent@ville-a.fr")
    page = http.post(
        "/app/confidentialite",
        data={"csrf_token": _csrf(http)},
        files={"fichier": ("courrier.docx", (tmp_path / "courrier.docx").read_bytes())},
    )
    assert page.status_code == 200, page.text
    result = _textarea(page.text, "resultat-texte")
    assert "Réclamation" in result and EXPECTED in result and "Kerboul" not in result
    assert "courrier-pseudonymise.txt" in page.text


@pytest.mark.slow  # the full pipeline, spaCy included
def test_a_double_spaced_pdf_letter_leaves_no_iban_in_clear(http, two_communes):
    """A PDF letter typed with double line spacing, its IBAN cut at the end of a line: the
    IBAN is read whole and replaced, not left in two pieces that no rule recognises."""
    from communia_testing import spaced_letter_pdf

    _login(http, "agent@ville-a.fr")
    page = http.post(
        "/app/confidentialite",
        data={"csrf_token": _csrf(http)},
        files={"fichier": ("courrier.pdf", spaced_letter_pdf(), "application/pdf")},
    )
    assert page.status_code == 200, page.text
    result = _textarea(page.text, "resultat-texte")
    assert "IBAN IBAN 1" in result
    assert "FR76" not in result and "7890" not in result and "Lefèvre" not in result


def _token(email):
    from communia.core.db import read_session, write_session
    from communia.core.users import actor_by_email, create_api_token

    with read_session() as s:
        actor = actor_by_email(s, email)
    with write_session() as s:
        return create_api_token(s, actor, label="test")


def test_json_api_rules_path_and_roles(http, two_communes, no_spacy):
    agent = {"Authorization": f"Bearer {_token('agent@ville-a.fr')}"}
    elu = {"Authorization": f"Bearer {_token('elu@ville-a.fr')}"}
    assert http.post("/api/v1/privacy/scan", json={"texte": LETTER}).status_code == 401
    resp = http.post("/api/v1/privacy/scan", json={"texte": LETTER}, headers=agent)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["totaux"] == {"PERSONNE": 2, "ADRESSE": 1, "TELEPHONE": 1}
    assert data["modele"] is None and "spaCy" in data["avertissements"][0]  # no spaCy here
    out = http.post(
        "/api/v1/privacy/pseudonymise", json={"texte": LETTER, "reversible": True}, headers=agent
    ).json()
    assert out["texte"] == EXPECTED and len(out["correspondance"]) == 32
    body = {"texte": "Écrire à Personne 1", "correspondance": out["correspondance"]}
    back = http.post("/api/v1/privacy/reidentify", json=body, headers=agent)
    assert back.json() == {"texte": "Écrire à Gwenaëlle Kerboul"}
    refused = http.post("/api/v1/privacy/reidentify", json=body, headers=elu)
    assert refused.status_code == 403 and refused.json()["error"] == "acces_refuse"
    # An élu pseudonymises, but keeps no table (commune data), as on the page: it was stored.
    from communia.core.db import read_session
    from communia.core.privacy.models import PrivacyMapping

    with read_session() as s:
        tables = len(s.scalars(select(PrivacyMapping)).all())
    kept = http.post(
        "/api/v1/privacy/pseudonymise", json={"texte": LETTER, "reversible": True}, headers=elu
    )
    assert kept.status_code == 403 and "lecture seule" in kept.json()["message"]
    plain = http.post("/api/v1/privacy/pseudonymise", json={"texte": LETTER}, headers=elu)
    assert plain.status_code == 200 and plain.json()["correspondance"] is None
    with read_session() as s:
        assert len(s.scalars(select(PrivacyMapping)).all()) == tables
    schema = http.get("/api/v1/openapi.json").json()
    assert "/api/v1/privacy/pseudonymise" in schema["paths"]


@pytest.mark.slow  # the full pipeline, spaCy included
def test_uploaded_csv_keeps_its_column_headers(http, two_communes):
    """A table's column headers are not persons: « repas_servis » stays as it is, in a CSV
    separated by commas as by semicolons."""
    _login(http, "agent@ville-a.fr")
    token = _csrf(http)
    for sep in (",", ";"):
        body = f"date{sep}cantine{sep}repas_servis\n04/09/2017{sep}A{sep}100\n"
        page = http.post(
            "/app/confidentialite",
            data={"csrf_token": token},
            files={"fichier": ("frequentation.csv", body.encode("utf-8"), "text/csv")},
        )
        assert page.status_code == 200, page.text
        assert _textarea(page.text, "resultat-texte") == body  # nothing replaced


def test_a_wrong_table_id_keeps_the_text_and_an_elu_keeps_no_table(http, two_communes):
    """A mistyped or foreign table id is answered on the page itself, the pasted text and
    the id kept (not a « Page introuvable » that loses them); an élu, who may pseudonymise
    but never re-identify, is not offered to keep a table, and none is stored for them."""
    from communia.core.db import read_session
    from communia.core.privacy.models import PrivacyMapping

    _login(http, "agent@ville-a.fr")
    token = _csrf(http)
    draft = "Madame, suite à votre courrier, Personne 1 sera reçue lundi."
    page = http.post(
        "/app/confidentialite/reidentifier",
        data={"csrf_token": token, "correspondance": "0" * 32, "texte": draft},
    )
    assert page.status_code == 404
    assert "<h1>Pseudonymiser un texte</h1>" in page.text and 'role="alert"' in page.text
    assert "Cette table de correspondance n'existe pas" in html_lib.unescape(page.text)
    assert _textarea(page.text, "texte-alias") == draft
    assert 'value="' + "0" * 32 + '"' in page.text

    http.cookies.clear()
    _login(http, "elu@ville-a.fr")
    token = _csrf(http)
    assert 'name="reversible"' not in http.get("/app/confidentialite").text
    page = http.post(
        "/app/confidentialite", data={"csrf_token": token, "texte": LETTER, "reversible": "1"}
    )
    assert page.status_code == 200 and "pas réversible" in page.text
    with read_session() as s:
        assert s.scalars(select(PrivacyMapping)).all() == []


def test_the_ner_model_is_loaded_when_the_app_starts(database):
    """The first citizen message after a start (« mon père ne respire plus » included) is
    masked before it is stored: the French NER model is loaded at start-up, in the
    background, not by that message."""
    import time

    from fastapi.testclient import TestClient

    from communia.core.privacy import ner
    from communia.web.app import create_app

    ner.reset_ner()
    with TestClient(create_app()):  # runs the app's start-up, no request sent
        deadline = time.monotonic() + 60
        while ner._status is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ner._status is not None, "NER model not loaded at start-up"
