"""Example canteen data for the demo commune: an extract of Nantes' open data (ODbL).

Six real canteens, September 2014 to December 2017, imported as a manager would, and one
order sheet for the first weeks of January 2018 so the pages have something to show.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

__all__ = ["DATA_DIR", "seed_demo"]

DATA_DIR = Path(__file__).parent / "demo_data" / "nantes_extract"
SHEET_START = dt.date(2018, 1, 8)
SHEET_END = dt.date(2018, 1, 26)


def seed_demo(slug: str) -> None:
    """Import the extract and compute one order sheet, unless the commune has history."""
    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session, write_session
    from communia.modules.canteen.io import load_nantes
    from communia.modules.canteen.models import Attendance
    from communia.modules.canteen.store import create_order_sheet, import_data

    with read_session() as session:
        commune_id = commune_by_slug(session, slug).id
        if session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.commune_id == commune_id)
        ):
            return
    data = load_nantes(DATA_DIR)
    with write_session() as session:
        import_data(
            session, commune_id, data, filename="Extrait des données de Nantes", actor="systeme"
        )
    create_order_sheet(
        commune_id, start=SHEET_START, end=SHEET_END, service_level=0.95, actor="systeme"
    )
