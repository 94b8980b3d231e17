"""Database side: network, alerts with human decisions (audited), risk plan, map and exports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from communia.core.errors import InvalidInput, NotFound

pd = pytest.importorskip("pandas")

from communia_testing import pdf_text  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def commune(database):
    from communia.core.db import write_session
    from communia.core.models import Commune

    with write_session() as s:
        a = Commune(slug="saint-eau", name="Saint-Eau")
        b = Commune(slug="autre", name="Autre")
        s.add_all([a, b])
        s.flush()
        return a.id, b.id


def _alarm(pipe="10", hours=0):
    from communia.modules.water.detect import Alarm

    t = pd.Timestamp("2024-03-05 10:00") + pd.Timedelta(hours=hours)
    return Alarm(
        area="zone1",
        pipe=pipe,
        detection_time=t,
        start_estimate=t - pd.Timedelta(hours=6),
        flow_m3h=12.5,
        volume_m3=75.0,
        confidence=0.8,
        candidates=[(pipe, 0.6), ("11", 0.2)],
    )


def _record_march(s, cid, network_id, alarms, notes=()):
    """A detection run over March 2024 with ``alarms``."""
    from communia.modules.water import service

    return service.record_run(
        s,
        commune_id=cid,
        network_id=network_id,
        method="cusum",
        period=(
            pd.Timestamp("2024-03-01").to_pydatetime(),
            pd.Timestamp("2024-03-31").to_pydatetime(),
        ),
        alarms=alarms,
        daily={},
        notes=list(notes),
        actor="cli:test",
    )


def test_alerts_decisions_are_audited_and_scoped(commune):
    from communia.core import audit
    from communia.core.db import read_session, write_session
    from communia.modules.water import service

    cid, other = commune
    inp = (FIXTURES / "Net1.inp").read_text()
    with write_session() as s:
        net = service.save_network(s, commune_id=cid, name="Net1", inp_text=inp, actor="agent@x.fr")
        again = service.save_network(
            s, commune_id=cid, name="Net1", inp_text=inp, actor="agent@x.fr"
        )
        assert again.id == net.id
        run = _record_march(s, cid, net.id, [_alarm(), _alarm("12", 30)], notes=["note"])
        assert run.id
        # re-running over the same period does not duplicate alerts
        _record_march(s, cid, net.id, [_alarm()])
    with read_session() as s:
        alerts = service.list_alerts(s, cid, status="ouverte")
        assert [a.pipe for a in alerts] == ["12", "10"]
        assert service.list_alerts(s, other) == []
        first, second = alerts[-1].id, alerts[0].id
    with write_session() as s:
        done = service.decide(
            s,
            commune_id=cid,
            alert_id=first,
            status="reparee",
            actor="agent@x.fr",
            comment="Fuite sur branchement",
        )
        assert done.status == "reparee"
    with write_session() as s, pytest.raises(InvalidInput, match="close"):
        service.decide(s, commune_id=cid, alert_id=first, status="confirmee", actor="agent@x.fr")
    with write_session() as s, pytest.raises(NotFound):
        service.decide(s, commune_id=other, alert_id=first, status="rejetee", actor="intrus@x.fr")
    with write_session() as s, pytest.raises(InvalidInput, match="trop long"):  # not cut
        service.decide(
            s, commune_id=cid, alert_id=second, status="confirmee", actor="a", comment="x" * 2001
        )
    with write_session() as s, pytest.raises(InvalidInput, match="Décision"):
        service.decide(s, commune_id=cid, alert_id=first, status="supprimee", actor="agent@x.fr")
    with read_session() as s:
        from sqlalchemy import select

        from communia.core.models import AuditEntry

        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))]
        assert "eau.alerte.proposee" in actions and "eau.alerte.reparee" in actions
        assert "validation" in actions
        assert audit.verify(s).ok
        csv_text = service.alerts_csv(service.list_alerts(s, cid))
        assert "Réparée" in csv_text and "12,50" in csv_text
        # Paris time like the page's table (the readings' 10:00 UTC is 11:00 in March)
        assert ";2024-03-05 11:00;2024-03-05 05:00;" in csv_text


def test_map_svg_and_bad_network(commune):
    from communia.core.db import write_session
    from communia.modules.water import service

    inp = (FIXTURES / "Net1.inp").read_text()
    svg = service.network_svg(inp, highlight={"10": 1.0})
    assert svg.startswith("<svg") and svg.count("<line") == 13  # 12 pipes + 1 pump
    assert 'stroke="#c00"' in svg
    cid, _ = commune
    with write_session() as s, pytest.raises(InvalidInput, match="EPANET"):
        service.save_network(s, commune_id=cid, name="x", inp_text="bonjour", actor="a@x.fr")


def test_risk_plan_and_pdf(commune):
    from communia.core.db import read_session, write_session
    from communia.modules.water import service

    cid, _ = commune
    rows = [
        {
            "pipe": f"p{i}",
            "material": "fonte grise",
            "install_year": 1950 + i,
            "length_m": 400.0,
            "n_prev": i % 3,
            "risk": 1.0 / (i + 1),
        }
        for i in range(20)
    ]
    with write_session() as s:
        assert service.save_risk(s, commune_id=cid, year=2025, rows=rows, actor="cli:test") == 20
    with read_session() as s:
        ranked = service.risk_rows(s, cid)
        plan = service.renewal_plan_rows(ranked, km_per_year=1.0, years=2)
        assert [r["canalisation"] for r in plan[:3]] == ["p0", "p1", "p2"]
        assert {r["annee"] for r in plan} == {1, 2} and len(plan) == 5  # 2 km / 0.4 km
        with pytest.raises(InvalidInput):
            service.renewal_plan_rows(ranked, km_per_year=0)
        pdf = service.report_pdf(commune_name="Saint-Eau", alerts=[], plan=plan, km_per_year=1.0)
        assert pdf[:5] == b"%PDF-"
        csv_plan = service.plan_csv(plan).splitlines()
        assert csv_plan[0].startswith("annee;canalisation;") and "," in csv_plan[1].split(";")[4]


def test_evidence_chart_speaks_french():
    from communia.modules.water.service import evidence_svg

    times = [f"2018-03-05 {h:02d}:00" for h in range(8, 14)]
    chart = evidence_svg(
        {
            "times": times,
            "residual_m3h": [0.1, 0.2, 13.9, 14.2, 14.0, 13.8],
            "reference_m3h": 0.25,
            "start": "2018-03-05 10:00",
        }
    )
    assert "<title>Référence 0,2 m³/h</title>" in chart  # decimal comma (was « 0.2 »)
    # Readings are on UTC; the chart speaks Paris time like the alerts table (UTC+1 in March).
    assert "<title>Début estimé 05/03/2018 11:00</title>" in chart
    assert ">05/03/2018 09:00</text>" in chart and "2018-03-05" not in chart
    # The y-axis has its values and its unit (it had none: 0.1 or 14 m³/h looked alike).
    assert ">m³/h</text>" in chart
    assert all(f">{v}</text>" in chart for v in (0, 5, 10, 15))


def test_flow_chart_has_french_days_and_flow_values():
    from communia.modules.water.service import flow_chart_svg

    days = [f"2018-{m:02d}-{d:02d}" for m in (1, 2) for d in range(1, 29)]
    chart = flow_chart_svg(
        {"days": days, "mean": [20.0 + i % 7 for i in range(56)], "night_min": [5.0] * 56}
    )
    assert ">m³/h</text>" in chart and ">20</text>" in chart and ">0</text>" in chart
    assert ">1er janv. 2018</text>" in chart and ">28 févr.</text>" in chart
    assert "2018-01" not in chart


def test_areas_and_methods_read_in_plain_french():
    from communia.modules.water.service import METHOD_LABELS, area_label

    assert area_label("zone1") == "Secteur\u00a01" and area_label("zone12") == "Secteur\u00a012"
    assert area_label("Hauts de ville") == "Hauts de ville" and area_label("zone") == "zone"
    assert METHOD_LABELS["cusum"] == "changement persistant du débit non expliqué"


def test_pdf_report_lists_the_whole_plan_with_french_units():
    """At 2 km a year the five-year plan has 200 pipes of 50 m: the report listed the first
    120 and stopped without a word; it also printed « m3/h » and « Eau potable - … »."""
    import re
    from types import SimpleNamespace

    import pandas as pd
    import pypdfium2

    from communia.modules.water import service

    plan = [
        {
            "annee": 1 + i // 40,
            "canalisation": f"p{i}",
            "materiau": "fonte grise",
            "pose": 1950,
            "longueur_m": 50.0,
            "casses_passees": 1,
            "casses_attendues": 0.05,
        }
        for i in range(200)
    ]
    alert = SimpleNamespace(
        id=1,
        detection_time=pd.Timestamp("2018-03-05 10:00"),
        area="zone1",
        pipe="p74",
        flow_m3h=35.5,
        volume_m3=248.0,
        confidence=0.87,
        status="ouverte",
        candidates=[("p74", 0.6)],
    )
    pdf = service.report_pdf(commune_name="Saint-Eau", alerts=[alert], plan=plan, km_per_year=2.0)
    doc = pypdfium2.PdfDocument(pdf)
    text = " ".join(page.get_textpage().get_text_range() for page in doc)
    assert "Eau potable — Saint-Eau" in text and "35,5" in text and "m³/h" in text
    assert set(re.findall(r"\bp\d+\b", text)) == {f"p{i}" for i in range(200)} | {"p74"}
    assert "Année 1 : 40 canalisations, 2,0 km" in " ".join(text.split())
    # Five pages a printed copy can be put back in order: each numbered, each with the
    # table's header (page 2 began with bare rows), the date and the validation to come.
    pages = [" ".join(page.get_textpage().get_text_range().split()) for page in doc]
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert f"page {number} sur {len(pages)}" in page and "Saint-Eau" in page
    for page in pages[1:]:
        first_pipe = re.search(r"\bp\d+\b", page).start()
        assert "Conduite Matériau Pose Longueur" in page[:first_pipe], page[:200]
    assert "valider par le service des eaux" in pages[0] and "Secteur 1" in pages[0]
    # its title and language for a screen reader or a file list (they were empty)
    assert doc.get_metadata_dict()["Title"] == "Eau potable — Saint-Eau"
    assert b"/Lang (fr-FR)" in pdf


def _two_area_inp(low: int, high: int) -> str:
    """A reservoir feeding ``low`` junctions, a pump lifting to ``high`` junctions and a tank
    (``high`` = 0: no pump and no tank)."""
    junctions = [f"L{i} 10 1" for i in range(1, low + 1)] + [
        f"H{i} 30 1" for i in range(1, high + 1)
    ]
    chain = ["R1"] + [f"L{i}" for i in range(1, low + 1)]
    pipes = [f"PL{i} {a} {b} 100 200 100 0 Open" for i, (a, b) in enumerate(zip(chain, chain[1:]))]
    sections = ["[RESERVOIRS]\nR1 100", "[OPTIONS]\nUnits LPS"]
    if high:
        tower = [f"H{i}" for i in range(1, high + 1)] + ["T1"]
        pipes += [
            f"PH{i} {a} {b} 100 200 100 0 Open" for i, (a, b) in enumerate(zip(tower, tower[1:]))
        ]
        sections += ["[TANKS]\nT1 40 5 0 10 20 0", f"[PUMPS]\nPU1 L{low} H1 POWER 10"]
    return "\n".join(["[JUNCTIONS]", *junctions, "[PIPES]", *pipes, *sections, "[END]"]) + "\n"


def test_area_names_follow_their_areas_to_a_new_network_model(commune):
    """Areas are numbered by size: a new model where the pumped area has grown swaps the
    numbers, and the names stay on the areas the water service gave them to."""
    from communia.core.db import read_session, write_session
    from communia.core.models import AuditEntry
    from communia.modules.water import service

    cid, _ = commune
    with write_session() as s:
        service.save_network(
            s, commune_id=cid, name="v1.inp", inp_text=_two_area_inp(5, 2), actor="a@x.fr"
        )
        service.rename_areas(
            s,
            commune_id=cid,
            names={"zone1": "Bas service", "zone2": "Haut service"},
            actor="a@x.fr",
        )
    assert service.area_keys(_two_area_inp(5, 2)) == {
        "zone1": "R1",
        "zone2": "T1",
    }
    with write_session() as s:
        service.save_network(
            s, commune_id=cid, name="v2.inp", inp_text=_two_area_inp(5, 8), actor="a@x.fr"
        )
    with read_session() as s:
        assert service.area_names(s, cid) == {"zone1": "Haut service", "zone2": "Bas service"}
        journal = (
            s.query(AuditEntry).filter_by(action="eau.secteurs.noms").order_by(AuditEntry.seq).all()
        )
        assert journal[-1].summary == (
            "Noms des secteurs suivis sur le nouveau modèle réseau : "
            "Secteur\u00a01 = Haut service, Secteur\u00a02 = Bas service"
        )
    # A model without the pumped area: its name goes, the other stays.
    with write_session() as s:
        service.save_network(
            s, commune_id=cid, name="v3.inp", inp_text=_two_area_inp(5, 0), actor="a@x.fr"
        )
    with read_session() as s:
        assert service.area_names(s, cid) == {"zone1": "Bas service"}
        last = (
            s.query(AuditEntry)
            .filter_by(action="eau.secteurs.noms")
            .order_by(AuditEntry.seq)
            .all()[-1]
        )
        assert last.summary.endswith(
            "Secteur\u00a01 = Bas service ; retirés (secteur absent du nouveau modèle) : Haut service"
        )


def test_alerts_sent_together_or_at_an_earlier_alerts_place_say_so(commune):
    """Two places for one measured gap must not be added up; an alert at the place of an
    earlier one of its sector may be the same leak, grown; other alerts get no note."""
    from dataclasses import replace

    from communia.core.db import read_session, write_session
    from communia.modules.water import service

    cid, _ = commune
    inp = (FIXTURES / "Net1.inp").read_text()
    together = [_alarm("10"), replace(_alarm("12"), candidates=[("12", 0.5), ("21", 0.1)])]
    grown = replace(_alarm("10", 200), flow_m3h=20.0, candidates=[("11", 0.4), ("10", 0.3)])
    elsewhere = replace(_alarm("31", 300), area="zone2", candidates=[("31", 0.9)])
    with write_session() as s:
        net = service.save_network(s, commune_id=cid, name="Net1", inp_text=inp, actor="a@x.fr")
        _record_march(s, cid, net.id, [*together, grown, elsewhere])
    with read_session() as s:
        alerts = service.list_alerts(s, cid)
        notes = service.alert_notes(alerts)
    first, second, later, other = sorted(alerts, key=lambda a: (a.detection_time, a.pipe))
    assert notes[first.id].startswith("Signalée avec 12 : deux endroits pour un même écart")
    assert "à ne pas additionner" in notes[second.id] and "Signalée avec 10" in notes[second.id]
    assert notes[later.id] == (
        "Même endroit probable que l'alerte du 05/03/2024 à 11:00 (10) : peut-être la même "
        "fuite, qui a grossi."
    )
    assert other.area == "zone2" and other.id not in notes
    rows = {
        r["id"]: r for r in csv.DictReader(io.StringIO(service.alerts_csv(alerts)), delimiter=";")
    }
    assert rows[str(later.id)]["remarque"] == notes[later.id]
    assert rows[str(other.id)]["remarque"] == ""

    # the PDF report says them too, under its table, each by its pipe and detection time
    def report(shown):
        return pdf_text(
            service.report_pdf(commune_name="Saint-Eau", alerts=shown, plan=[], km_per_year=1.0)
        )

    printed = report(alerts)
    assert "Remarques sur les alertes en cours" in printed
    assert (
        "• Conduite 10, détectée le 05/03/2024 à 11:00 — signalée avec 12 : deux endroits pour "
        "un même écart du secteur (débit et volume communs, à ne pas additionner)." in printed
    )
    assert "• Conduite 12, détectée le 05/03/2024 à 11:00 — signalée avec 10 :" in printed
    assert (
        "• Conduite 10, détectée le 13/03/2024 à 19:00 — même endroit probable que l'alerte du "
        "05/03/2024 à 11:00 (10) : peut-être la même fuite, qui a grossi." in printed
    )
    assert "Conduite 31, détectée" not in printed
    # as on the page, a closed alert neither gets a note nor gives one to the others
    with write_session() as s:
        service.decide(s, commune_id=cid, alert_id=second.id, status="rejetee", actor="a@x.fr")
    with read_session() as s:
        alerts = service.list_alerts(s, cid)
    printed = report(alerts)
    assert "signalée avec" not in printed and "qui a grossi" in printed
    # nothing to say: no heading
    printed = report([a for a in alerts if a.id == other.id])
    assert "Conduite 31" not in printed and "Remarques" not in printed
