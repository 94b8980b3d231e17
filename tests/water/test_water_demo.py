"""The demo commune's water data: the shipped L-Town network, a detection run on two months of
telemetry, and a ranked simulated history."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select

pytest.importorskip("wntr")


def test_demo_commune_gets_l_town_and_a_risk_ranking(database):
    from communia.core.db import read_session, write_session
    from communia.core.demo import DEMO_SLUG
    from communia.core.demo import seed_demo as seed_commune
    from communia.modules.water import service
    from communia.modules.water.demo import NETWORK_FILE, seed_demo
    from communia.modules.water.models import WaterNetwork, WaterPipeRisk, WaterRun

    with write_session() as s:
        commune_id = seed_commune(s).id
    seed_demo(DEMO_SLUG)
    seed_demo(DEMO_SLUG)  # a second `communia demo` adds nothing

    with read_session() as s:
        networks = s.scalars(
            select(WaterNetwork).where(WaterNetwork.commune_id == commune_id)
        ).all()
        n_risk = s.scalar(
            select(func.count())
            .select_from(WaterPipeRisk)
            .where(WaterPipeRisk.commune_id == commune_id)
        )
        risks = service.risk_rows(s, commune_id)
        plan = service.renewal_plan_rows(risks, km_per_year=1.0)
        runs = s.scalars(select(WaterRun).where(WaterRun.commune_id == commune_id)).all()
        alerts = service.list_alerts(s, commune_id)
    assert len(networks) == 1
    assert networks[0].inp_text == gzip.decompress(NETWORK_FILE.read_bytes()).decode("utf-8")
    assert n_risk == 905  # every pipe of L-Town is ranked
    assert risks[0].risk >= risks[-1].risk > 0
    # the plan renews about 1 km a year over 5 years, riskiest metres first
    assert 4.0 <= sum(row["longueur_m"] for row in plan) / 1000 <= 5.1
    # The real detector ran once on the shipped telemetry (January-February 2018): the page
    # opens on alerts to review, each a proposal with its evidence, none decided yet.
    assert len(runs) == 1
    assert runs[0].period_start.month == 1 and runs[0].period_end.month == 2
    assert runs[0].daily  # district flows with their night minimum
    assert alerts and all(a.status == "ouverte" and a.candidates for a in alerts)
    assert all(a.detection_time.month in (1, 2) for a in alerts)
