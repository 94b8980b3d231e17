from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from communia.core.errors import InvalidInput

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)


@pytest.fixture
def commune(database):
    from communia.core.db import write_session
    from communia.core.models import Commune

    with write_session() as s:
        c = Commune(slug="nantes-test", name="Nantes (test)")
        s.add(c)
        s.flush()
        return c.id


def test_import_round_trip_and_order_sheet(commune, slice_data, tmp_path, monkeypatch):
    from communia.core.db import read_session, write_session
    from communia.core.models import AuditEntry
    from communia.modules.canteen import store
    from communia.modules.canteen.models import Attendance, ForecastLine

    data = slice_data.until("2017-07-07")
    with write_session() as s:
        store.import_data(s, commune, data, filename="frequentation.csv", actor="gestion@test.fr")
    with read_session() as s:
        back = store.commune_data(s, commune)
        assert s.scalar(select(func.count()).select_from(Attendance)) == len(data.attendance)
    assert back.attendance["served"].sum() == pytest.approx(data.attendance["served"].sum())
    assert set(back.canteens["canteen"]) == set(data.canteens["canteen"])
    assert len(back.enrolment) == len(data.enrolment)

    with write_session() as s:
        store.add_event(
            s,
            commune,
            day=dt.date(2017, 9, 12),
            kind="fermeture",
            canteen="AGENETS",
            comment="travaux",
            actor="gestion@test.fr",
        )
        with pytest.raises(InvalidInput, match="Cantine inconnue"):
            store.add_event(
                s, commune, day=dt.date(2017, 9, 12), kind="greve", canteen="X", actor="a"
            )
    run_id = store.create_order_sheet(
        commune,
        start=dt.date(2017, 9, 11),
        end=dt.date(2017, 9, 15),
        service_level=0.9,
        actor="gestion@test.fr",
    )
    with read_session() as s:
        run, table = store.order_sheet(s, commune, run_id)
        n_lines = s.scalar(select(func.count()).select_from(ForecastLine))
        actions = set(s.scalars(select(AuditEntry.action)))
    assert n_lines == len(table) == 4 * 6 - 1  # AGENETS closed on the 12th
    assert (table["order"] >= table["forecast"].round() - 1).all()
    assert table["risk"].between(0, 1).all()
    assert all(len(d) == 3 for d in table["drivers"])
    assert {"canteen.import", "canteen.event", "canteen.forecast"} <= actions
    assert store.after_the_fact(table)["days"] == 0  # history stops before the period

    line_id = int(table["line_id"].iloc[0])
    with write_session() as s:
        store.set_manual_order(s, commune, run_id=run_id, line_id=line_id, meals=150, actor="g")
        with pytest.raises(InvalidInput, match="entre 0 et 5 000"):
            store.set_manual_order(s, commune, run_id=run_id, line_id=line_id, meals=-1, actor="g")
        store.validate_run(s, commune, run_id=run_id, actor="g")
    # A page opened before the validation (another tab, a colleague) cannot change it after.
    with write_session() as s, pytest.raises(InvalidInput, match="déjà validée.*les 170 repas"):
        store.set_manual_order(s, commune, run_id=run_id, line_id=line_id, meals=170, actor="g")
    # What was served arrives afterwards: error and meals saved against the human orders.
    with write_session() as s:
        store.import_data(
            s, commune, slice_data.until("2017-09-30"), filename="suite.csv", actor="g"
        )
    with read_session() as s:
        run, table = store.order_sheet(s, commune, run_id)
        statuses = list(s.scalars(select(AuditEntry.validation_status)))
    assert run.status == "validee" and {"modifie", "valide", "a_valider"} <= set(statuses)
    assert table.loc[table["line_id"] == line_id, "order"].item() == 150
    after = store.after_the_fact(table)
    assert after["days"] == len(table) and after["mae"] > 0 and after["saved"] is not None


def test_failed_import_writes_nothing(commune, slice_data):
    from communia.core.db import read_session, write_session
    from communia.modules.canteen import store
    from communia.modules.canteen.models import Attendance, Canteen

    data = slice_data.until("2016-07-07")
    with pytest.raises(RuntimeError), write_session() as s:
        store.import_data(s, commune, data, filename="f.csv", actor="a")
        raise RuntimeError("coupure au milieu de l'import")
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(Attendance)) == 0
        assert s.scalar(select(func.count()).select_from(Canteen)) == 0


