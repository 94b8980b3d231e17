"""The water page through the real app (live server): map, alerts and decisions, exports."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")

from communia_testing import csrf_of, login  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def _seed(commune_id: int) -> int:
    from communia.core.db import write_session
    from communia.modules.water import service
    from communia.modules.water.detect import Alarm

    t = pd.Timestamp("2024-03-05 10:00")
    alarm = Alarm(
        area="zone1",
        pipe="10",
        detection_time=t,
        start_estimate=t - pd.Timedelta(hours=6),
        flow_m3h=12.5,
        volume_m3=75.0,
        confidence=0.8,
        candidates=[("10", 0.6), ("11", 0.3)],
    )
    daily = {
        "zone1": {
            "days": ["2024-03-01", "2024-03-02", "2024-03-03"],
            "mean": [20.0, 21.0, 30.0],
            "night_min": [5.0, 5.5, 14.0],
        }
    }
    with write_session() as s:
        net = service.save_network(
            s,
            commune_id=commune_id,
            name="Net1.inp",
            inp_text=(FIXTURES / "Net1.inp").read_text(),
            actor="cli:test",
        )
        service.record_run(
            s,
            commune_id=commune_id,
            network_id=net.id,
            method="cusum",
            period=(t - pd.Timedelta(days=4), t),
            alarms=[alarm],
            daily=daily,
            notes=["Flows.csv : 2 pas de temps manquant(s)."],
            actor="cli:test",
        )
        rows = [
            {
                "pipe": str(p),
                "material": "fonte grise",
                "install_year": 1950,
                "length_m": 500.0,
                "n_prev": 1,
                "risk": 0.1 * (i + 1),
            }
            for i, p in enumerate((10, 11, 12, 21, 22))
        ]
        service.save_risk(s, commune_id=commune_id, year=2025, rows=rows, actor="cli:test")
        return service.list_alerts(s, commune_id)[0].id


def test_water_page_decisions_and_exports(http, two_communes):
    a = two_communes["a"]
    alert_id = _seed(a["commune_id"])
    login(http, a["users"]["elu"])
    page = http.get("/app/water")
    assert page.status_code == 200
    assert "<svg" in page.text and 'stroke="#c00"' in page.text  # suspected pipe on the map
    assert "Minimum de nuit" in page.text and "12,5 m³/h" in page.text
    assert "Décision" in page.text and 'value="reparee"' not in page.text  # elu: read only
    token = csrf_of(http, "/app/water")
    denied = http.post(
        f"/app/water/alertes/{alert_id}", data={"csrf_token": token, "decision": "rejetee"}
    )
    assert denied.status_code == 403
    http.cookies.clear()

    login(http, a["users"]["agent"])
    token = csrf_of(http, "/app/water")
    bad = http.post(
        f"/app/water/alertes/{alert_id}", data={"csrf_token": "x", "decision": "reparee"}
    )
    assert bad.status_code == 403
    ok = http.post(
        f"/app/water/alertes/{alert_id}",
        data={"csrf_token": token, "decision": "reparee", "commentaire": "Joint changé"},
    )
    assert ok.status_code == 303
    page = http.get("/app/water")
    assert "Aucune alerte ouverte" in page.text and "Joint changé" in page.text
    assert "Réparée" in http.get("/app/water/alertes.csv").text
    plan = http.get("/app/water/plan.csv?km=1").text.splitlines()
    assert plan[0].startswith("annee;pipe") and len(plan) == 6  # 5 pipes of 0.5 km, 1 km/year
    assert re.search(r"Sur 5 ans : 5 canalisations", http.get("/app/water?km=1").text)
    assert http.get("/app/water?km=abc").status_code == 422
    pdf = http.get("/app/water/rapport.pdf?km=2")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    journal = http.get("/app/journal").text
    assert "eau.alerte.reparee" in journal or "Réparée" in journal or "réparée" in journal

    # another commune sees nothing of it
    http.cookies.clear()
    login(http, two_communes["b"]["users"]["agent"])
    other = http.get("/app/water").text
    assert "Aucune alerte ouverte" in other and "Aucun modèle de réseau" in other
    token = csrf_of(http, "/app/water")
    assert (
        http.post(
            f"/app/water/alertes/{alert_id}", data={"csrf_token": token, "decision": "rejetee"}
        ).status_code
        == 404
    )


@pytest.mark.browser
def test_water_page_in_a_real_browser(page, two_communes):
    from communia_testing import PASSWORD, shot

    _seed(two_communes["a"]["commune_id"])
    page.goto("/connexion")
    page.get_by_label("Adresse électronique").fill("agent@ville-a.fr")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/app")
    page.get_by_role("link", name="Eau potable").click()
    page.wait_for_url("**/app/water")
    assert page.get_by_role("heading", name="Plan du réseau").is_visible()
    assert page.locator("svg.water-map line[stroke='#c00']").count() >= 1
    assert page.locator("svg.water-chart").count() == 1
    shot(page, "water")
    page.get_by_label("Commentaire").fill("Fuite trouvée sur la conduite 10")
    page.get_by_role("button", name="Confirmée").click()
    page.wait_for_url("**/app/water*")
    assert "confirmée" in page.get_by_role("status").text_content()
    page.get_by_label("Budget de renouvellement (km par an)").fill("0,5")
    page.get_by_role("button", name="Calculer le plan").click()
    assert page.get_by_text("Sur 5 ans : 5 canalisations").is_visible()


def test_water_api(http, two_communes):
    a = two_communes["a"]
    alert_id = _seed(a["commune_id"])
    assert http.get("/api/v1/water/alertes").status_code == 401
    login(http, a["users"]["agent"])
    body = http.get("/api/v1/water/alertes?statut=ouverte").json()
    assert [x["canalisation"] for x in body["alertes"]] == ["10"]
    risk = http.get("/api/v1/water/risque?km=1").json()
    assert len(risk["canalisations"]) == 5 and risk["plan"][0]["annee"] == 1
    # with a session, a POST needs the CSRF token; programs use an API token
    assert (
        http.post(f"/api/v1/water/alertes/{alert_id}", json={"decision": "confirmee"}).status_code
        == 403
    )
    from communia.core.db import read_session, write_session
    from communia.core.users import actor_by_email, create_api_token

    with read_session() as s:
        agent = actor_by_email(s, a["users"]["agent"])
    with write_session() as s:
        token = create_api_token(s, agent, label="test")
    http.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    decided = http.post(
        f"/api/v1/water/alertes/{alert_id}", json={"decision": "confirmee"}, headers=headers
    )
    assert decided.status_code == 200 and decided.json()["statut"] == "confirmee"
    bad = http.post(
        f"/api/v1/water/alertes/{alert_id}", json={"decision": "oubliee"}, headers=headers
    )
    assert bad.status_code == 422 and "Décision inconnue" in bad.json()["message"]
