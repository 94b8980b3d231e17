from __future__ import annotations

import pandas as pd
import pytest

from communia.core.errors import InvalidInput
from communia.modules.canteen.io import (
    ABSURD_MAX_MEALS,
    load_data,
    load_template,
    parse_dates,
    write_template,
)

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)


def test_parse_three_date_formats():
    s = pd.Series(["2018-09-03", "03/09/2018", "3/9/18", "2018-09-03 00:00:00", "demain", ""])
    out = parse_dates(s)
    assert list(out[:4]) == [pd.Timestamp("2018-09-03")] * 4
    assert out[4:].isna().all()


def test_nantes_slice_maps_sites_and_sums_them(slice_data, nantes_slice):
    att = slice_data.attendance
    assert set(att["canteen"]) <= set(slice_data.canteens["canteen"])
    assert not att.duplicated(["date", "canteen"]).any()
    raw = pd.read_csv(nantes_slice / "from_school_meal_forecast_xgboost/raw/frequentation.csv")
    mapping = pd.read_csv(
        nantes_slice
        / "from_school_meal_forecast_xgboost/mappings/mapping_frequentation_cantines.csv"
    )
    # COUDRAY sites: every site of one canteen is added up on the same day.
    sites = mapping.loc[mapping["cantine_nom"].str.strip() == "AGENETS", "site_nom"]
    day = raw[(raw["date"] == "2016-10-04") & raw["site_nom"].isin(sites)]
    got = att[(att["date"] == "2016-10-04") & (att["canteen"] == "AGENETS")]["served"].item()
    assert got == day["reel"].sum()


def test_nantes_unknown_sites_are_reported_in_french(slice_data):
    rejected = slice_data.report.rejected
    assert len(rejected) == 3
    assert all("cantine inconnue" in r.reason and "FOYER MANU" in r.reason for r in rejected)
    assert "lignes rejetées" in slice_data.report.summary()


def test_nantes_strict_import_refuses_everything(nantes_slice):
    from communia.modules.canteen.io import load_nantes

    with pytest.raises(InvalidInput) as exc:
        load_nantes(nantes_slice, strict=True)
    assert "rien n'a été enregistré" in exc.value.message
    assert len(exc.value.details["rejected"]) == 3


def test_nantes_strikes_use_the_city_list(slice_data):
    strikes = set(slice_data.events.loc[slice_data.events["kind"] == "greve", "date"])
    assert pd.Timestamp("2011-02-10") in strikes  # "10/02/11" in Journees_de_greve.csv
    assert all(d.day_of_week < 5 for d in strikes)


def test_nantes_enrolment_is_summed_per_canteen(slice_data):
    e = slice_data.enrolment
    coudray = e[(e["canteen"] == "COUDRAY E.") & (e["school_year"] == 2016)]
    assert len(coudray) == 1 and coudray["pupils"].item() > 50


def _write_latin1(path, text):
    path.write_bytes(text.encode("cp1252"))
    return path


def test_template_latin1_semicolons_and_three_date_formats(tmp_path):
    _write_latin1(
        tmp_path / "frequentation.csv",
        "date;cantine;repas_servis;repas_commandes\n"
        "2024-09-02;École Jules Ferry;182;190\n"
        "03/09/2024;École Jules Ferry;175;185\n"
        "05/09/24;Ecole  Jules Ferry ;170;180\n",
    )
    _write_latin1(tmp_path / "cantines.csv", "cantine;type;secteur\nÉcole Jules Ferry;M/E;Nord\n")
    data = load_template(tmp_path)
    assert list(data.attendance["served"]) == [182, 175, 170]
    assert set(data.attendance["canteen"]) == {"École Jules Ferry"}
    assert data.attendance["date"].dt.day.tolist() == [2, 3, 5]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2024-09-02;Inconnue;100;100", "cantine inconnue « Inconnue »"),
        ("2024-13-45;A;100;100", "date illisible"),
        ("lundi;A;100;100", "date illisible"),
        ("2024-09-03;A;-4;100", "négatif"),
        (f"2024-09-03;A;{ABSURD_MAX_MEALS + 1};100", "absurde"),
        ("2024-09-03;A;beaucoup;100", "illisible « beaucoup »"),
    ],
)
def test_template_bad_rows_refuse_the_whole_file(tmp_path, row, reason):
    (tmp_path / "cantines.csv").write_text("cantine\nA\n", encoding="utf-8")
    (tmp_path / "frequentation.csv").write_text(
        f"date;cantine;repas_servis;repas_commandes\n2024-09-02;A;100;100\n{row}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as exc:
        load_template(tmp_path)
    assert reason in exc.value.message
    assert "ligne 3" in exc.value.message
    # Tolerant mode keeps the good row and reports the bad one.
    data = load_template(tmp_path, strict=False)
    assert len(data.attendance) == 1 and len(data.report.rejected) == 1


def test_template_duplicates(tmp_path):
    (tmp_path / "frequentation.csv").write_text(
        "date,cantine,repas_servis\n2024-09-02,A,100\n02/09/2024,A,100\n2024-09-03,A,90\n"
        "2024-09-03,A,95\n2024-09-05,A,80\n",
        encoding="utf-8",
    )
    data = load_template(tmp_path, strict=False)
    assert data.attendance["served"].tolist() == [100, 80]
    assert any("double" in r.reason for r in data.report.rejected)
    assert any("identiques fusionnées" in n for n in data.report.notes)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "frequentation.csv").write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput, match="vide"):
        load_template(tmp_path)
    (tmp_path / "frequentation.csv").write_text("date,cantine\n2024-09-02,A\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="Colonnes manquantes.*repas_servis"):
        load_template(tmp_path)
    with pytest.raises(InvalidInput, match="introuvable"):
        load_data(tmp_path / "absent")


def test_xlsx_template_round_trip(tmp_path):
    from openpyxl import load_workbook

    path = write_template(tmp_path / "modele.xlsx")
    # What the manager sees in the spreadsheet: a date cell shown the French way, a
    # readable column, the header kept in view.
    sheet = load_workbook(path)["frequentation"]
    assert sheet["A2"].is_date and sheet["A2"].number_format == "DD/MM/YYYY"
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["A"].width >= 14
    # Sent back unchanged, its example rows would make a canteen « Jules Ferry », a day of
    # attendance and a strike that never were: refused, each sheet's example named.
    with pytest.raises(InvalidInput, match="ligne d'exemple du modèle") as refused:
        load_template(path)
    rejected = {(r["source"], r["line"]) for r in refused.value.details["rejected"]}
    assert {s for s, _ in rejected} >= {"frequentation", "cantines", "effectifs", "menus"}
    # The manager types over the examples: read as typed.
    book = load_workbook(path)
    book["frequentation"]["B2"] = book["cantines"]["A2"] = book["effectifs"]["A2"] = "Pasteur"
    book["frequentation"]["C2"] = 175
    book["menus"]["B2"] = "Hachis parmentier"
    book["evenements"]["D2"] = "grève des agents"
    book.save(path)
    data = load_template(path)
    assert data.attendance["served"].tolist() == [175]
    assert data.attendance["canteen"].tolist() == ["Pasteur"]
    assert data.enrolment["pupils"].tolist() == [240]
    assert data.events["kind"].tolist() == ["greve"]
    assert str(data.attendance["date"].iloc[0])[:10] == "2024-09-02"
