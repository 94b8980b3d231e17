import csv
import io

from communia.core.communes import commune_by_slug, set_enabled_modules
from communia.core.db import read_session, write_session
from communia.core.formatting import fr_typography
from communia.core.register import AI_DISCLOSURE, REGISTER_FIELDS, decision_notice, register_for
from communia.core.registry import load_modules
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
    rows = list(csv.DictReader(io.StringIO(http.get("/c/ville-a/algorithmes.csv").text)))
    assert tuple(rows[0].keys()) == REGISTER_FIELDS
    assert {r["module"] for r in rows} == {m.name for m in load_modules()}
    data = http.get("/c/ville-a/algorithmes.json").json()
    assert data["collectivite"] == "Ville-A" and len(data["algorithmes"]) == len(rows)
    # Ville-B enabled nothing: its register is empty, not Ville-A's.
    assert http.get("/c/ville-b/algorithmes.json").json()["algorithmes"] == []


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
