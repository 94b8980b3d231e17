"""The demo commune's canteen data: the shipped Nantes extract, imported once, with a sheet."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

pytest.importorskip("lightgbm")


def test_demo_commune_gets_the_nantes_extract_and_one_order_sheet(database):
    from communia.core.db import read_session, write_session
    from communia.core.demo import DEMO_SLUG
    from communia.core.demo import seed_demo as seed_commune
    from communia.modules.canteen.demo import DATA_DIR, SHEET_END, SHEET_START, seed_demo
    from communia.modules.canteen.io import load_nantes
    from communia.modules.canteen.models import Attendance, Canteen, ForecastLine, ForecastRun

    with write_session() as s:
        commune_id = seed_commune(s).id
    seed_demo(DEMO_SLUG)
    seed_demo(DEMO_SLUG)  # a second `communia demo` adds nothing

    expected = load_nantes(DATA_DIR)
    with read_session() as s:

        def count(model):
            return s.scalar(
                select(func.count()).select_from(model).where(model.commune_id == commune_id)
            )

        assert count(Canteen) == len(expected.canteens) == 6
        assert count(Attendance) == len(expected.attendance)
        assert count(ForecastRun) == 1
        lines = s.execute(
            select(ForecastLine.day, ForecastLine.forecast, ForecastLine.order).where(
                ForecastLine.commune_id == commune_id
            )
        ).all()
    assert lines
    assert all(SHEET_START <= day <= SHEET_END for day, _f, _o in lines)
    assert {day.weekday() for day, _f, _o in lines} <= {0, 1, 3, 4}  # school days, no Wednesday
    # at a 95 % service level the order covers the expected meals
    assert all(order >= forecast - 1 for _d, forecast, order in lines)
