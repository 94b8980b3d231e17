"""The water page through the real app (live server): map, alerts and decisions, exports."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest

pd = pytest.importorskip("pandas")

from communia_testing import browser_login, csrf_of, login, page_text, pdf_text  # noqa: E402

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
        evidence={
            "times": [f"2024-03-05 {h:02d}:00" for h in range(2, 11)],
            "residual_m3h": [0.2, 0.1, 0.3, 0.2, 12.0, 12.6, 12.4, 12.5, 12.3],
            "reference_m3h": 0.2,
            "start": "2024-03-05 06:00",
        },
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
    from communia.core.db import write_session
    from communia.core.models import Commune

    a = two_communes["a"]
    alert_id = _seed(a["commune_id"])
    with write_session() as s:
        s.get(Commune, a["commune_id"]).enabled_modules = ["water"]
    login(http, a["users"]["elu"])
    # The dashboard's water card says what awaits the staff.
    assert '<p class="waiting">1 alerte de fuite à vérifier</p>' in http.get("/app").text
    page = http.get("/app/water")
    assert page.status_code == 200
    assert "<svg" in page.text and 'stroke="#c00"' in page.text  # suspected pipe on the map
    assert "Minimum de nuit" in page.text and "12,5 m³/h" in page.text
    assert ">1er mars 2024</text>" in page.text and "2024-03-01" not in page.text  # French dates
    # Agents' words: the area's name and the method in plain French, not « zone1 », « cusum ».
    assert "<h3>Secteur\u00a01</h3>" in page.text and "<td>Secteur\u00a01</td>" in page.text
    assert "zone1" not in page.text and "cusum" not in page.text.lower()
    assert "changement persistant du débit non expliqué" in page.text
    assert "Confiance</abbr> (fuite à moins de 300 m)" in page.text  # what it measures
    assert page.text.count(">m³/h</text>") == 2  # flow chart and evidence chart: y-axis unit
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
    # A second page left open on the alert (a colleague, another tab) decides after it was
    # closed: refused, saying who closed it and when, and the notes typed there given back.
    late = http.post(
        f"/app/water/alertes/{alert_id}",
        data={"csrf_token": token, "decision": "rejetee", "commentaire": "vu avec Paul : rien"},
    )
    said = page_text(late)
    assert late.status_code == 422
    assert re.search(
        r"L'alerte \S+ est déjà close : réparée, par agent@ville-a\.fr le \d\d/\d\d/\d{4} à ",
        said,
    ), said
    assert "Votre commentaire n'a pas été enregistré : « vu avec Paul : rien »" in said
    assert 'class="waiting"' not in http.get("/app").text  # nothing left to check
    alerts = http.get("/app/water/alertes.csv").content  # with a BOM, as Excel reads accents
    assert alerts.startswith(b"\xef\xbb\xbfid;") and "Réparée" in alerts.decode("utf-8-sig")
    # the area as the agents name it too (the CSV said only « zone1 », the page « Secteur 1 »);
    # the ``zone`` column keeps its code for programs, as documented
    rows = list(csv.DictReader(io.StringIO(alerts.decode("utf-8-sig")), delimiter=";"))
    assert rows[0]["zone"] == "zone1" and rows[0]["secteur"] == "Secteur 1"
    plan = http.get("/app/water/plan.csv?km=1").content.decode("utf-8-sig").splitlines()
    assert (
        plan[0].startswith("annee;canalisation") and len(plan) == 6
    )  # 5 pipes of 0.5 km, 1 km/year
    assert re.search(r"Sur 5 ans\u00a0: 5 canalisations", http.get("/app/water?km=1").text)
    # A mistyped budget: said beside the field on the water page itself, the typing kept.
    typo = http.get("/app/water?km=1,5km")
    assert typo.status_code == 422 and 'id="km-erreur"' in typo.text
    assert "Budget de renouvellement invalide" in typo.text and 'value="1,5km"' in typo.text
    assert "Plan du réseau" in typo.text and "Sur 5 ans" in typo.text
    pdf = http.get("/app/water/rapport.pdf?km=2")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    # what the figures come from: the period and method analysed, the ranking's year
    printed = pdf_text(pdf.content)
    assert "analyse des mesures : du 01/03/2024 à 11:00 au 05/03/2024 à 11:00" in printed
    assert "changement persistant du débit non expliqué" in printed
    assert "Classement du risque de casse 2025" in printed
    journal = http.get("/app/journal").text
    # the detection's model by its name (« CUSUM », in the register), not the option « cusum »
    assert "CUSUM water-" in journal and "cusum" not in journal
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
    from communia_testing import shot

    _seed(two_communes["a"]["commune_id"])
    browser_login(page, "agent@ville-a.fr")
    page.get_by_role("link", name="Eau potable").click()
    page.wait_for_url("**/app/water")
    assert page.get_by_role("heading", name="Plan du réseau").is_visible()
    assert page.locator("svg.water-map line[stroke='#c00']").count() >= 1
    assert page.locator("svg.water-chart").count() == 2  # the area's flows, an alert's evidence
    assert page.get_by_role("heading", name="Secteur 1").is_visible()
    page.get_by_text("Preuve : débit non expliqué").click()
    assert page.get_by_role("img", name="Débit non expliqué autour de l'alerte, m³/h").is_visible()
    shot(page, "water")
    page.get_by_label("Commentaire").fill("Fuite trouvée sur la conduite 10")
    page.get_by_role("button", name="Confirmée").click()
    page.wait_for_url("**/app/water*")
    assert "confirmée" in page.get_by_role("status").text_content()
    # The field note stays with the alert, also once it is repaired without a new comment.
    assert page.get_by_text("«\u00a0Fuite trouvée sur la conduite 10\u00a0»").is_visible()
    page.get_by_role("button", name="Réparée").click()
    page.wait_for_url("**/app/water*")
    page.get_by_text("Alertes closes (1)").click()
    closed = page.get_by_role("list").filter(has_text="Réparée par")
    assert "«\u00a0Fuite trouvée sur la conduite 10\u00a0»" in closed.text_content()
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
    assert body["alertes"][0]["zone"] == "zone1" and body["alertes"][0]["secteur"] == "Secteur 1"
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


def _net1_scada(tmp_path: Path) -> dict[str, bytes]:
    """Three weeks of 5-min telemetry for Net1: inflow through pump 9 (a 40 m³/h step on day 11),
    tank 2 level and three pressures, in the BattLeDIM format."""
    import numpy as np

    from communia.modules.water.io import write_scada_file

    idx = pd.date_range("2024-03-01", periods=21 * 288, freq="5min")
    rng = np.random.default_rng(3)
    hours = idx.hour.to_numpy() + idx.minute.to_numpy() / 60
    flow = 240 + 80 * np.sin(2 * np.pi * (hours - 6) / 24) + rng.normal(0, 2, len(idx))
    flow = flow + np.where(idx >= pd.Timestamp("2024-03-11 03:00"), 40.0, 0.0)
    frames = {
        "Flows.csv.gz": pd.DataFrame({"9": flow}, index=idx),
        "Levels.csv": pd.DataFrame({"2": 36.0 + rng.normal(0, 0.005, len(idx))}, index=idx),
        "Pressures.csv": pd.DataFrame(
            {n: 80 - 0.02 * flow + rng.normal(0, 0.02, len(idx)) for n in ("10", "12", "22")},
            index=idx,
        ),
    }
    out = {}
    for name, frame in frames.items():
        path = write_scada_file(frame, tmp_path / name)
        out[name] = path.read_bytes()
    return out


def test_scada_upload_runs_detection_as_a_background_job(http, two_communes, tmp_path):
    import io
    import zipfile

    from communia.core.jobs import list_jobs, wait
    from communia.core.settings import get_settings

    a = two_communes["a"]
    files = _net1_scada(tmp_path)
    login(http, a["users"]["agent"])
    page = http.get("/app/water").text
    assert 'action="/app/water/telereleve"' in page and "avec le modèle du réseau" in page
    token = csrf_of(http, "/app/water")

    def post(parts):
        return http.post(
            "/app/water/telereleve",
            data={"csrf_token": token},
            files=[("fichiers", (name, raw, "application/octet-stream")) for name, raw in parts],
        )

    # no network model yet and none joined; then no Flows; then a stray file: refused in French
    r = post(files.items())
    assert r.status_code == 422 and "Aucun modèle de réseau" in r.text
    r = post([("Pressures.csv", files["Pressures.csv"]), ("Net1.inp", b"[PIPES]\n")])
    assert r.status_code == 422 and "Flows.csv (débits) manquant" in r.text
    r = post([*files.items(), ("notes.txt", b"x")])
    assert r.status_code == 422 and "Fichier inattendu\u00a0: notes.txt" in r.text
    r = post([("telereleve.zip", b"not a zip")])
    assert r.status_code == 422 and "telereleve.zip\u00a0» est illisible" in r.text
    # said beside the upload field, on the water page itself (the map and alerts stay)
    assert 'id="fichiers-erreur"' in r.text and 'action="/app/water/telereleve"' in r.text
    assert list_jobs(commune_id=a["commune_id"]) == []  # nothing half-done

    # a ZIP with the files and the model: a job detects, the run and its alerts are stored
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, raw in files.items():
            archive.writestr(f"export/{name}", raw)
        archive.write(FIXTURES / "Net1.inp", "Net1.inp")
    r = post([("telereleve.zip", buf.getvalue())])
    assert r.status_code == 303, r.text
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    job = wait(job_id, timeout=240)
    assert job.state == "succeeded", (job.state, job.error)
    page = http.get("/app/water").text
    assert "Net1.inp" in page and "01/03/2024" in page  # the model and the analysed period
    assert job.result["alertes"] >= 1 and "Aucune alerte ouverte" not in page  # the day-11 step
    uploads = Path(get_settings().data_dir) / "water" / "uploads" / str(a["commune_id"])
    assert not any(uploads.iterdir())  # the raw telemetry is not kept

    # the stored model is reused when no .inp comes with the files
    r = post(files.items())
    assert r.status_code == 303
    second = wait(int(r.headers["location"].rsplit("/", 1)[1]), timeout=240)
    assert second.state == "succeeded", second.error

    # an elected member (read only) cannot launch it, and commune B does not see A's runs
    http.cookies.clear()
    login(http, a["users"]["elu"])
    assert 'action="/app/water/telereleve"' not in http.get("/app/water").text
    token = csrf_of(http, "/app/water")
    assert post(files.items()).status_code == 403
    http.cookies.clear()
    login(http, two_communes["b"]["users"]["agent"])
    assert "Aucun modèle de réseau" in http.get("/app/water").text


def test_zip_bombs_are_refused_by_the_telemetry_upload(http, two_communes):
    """The telemetry page takes 200 Mo: a ZIP whose header lies about a member's size, one
    compressed a thousand times, protected by a password, holding too many files or a path
    out of the folder is refused in French before any network, file or job is stored."""
    from communia.core.jobs import list_jobs
    from communia_testing import page_text, zip_bomb_cases, zip_of

    a = two_communes["a"]
    login(http, a["users"]["agent"])
    token = csrf_of(http, "/app/water")
    inp = (FIXTURES / "Net1.inp").read_bytes()
    cases = zip_bomb_cases("Flows.csv", "telereleve.zip", max_members=20)
    cases.append((zip_of({"../Flows.csv": b"x"}), 422, "le chemin « ../Flows.csv » sort du"))
    for body, status, words in cases:
        r = http.post(
            "/app/water/telereleve",
            data={"csrf_token": token},
            files=[
                ("fichiers", ("telereleve.zip", body, "application/zip")),
                ("fichiers", ("Net1.inp", inp, "application/octet-stream")),
            ],
        )
        text = page_text(r)
        assert r.status_code == status and words in text, (r.status_code, text[-3000:])
    assert list_jobs(commune_id=a["commune_id"]) == []
    assert "Aucun modèle de réseau" in http.get("/app/water").text  # not even the .inp


def test_a_year_of_telemetry_passes_the_request_size_limit(http, two_communes):
    """A year of L-Town telemetry is a 30 Mo ZIP: the upload page takes up to its own 200 Mo,
    while every other page keeps the instance-wide limit (25 Mo by default)."""
    from communia.core.settings import get_settings

    login(http, "agent@ville-a.fr")
    token = csrf_of(http, "/app/water")
    body = b"x" * int((get_settings().max_request_mb + 5) * 1024 * 1024)
    r = http.post(
        "/app/water/telereleve",
        data={"csrf_token": token},
        files={"fichiers": ("notes.txt", body, "text/plain")},
    )
    # The page itself read the file and refused it for what it is, not for its size.
    assert r.status_code == 422 and "Fichier inattendu\u00a0: notes.txt" in r.text, r.text[:300]
    r = http.post("/app/canteen/plats", data={"csrf_token": token, "plat": body.decode()})
    assert r.status_code == 413 and "trop volumineux" in r.text


def test_a_long_csv_of_measurements_is_analysed_from_the_page(http, two_communes, tmp_path):
    """The generic long format (sensor,time,value,unit), documented for the communes whose
    remote reading is not BattLeDIM's, was refused as « Fichier inattendu » by the page."""
    from communia.core.jobs import wait
    from communia.modules.water.io import read_scada_dir, write_long_csv

    for name, raw in _net1_scada(tmp_path).items():
        (tmp_path / name).write_bytes(raw)
    write_long_csv(read_scada_dir(tmp_path), tmp_path / "export télégestion.csv")
    long_csv = (tmp_path / "export télégestion.csv").read_bytes()
    login(http, "agent@ville-a.fr")
    token = csrf_of(http, "/app/water")
    assert "sensor,time,value,unit" in http.get("/app/water").text

    def post(parts):
        return http.post(
            "/app/water/telereleve",
            data={"csrf_token": token},
            files=[("fichiers", (name, raw, "application/octet-stream")) for name, raw in parts],
        )

    inp = ("Net1.inp", (FIXTURES / "Net1.inp").read_bytes())
    r = post([("notes.csv", b"date;remarque\n2024-03-01;rien\n"), inp])
    assert r.status_code == 422 and "Fichier inattendu\u00a0: notes.csv" in r.text
    assert "sensor,time,value,unit" in r.text
    r = post([("mesures.csv", long_csv), ("Flows.csv", (tmp_path / "Flows.csv.gz").read_bytes())])
    assert r.status_code == 422 and "pas les deux" in r.text
    r = post([("export télégestion.csv", long_csv), inp])
    assert r.status_code == 303, r.text
    job = wait(int(r.headers["location"].rsplit("/", 1)[1]), timeout=240)
    assert job.state == "succeeded", (job.state, job.error)
    assert job.result["alertes"] >= 1  # the 40 m³/h step of day 11
    assert "01/03/2024" in http.get("/app/water").text