def test_exports_of_an_order_sheet(slice_model, slice_data):
    import io

    import openpyxl
    import pandas as pd

    from communia.modules.canteen.estimators import shortage_risk
    from communia.modules.canteen.evaluate import forecast_rows, service_rows
    from communia.modules.canteen.exports import drivers_text, to_csv, to_pdf, to_xlsx

    rows = service_rows(slice_data, dt.date(2017, 9, 11), dt.date(2017, 9, 15))
    table = forecast_rows(slice_model, rows, 0.95)
    table["risk"] = shortage_risk(slice_model, rows, table["forecast"], table["order"])
    table["drivers"] = slice_model.explain(rows)
    assert table["risk"].between(0.0, 0.2).all()
    csv = to_csv(table).decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Date;Jour;Cantine;Repas prévus;Commande")
    assert all("," in line.split(";")[6] for line in csv.splitlines()[1:])  # French decimals
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(table)))
    assert book.sheetnames == ["Commandes", "Cuisine centrale"]
    assert book["Cuisine centrale"].max_row == 1 + 4
    for sheet in book:  # real dates a spreadsheet sorts and filters, shown the French way
        first = sheet["A2"]
        assert first.value == dt.datetime(2017, 9, 11) and first.number_format == "DD/MM/YYYY"
    pdf = to_pdf(table, title="Commandes de la semaine", subtitle="Niveau de service 95 %")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    from communia.core.documents import extract_bytes

    printed = extract_bytes("commandes.pdf", pdf).text
    kitchen = int(table[table["date"] == table["date"].min()]["order"].sum())
    assert kitchen >= 1000  # six canteens: the central-kitchen total has thousands
    assert f"{kitchen // 1000} {kitchen % 1000:03d}" in printed  # « 1 539 », not « 1539 »
    assert drivers_text([("menu", -9.4), ("grève", 0.1)]) == "menu : -9 repas"
    # an effect printed as 0 is no effect (it read « menu : -0 repas »)
    assert drivers_text([("menu", -0.5), ("jour", 2.5)]) == "jour : +2 repas"
    assert isinstance(pd.read_csv(io.StringIO(csv), sep=";"), pd.DataFrame)


def test_after_the_fact_compares_like_with_like_per_canteen_and_in_total():
    """Meals saved are counted on the days the commune's own order is known, its shortages
    are shown beside its surplus, and each canteen gets its own line."""
    import pandas as pd

    from communia.modules.canteen import store

    table = pd.DataFrame(
        {
            "date": pd.to_datetime(["2018-01-08", "2018-01-09", "2018-01-08", "2018-01-09"]),
            "canteen": ["A", "A", "B", "B"],
            "forecast": [100.0, 100.0, 50.0, 50.0],
            "order": [110, 110, 60, 60],
            # B's order of the 9th is unknown: that day cannot count in the savings
            "human_order": [120.0, 95.0, 58.0, float("nan")],
            "served": [100.0, 104.0, 50.0, 40.0],
        }
    )
    after = store.after_the_fact(table)
    assert after["over_model"] == 10 + 6 + 10 + 20 and after["short_model"] == 0
    assert after["over_human"] == 20 + 8 and after["short_human"] == 9
    assert after["saved"] == 28 - (10 + 6 + 10)  # same three days on both sides
    per = {row["canteen"]: row for row in after["per_canteen"]}
    assert per["A"]["over_model"] == 16 and per["A"]["over_human"] == 20
    assert per["A"]["short_human"] == 9 and per["A"]["saved"] == 4
    assert per["B"]["over_model"] == 30 and per["B"]["saved"] == 8 - 10


def test_kitchen_total_is_the_sum_of_the_lines_as_printed():
    """Three canteens at 100.4 meals each print 100, 100 and 100: the central kitchen's
    total is 300, not 301 (the rounded sum of the unrounded forecasts), on the page, in the
    PDF and in the spreadsheet."""
    import ctypes
    import io

    import openpyxl
    import pandas as pd
    import pypdfium2

    from communia.modules.canteen.exports import kitchen_totals, sheet_frame, to_pdf, to_xlsx

    table = pd.DataFrame(
        {
            "date": pd.to_datetime(["2018-01-08"] * 3),
            "canteen": ["A", "B", "C"],
            "forecast": [100.4, 100.4, 100.4],
            "order": [110, 110, 110],
            "risk": [0.05] * 3,
            "drivers": [[]] * 3,
        }
    )
    assert kitchen_totals(table)["forecast"].tolist() == [300]
    assert sheet_frame(table)["Surplus attendu"].tolist() == [10, 10, 10]
    text = pypdfium2.PdfDocument(to_pdf(table, title="t"))[0].get_textpage().get_text_range()
    assert "Total cuisine centrale 300 330 30 " in " ".join(text.split()), text
    # the total stands out, in bold (it was printed like a canteen's line)
    page = pypdfium2.PdfDocument(to_pdf(table, title="t"))[0].get_textpage()

    def font(index: int) -> bytes:
        name = ctypes.create_string_buffer(64)
        pypdfium2.raw.FPDFText_GetFontInfo(page.raw, index, name, 64, None)
        return name.value

    text = page.get_text_range()
    assert font(text.index("Total cuisine")) == b"Helvetica-Bold"
    assert font(text.index("B ")) == b"Helvetica"  # canteen B's line
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(table)))
    assert book["Cuisine centrale"]["C2"].value == 300
