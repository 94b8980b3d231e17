"""Order sheets as CSV, XLSX and printable PDF (French headers)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from communia.core.formatting import (
    fr_date,
    fr_number,
    fr_percent,
    french_pdf,
    pdf_table,
    pdf_text,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["sheet_frame", "kitchen_totals", "to_csv", "to_xlsx", "to_pdf", "drivers_text"]

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def drivers_text(drivers) -> str:
    """« menu : −9 repas ; jour de la semaine : +6 repas » (largest effects first)."""
    parts = []
    for label, meals in drivers or []:
        whole = round(abs(meals))  # as printed: an effect that rounds to 0 is no effect
        if whole == 0:
            continue
        sign = "+" if meals > 0 else "-"
        parts.append(f"{label} : {sign}{whole} repas")
    return " ; ".join(parts) or "pas d'effet marqué"


def _as_printed(table: pd.DataFrame) -> pd.DataFrame:
    """The sheet with forecasts in whole meals, as every page and export prints them, so
    that a day's total is the sum of its printed lines."""
    return table.assign(forecast=table["forecast"].round(0))


def sheet_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The sheet with French column names, one row per canteen and day."""
    import pandas as pd

    table = _as_printed(table)
    out = pd.DataFrame(
        {
            "Date": table["date"].dt.strftime("%d/%m/%Y"),
            "Jour": [WEEKDAYS[d.day_of_week] for d in table["date"]],
            "Cantine": table["canteen"],
            "Repas prévus": table["forecast"].round(0).astype(int),
            "Commande": table["order"].astype(int),
            "Surplus attendu": (table["order"] - table["forecast"])
            .clip(lower=0)
            .round(0)
            .astype(int),
            "Risque de manque (%)": (table["risk"] * 100).round(1),
            "Principaux facteurs": [drivers_text(d) for d in table["drivers"]],
        }
    )
    if "served" in table:
        out["Repas servis"] = table["served"]
    return out


def kitchen_totals(table: pd.DataFrame) -> pd.DataFrame:
    """Central-kitchen total per day (of the forecasts as printed, in whole meals)."""
    table = _as_printed(table)
    g = table.groupby("date")
    totals = g.agg(
        forecast=("forecast", "sum"), order=("order", "sum"), canteens=("canteen", "size")
    )
    if "served" in table:
        totals["served"] = g["served"].sum(min_count=1)
    return totals.reset_index()


def to_csv(table: pd.DataFrame) -> bytes:
    return sheet_frame(table).to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def to_xlsx(table: pd.DataFrame, *, about: tuple[str, ...] = ()) -> bytes:
    """The sheet per canteen and the central kitchen's totals, with real dates and numbers,
    the header row frozen and filters on; ``about`` (what the sheet is, who made it, whether
    it is validated) goes on a last sheet « À propos », so the tables stay plain tables."""
    import pandas as pd

    buf = io.BytesIO()
    totals = kitchen_totals(table)
    totals_fr = pd.DataFrame(
        {
            "Date": totals["date"].dt.normalize(),
            "Cantines": totals["canteens"],
            "Repas prévus": totals["forecast"].round(0).astype(int),
            "Commande cuisine centrale": totals["order"].astype(int),
        }
    )
    orders = sheet_frame(table)
    orders["Date"] = table["date"].dt.normalize().values  # real dates: sortable, filterable
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        orders.to_excel(writer, sheet_name="Commandes", index=False)
        totals_fr.to_excel(writer, sheet_name="Cuisine centrale", index=False)
        for sheet in writer.sheets.values():
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
            for cell in sheet["A"][1:]:
                cell.number_format = "DD/MM/YYYY"
            for column in sheet.columns:  # wide enough to read the headers and the values
                width = max(len(str(c.value)) for c in column if c.value is not None)
                sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 60)
        if about:
            notes = writer.book.create_sheet("À propos")
            for line in about:
                notes.append([line])
            notes.column_dimensions["A"].width = 110
            writer.book.properties.title = about[0]
        writer.book.properties.creator = "Communia"
    return buf.getvalue()


def to_pdf(table: pd.DataFrame, *, title: str, subtitle: str = "", footer: str = "") -> bytes:
    """A printable order sheet: one block per day, canteens and the kitchen total; a day is
    never cut across two pages, and each page ends with ``footer`` and its number."""
    pdf = french_pdf(orientation="P", unit="mm", format="A4", title=title, footer=footer)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, pdf_text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    if subtitle:
        pdf.multi_cell(0, 5, pdf_text(subtitle), new_x="LMARGIN", new_y="NEXT")
    table = _as_printed(table)
    widths = (78, 26, 26, 30, 30)
    heads = ("Cantine", "Repas prévus", "Commande", "Surplus attendu", "Risque de manque")
    for day, rows in table.groupby("date"):
        block = 2 + 6 + 5 * (len(rows) + 2)  # gap, day, header, canteens and total
        if pdf.get_y() + block > pdf.page_break_trigger:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(
            0,
            6,
            pdf_text(f"{WEEKDAYS[day.day_of_week].capitalize()} {fr_date(day)}"),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        lines = [
            (
                r.canteen,
                fr_number(r.forecast),
                fr_number(r.order),
                fr_number(max(r.order - r.forecast, 0)),
                fr_percent(r.risk, 1),
            )
            for r in rows.itertuples(index=False)
        ]
        lines.append(
            (
                "Total cuisine centrale",
                fr_number(rows["forecast"].sum()),
                fr_number(rows["order"].sum()),
                fr_number((rows["order"] - rows["forecast"]).clip(lower=0).sum()),
                "",
            )
        )
        pdf_table(pdf, widths, heads, lines, total=True)
    return bytes(pdf.output())