def test_other_candidates_never_repeat_the_proposed_pipe(http, two_communes):
    """The proposed pipe gathers the most posterior within 300 m and is not always the top
    candidate: « p74 — autres : p680 (3 %), p74 (3 %) » named it twice."""
    from communia.core.db import write_session
    from communia.modules.water.models import WaterAlert

    alert_id = _seed(two_communes["a"]["commune_id"])
    with write_session() as s:
        alert = s.get(WaterAlert, alert_id)
        alert.pipe = "11"  # the candidates stay [("10", 0.6), ("11", 0.3)]
    login(http, "agent@ville-a.fr")
    page = http.get("/app/water").text
    assert "<strong>11</strong><br><small>autres\u00a0: 10 (60\u00a0%)</small>" in page


def test_a_cut_renewal_plan_says_so(http, two_communes):
    """The plan showed 60 of its 104 pipes without a word: the page now says how many rows
    it shows and where the whole list is."""
    from communia.core.db import write_session
    from communia.modules.water import service

    a = two_communes["a"]
    rows = [
        {
            "pipe": f"p{i}",
            "material": "fonte grise",
            "install_year": 1950,
            "length_m": 50.0,
            "n_prev": 0,
            "risk": 1.0 / (i + 1),
        }
        for i in range(104)
    ]
    with write_session() as s:
        service.save_risk(s, commune_id=a["commune_id"], year=2025, rows=rows, actor="cli:test")
    login(http, a["users"]["agent"])
    page = html.unescape(http.get("/app/water?km=2").text)
    plan = page.split('id="plan"', 1)[1]
    assert plan.count("<td>p") == 60
    assert (
        "60 premières lignes sur 104 — la liste complète est dans l'export CSV du plan "
        "et le rapport PDF." in plan.replace("\u00a0", " ").replace("\u202f", " ")
    )
    whole = http.get("/app/water/plan.csv?km=2").content.decode("utf-8-sig").splitlines()
    assert len(whole) == 105
    short = http.get("/app/water?km=0,5").text.split('id="plan"', 1)[1]
    assert "premières lignes" not in short and short.count("<td>p") == 50  # 2.5 km: all shown


def test_agents_name_the_areas_and_every_output_uses_the_names(http, two_communes):
    a = two_communes["a"]
    _seed(a["commune_id"])
    login(http, a["users"]["elu"])
    page = http.get("/app/water").text
    assert 'action="/app/water/secteurs"' not in page  # read only: no form
    denied = http.post(
        "/app/water/secteurs",
        data={"csrf_token": csrf_of(http, "/app/water"), "nom_zone1": "Centre"},
    )
    assert denied.status_code == 403
    http.cookies.clear()

    login(http, a["users"]["agent"])
    token = csrf_of(http, "/app/water")
    named = http.post(
        "/app/water/secteurs", data={"csrf_token": token, "nom_zone1": "  Centre-bourg  "}
    )
    assert named.status_code == 303
    page = http.get("/app/water").text
    assert "<h3>Centre-bourg</h3>" in page and "<td>Centre-bourg</td>" in page
    assert 'value="Centre-bourg"' in page and "Secteur\u00a01</h3>" not in page
    csv_rows = http.get("/app/water/alertes.csv").content.decode("utf-8-sig").splitlines()
    assert csv_rows[1].endswith(";Centre-bourg;") and ";zone1;" in csv_rows[1]  # code kept
    journal = http.get("/app/journal").text
    assert "Noms des secteurs" in journal and "Secteur\u00a01 = Centre-bourg" in journal
    # Clear French refusals, nothing changed.
    for data, message in (
        ({"nom_zone1": "x" * 61}, "60 caractères au plus"),
        ({"nom_zone1": "Nord", "nom_zone2": "Nord"}, "le même nom"),
        ({"nom_../etc": "Nord"}, "Secteur inconnu"),
    ):
        refused = http.post("/app/water/secteurs", data={"csrf_token": token, **data})
        assert refused.status_code == 422 and message in refused.text
    assert "<h3>Centre-bourg</h3>" in http.get("/app/water").text
    assert http.get("/api/v1/water/alertes").json()["alertes"][0]["secteur"] == "Centre-bourg"
    # An empty name gives the number back.
    http.post("/app/water/secteurs", data={"csrf_token": token, "nom_zone1": ""})
    assert "<h3>Secteur\u00a01</h3>" in http.get("/app/water").text


def test_a_cancelled_detection_can_be_run_again(http, two_communes, tmp_path):
    """« Annuler » then « Relancer » on the jobs page: the cancelled detection keeps its
    upload, so the retry runs; telemetry already deleted (refused data) gets a French message
    instead of « Erreur inattendue (FileNotFoundError) »."""
    import shutil

    from communia.core.db import read_session
    from communia.core.errors import InvalidInput
    from communia.core.jobs import JobCancelled, JobContext, wait
    from communia.modules.water import service
    from communia.modules.water.tasks import detect_job

    a = two_communes["a"]
    files = _net1_scada(tmp_path)
    login(http, a["users"]["agent"])
    token = csrf_of(http, "/app/water")
    r = http.post(
        "/app/water/telereleve",
        data={"csrf_token": token},
        files=[
            *[("fichiers", (n, raw, "application/octet-stream")) for n, raw in files.items()],
            ("fichiers", ("Net1.inp", (FIXTURES / "Net1.inp").read_bytes(), "text/plain")),
        ],
    )
    assert r.status_code == 303, r.text
    assert wait(int(r.headers["location"].rsplit("/", 1)[1]), timeout=240).state == "succeeded"
    with read_session() as s:
        network_id = service.latest_network(s, a["commune_id"]).id

    class CancelledAtOnce(JobContext):  # the agent pressed « Annuler la tâche »
        def cancelled(self) -> bool:
            return True

    folder = tmp_path / "upload"
    folder.mkdir()
    for name, raw in files.items():
        (folder / name).write_bytes(raw)
    args = dict(commune_id=a["commune_id"], network_id=network_id, actor="agent")
    ctx = CancelledAtOnce(0, commune_id=a["commune_id"], created_by="agent")
    with pytest.raises(JobCancelled):
        detect_job(ctx, folder=str(folder), **args)
    assert folder.is_dir() and set(files) <= {p.name for p in folder.iterdir()}

    shutil.rmtree(folder)
    with pytest.raises(InvalidInput, match="ne sont plus disponibles"):
        detect_job(ctx, folder=str(folder), **args)
