"""The manager's pages over HTTP against the live app, and in a real Chromium."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest

from communia_testing import browser_login, csrf_of, login, page_text, pdf_text, shot

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)


def _template_csv(slice_data, *, until: str = "2017-07-07") -> bytes:
    att = slice_data.until(until).attendance
    att = att[att["date"] >= "2015-09-01"].dropna(subset=["served"])
    lines = ["date;cantine;repas_servis;repas_commandes"]
    for d, c, s, o in att[["date", "canteen", "served", "ordered"]].itertuples(index=False):
        lines.append(f"{d:%d/%m/%Y};{c};{s:.0f};{'' if o != o else f'{o:.0f}'}")
    return ("\n".join(lines) + "\n").encode("cp1252")


def _wait_job(job_id: int) -> dict:
    from communia.core.jobs import wait

    job = wait(job_id, timeout=240)
    assert job.state == "succeeded", (job.state, job.error)
    return job.result


def _wait_training(http, response) -> str:
    """An accepted import retrains in the background: wait for that job, so that it does not
    outlive the test (the next test's emptied database would give its id to another job).
    Returns the page the import led to, as people read it."""
    page = page_text(http.get(response.headers["location"]))
    _wait_job(int(re.search(r"tâche n° (\d+)", page).group(1)))
    return page


def test_manager_workflow_over_http(http, two_communes, slice_data):
    login(http, "agent@ville-a.fr")
    page = http.get("/app/canteen")
    assert page.status_code == 200 and "Aucun historique" in page.text
    token = csrf_of(http, "/app/canteen")

    # A bad file is refused whole, with the rejected lines in French.
    bad = b"date;cantine;repas_servis\n2017-09-04;A;100\n2017-09-05;A;-3\n"
    r = http.post(
        "/app/canteen/import",
        data={"csrf_token": token},
        files={"fichier": ("frequentation.csv", bad, "text/csv")},
    )
    assert r.status_code == 422 and "négatif" in r.text and "Rien n'a été enregistré" in r.text
    assert "Aucun historique" in http.get("/app/canteen").text
    # A broken workbook or a wrong format: refused on the canteen page, naming the manager's
    # file, in French (not the library's « File is not a zip file »).
    for name, body in (("repas 2017.xlsx", b"\xff\xfe pas un classeur"), ("repas.pdf", b"%PDF")):
        r = http.post(
            "/app/canteen/import",
            data={"csrf_token": token},
            files={"fichier": (name, body, "application/octet-stream")},
        )
        assert r.status_code == 422 and "Cantines\u00a0: prévision" in r.text, r.text
        assert f"«\u00a0{name}\u00a0»" in r.text and "not a zip file" not in r.text.lower()

    r = http.post(
        "/app/canteen/import",
        data={"csrf_token": token},
        files={"fichier": ("frequentation.csv", _template_csv(slice_data), "text/csv")},
    )
    assert r.status_code == 303, r.text
    page = http.get("/app/canteen").text
    # « 1 234 jours-cantines » (grouped thousands); times in the commune's time, not UTC
    assert re.search(r"\d\u202f\d{3} jours-cantines enregistrés", page), page
    assert "(UTC)" not in page

    r = http.post(
        "/app/canteen/evenements",
        data={
            "csrf_token": token,
            "date": "2017-09-14",
            "type": "greve",
            "cantine": "",
            "commentaire": "grève nationale",
            "ecart": "",
        },
    )
    assert r.status_code == 303
    # The audit trail names the event and counts the import as people read them (it said
    # « Événement « greve » » and « 2508 jours-cantines »).
    journal = http.get("/app/journal").text
    assert "Événement «\u00a0grève\u00a0» le 14/09/2017" in journal
    assert re.search(
        r"«\u00a0frequentation.csv\u00a0»\u00a0: \d\u202f\d{3} jours-cantines", journal
    )
    # A typo in the year (2030) would ask for a 12-year sheet: refused in French.
    r = http.post(
        "/app/canteen/feuilles",
        data={"csrf_token": token, "debut": "2017-09-11", "fin": "2030-09-22", "niveau": "0.95"},
    )
    assert r.status_code == 422 and "au plus 183 jours" in r.text
    r = http.post(
        "/app/canteen/feuilles",
        data={"csrf_token": token, "debut": "2017-09-11", "fin": "2017-09-22", "niveau": "0.95"},
    )
    assert r.status_code == 303 and "/app/taches/" in r.headers["location"]
    result = _wait_job(int(r.headers["location"].rsplit("/", 1)[1]))
    # The finished job says what it made (it said « Terminée — Terminée. »).
    job_page = http.get(r.headers["location"]).text
    assert "Feuille de commande du 11/09/2017 au 22/09/2017 prête à valider." in job_page
    sheet = http.get(result["url"])
    assert sheet.status_code == 200
    assert "environ 5 jours sur 100" in sheet.text  # not « 5 jour(s) »
    # the served meals are not known yet: said, not an empty column
    assert "<td>—</td>" in sheet.text and "repas servis pas encore importés" in sheet.text
    assert "Cuisine centrale" in sheet.text and "<svg" in sheet.text and "repas" in sheet.text
    chart = sheet.text.split("<svg", 1)[1].split("</svg>", 1)[0]
    # French figures in the chart and the kitchen totals: « 1 539 », not « 1539 »; the days
    # under the x-axis (there were none), the unit above the y-axis values.
    assert re.search(r">\d\u202f\d{3}</text>", chart) and ">repas</text>" in chart
    assert ">11 sept. 2017</text>" in chart and ">22 sept.</text>" in chart
    assert re.search(r"<td>\d\u202f\d{3}</td>", sheet.text)
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", "Date;Jour".encode("utf-8-sig"))):
        r = http.get(f"{result['url']}/export.{fmt}")
        assert r.status_code == 200 and r.content.startswith(magic)
    # The printed sheet, as the kitchen reads it: French dates (it said « 11/09/2017 »), the
    # commune, that a model proposed it and a person must validate it, numbered pages.
    printed = pdf_text(http.get(f"{result['url']}/export.pdf").content)
    assert "Commandes de repas du 11 septembre 2017 au 22 septembre 2017" in printed
    assert "Lundi 11 septembre 2017" in printed and "/09/2017" not in printed
    assert "intelligence artificielle" in printed and "valider par le gestionnaire" in printed
    assert re.search(r"page 1 sur \d", printed) and "feuille n°" in printed
    # The workbook says the same on a sheet of its own (it said nothing of where it came
    # from), and its tables keep their header in view and their filters.
    book = openpyxl.load_workbook(io.BytesIO(http.get(f"{result['url']}/export.xlsx").content))
    about = " ".join(str(row[0].value) for row in book["À propos"].iter_rows())
    assert "11 septembre 2017" in about and "intelligence artificielle" in about
    assert book["Commandes"].freeze_panes == "A2" and book["Commandes"].auto_filter.ref

    # The manager changes one order and validates the sheet.
    run_url = result["url"]
    line = re.search(r'action="(/app/canteen/feuilles/\d+/lignes/\d+)"', sheet.text).group(1)
    assert http.post(line, data={"csrf_token": token, "commande": "123"}).status_code == 303
    assert http.post(f"{run_url}/valider", data={"csrf_token": token}).status_code == 303
    page = http.get(run_url).text
    assert "Feuille validée" in page and "(proposé\u00a0:" in page
    # The sheet's page opened before the validation (another tab) sends a change: refused,
    # the validated order stays and the refusal says what was typed.
    late = http.post(line, data={"csrf_token": token, "commande": "90"})
    assert late.status_code == 422
    assert "déjà validée" in page_text(late) and "les 90 repas saisis" in page_text(late)
    assert "123" in http.get(run_url).text and "(proposé\u00a0:" in http.get(run_url).text
    assert "Feuille validée par le gestionnaire" in pdf_text(
        http.get(f"{run_url}/export.pdf").content
    )
    # Then what was served arrives: error and meals saved against the past orders.
    later = _template_csv(slice_data, until="2017-09-29").decode("cp1252").splitlines()
    tail = [later[0]] + [row for row in later[1:] if row[6:10] == "2017" and row[3:5] == "09"]
    r = http.post(
        "/app/canteen/import",
        data={"csrf_token": token},
        files={"fichier": ("septembre.csv", "\n".join(tail).encode(), "text/csv")},
    )
    assert r.status_code == 303
    page = http.get(run_url).text
    assert "Après coup" in page and "Après coup, par cantine" in page
    assert "pas encore importés" not in page  # every day of the sheet is known now
    # Savings or extra meals compared with the manager's own orders, never « -124 économisés »
    assert ("repas économisés" in page) != ("repas de plus</strong> que les vôtres" in page)
    assert not re.search(r"-[\d\u202f]+ repas économisés", page)
    # One more day: « 1 jour-cantine », in the confirmation and in the list of imports.
    one = f"{tail[0]}\n{tail[-1].replace('/09/2017', '/10/2017')}\n"
    r = http.post(
        "/app/canteen/import",
        data={"csrf_token": token},
        files={"fichier": ("un-jour.csv", one.encode(), "text/csv")},
    )
    assert r.status_code == 303, r.text
    page = http.get("/app/canteen").text
    assert "Import accepté\u00a0: 1 jour-cantine enregistré." in page
    assert "«\u00a0un-jour.csv\u00a0», 1 jour-cantine (" in page

    # Another commune sees none of it.
    http.cookies.clear()
    login(http, "agent@ville-b.fr")
    assert http.get(result["url"]).status_code == 404
    assert "Aucun historique" in http.get("/app/canteen").text


@pytest.mark.browser
def test_manager_workflow_in_chromium(page, two_communes, slice_data, tmp_path):
    csv = tmp_path / "frequentation.csv"
    csv.write_bytes(_template_csv(slice_data))
    browser_login(page, "agent@ville-a.fr")
    page.goto("/app/canteen")
    page.get_by_label("Fichier de fréquentation").set_input_files(str(csv))
    page.get_by_role("button", name="Importer").click()
    page.wait_for_url("**/app/canteen")
    assert "Import accepté" in page.get_by_role("status").text_content()
    page.get_by_label("Date", exact=True).fill("2017-09-14")
    page.get_by_label("Type").select_option("greve")
    page.get_by_label("Commentaire").fill("grève nationale")
    page.get_by_role("button", name="Enregistrer l'événement").click()
    page.wait_for_url("**/app/canteen")
    shot(page, "canteen-home")
    page.get_by_label("Du", exact=True).fill("2017-09-11")
    page.get_by_label("Au", exact=True).fill("2017-09-22")
    page.get_by_role("button", name="Calculer les commandes").click()
    page.wait_for_url("**/app/taches/*")
    job_id = int(page.url.rsplit("/", 1)[1])
    result = _wait_job(job_id)
    page.goto(result["url"])
    assert page.get_by_role("heading", name="Cuisine centrale : total par jour").is_visible()
    shot(page, "canteen-order-sheet")
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF à imprimer").click()
    assert info.value.suggested_filename.endswith(".pdf")


def test_after_the_fact_never_calls_extra_meals_savings():
    """When the model's orders overproduced more than the manager's, the sheet says so
    instead of « -177 repas économisés »."""
    from types import SimpleNamespace

    from communia.web.rendering import _templates

    run = SimpleNamespace(
        id=1,
        start=dt.date(2017, 9, 11),
        end=dt.date(2017, 9, 22),
        service_level=0.95,
        history_last_date=dt.date(2017, 7, 7),
        status="validee",
    )
    after = {"days": 1, "mae": 3.0, "over_model": 180, "short_model": 0}
    balance = {**after, "saved": -177, "over_human": 3, "short_human": 40}
    html = (
        _templates()
        .env.get_template("canteen/sheet.html")
        .render(
            run=run,
            actor=SimpleNamespace(can_write=False),
            after={**balance, "per_canteen": [{"canteen": "AGENETS", **balance}]},
            chart="",
            totals=[],
            rows=[],
        )
    )
    assert "surproduit 177 repas de plus" in html and "manqué 40 repas" in html
    assert "repas économisés" not in html
    assert "Sur 1 jour-cantine passé" in html
    # and per canteen, in the same words
    assert "<td>AGENETS</td>" in html and "aucun (177 surproduits en plus)" in html


def _import_slice(commune_slug: str, data) -> int:
    """Import the Nantes extract (its strike file runs to 2019) into a commune; its id."""
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.modules.canteen.store import import_data

    with write_session() as s:
        commune_id = commune_by_slug(s, commune_slug).id
        import_data(s, commune_id, data, filename="extrait.csv", actor="test")
    return commune_id


def test_an_event_just_entered_is_listed(http, two_communes, slice_data):
    """The imported strike file runs to 2019: an event the manager enters for an earlier day
    still heads « Derniers événements enregistrés » (it was pushed off the 30-line list)."""
    _import_slice("ville-a", slice_data)
    login(http, "agent@ville-a.fr")
    token = csrf_of(http, "/app/canteen")
    trip = {
        "csrf_token": token,
        "date": "2018-02-09",
        "type": "sortie",
        "cantine": "AGENETS",
        "commentaire": "sortie des CM2 au musée",
        "ecart": "-45",
    }
    r = http.post("/app/canteen/evenements", data=trip)
    assert r.status_code == 303
    page = http.get("/app/canteen").text
    listed = page.split("Derniers événements enregistrés", 1)[1].split("</table>", 1)[0]
    first = listed.split("<tr>")[2]  # after the header row
    assert "09/02/2018" in first and "sortie des CM2 au musée" in first and "-45" in first
    # the list is cut at 30 and says so (the imported strikes are still in the forecasts)
    total = len(slice_data.events) + 1
    assert total > 30
    assert f"30 derniers événements enregistrés sur {total}" in page
    # The same form sent twice (double click, reload after the POST): one event, said so.
    again = http.post("/app/canteen/evenements", data=trip)
    assert again.status_code == 303
    page = page_text(http.get("/app/canteen"))
    assert "Cet événement était déjà enregistré" in page
    assert f"30 derniers événements enregistrés sur {total}" in page
    assert page.count("sortie des CM2 au musée") == 1
    # A change of meals applies to one canteen: for « Toutes les cantines » the forecast
    # ignored it; refused, saying what to do.
    everywhere = http.post(
        "/app/canteen/evenements",
        data={"csrf_token": token, "date": "2018-02-12", "type": "sortie", "ecart": "-45"},
    )
    assert everywhere.status_code == 422
    assert "Un écart de repas se saisit pour une cantine" in page_text(everywhere)
    assert f"30 derniers événements enregistrés sur {total}" in page_text(http.get("/app/canteen"))


def test_a_typo_in_a_canteen_name_is_refused_not_a_new_canteen(http, two_communes, slice_data):
    """A commune with canteens uploads a CSV: a name written another way (« agenets ») goes to
    the known canteen, a misspelt one is refused with how to add a canteen, and a new school
    comes in through the « cantines » sheet of the template, beside the known canteens."""
    import io

    from sqlalchemy import select

    from communia.core.db import read_session
    from communia.modules.canteen.models import Attendance, Canteen

    commune_id = _import_slice("ville-a", slice_data.until("2017-07-07"))
    login(http, "agent@ville-a.fr")
    token = csrf_of(http, "/app/canteen")

    def upload(name: str, body: bytes):
        return http.post(
            "/app/canteen/import",
            data={"csrf_token": token},
            files={"fichier": (name, body, "application/octet-stream")},
        )

    typo = "date;cantine;repas_servis\n04/09/2017;agenets;250\n04/09/2017;AGENET;240\n"
    r = upload("septembre.csv", typo.encode("cp1252"))
    assert r.status_code == 422, r.text
    assert "1 ligne\u00a0: cantine inconnue «\u00a0AGENET\u00a0»" in r.text
    assert "(frequentation, ligne 3)" in r.text
    assert "feuille «\u00a0cantines\u00a0»" in r.text
    with read_session() as s:
        names = set(s.scalars(select(Canteen.name).where(Canteen.commune_id == commune_id)))
    assert "AGENET" not in names and "agenets" not in names

    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame(
            {"date": ["04/09/2017", "04/09/2017"], "cantine": ["agenets", "Jules Verne"]}
            | {"repas_servis": [250, 80]}
        ).to_excel(writer, sheet_name="frequentation", index=False)
        pd.DataFrame({"cantine": ["Jules Verne"], "type": ["E"], "secteur": ["Sud"]}).to_excel(
            writer, sheet_name="cantines", index=False
        )
    r = upload("rentree.xlsx", book.getvalue())
    assert r.status_code == 303, r.text
    with read_session() as s:
        served = dict(
            s.execute(
                select(Canteen.name, Attendance.served)
                .join(Attendance, Attendance.canteen_id == Canteen.id)
                .where(Canteen.commune_id == commune_id, Attendance.day == dt.date(2017, 9, 4))
            ).all()
        )
    assert served == {"AGENETS": 250, "Jules Verne": 80}


def test_nantes_open_data_imported_from_the_page_as_a_zip(http, two_communes, nantes_slice):
    """A commune with Nantes' open-data layout (frequentation by site, mapping files, strikes,
    menus) had no way in from the page: a ZIP of its folder is now read like
    ``communia canteen check``, all or nothing, and the lines refused are counted."""
    import io
    import zipfile

    login(http, "agent@ville-a.fr")
    token = csrf_of(http, "/app/canteen")
    assert ".zip" in http.get("/app/canteen").text

    def upload(name: str, files: dict[str, bytes], **form):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as archive:
            for member, raw in files.items():
                archive.writestr(member, raw)
        return http.post(
            "/app/canteen/import",
            data={"csrf_token": token, **form},
            files={"fichier": (name, buf.getvalue(), "application/zip")},
        )

    folder = {
        f"nantes/{p.relative_to(nantes_slice)}": p.read_bytes()
        for p in nantes_slice.rglob("*")
        if p.is_file()
    }
    freq = next(k for k in folder if k.endswith("frequentation.csv"))
    # The extract as published has three days at an emergency site no mapping file knows:
    # refused whole. Sixty more days there: one line for the reason, counted, with a few
    # line numbers (63 lines of the same refusal were 50 list items).
    lines = folder[freq].decode().splitlines()
    assert "FOYER MANU (dépannage)" in lines[-1]
    more = [f"M/E,2017-10-{d:02d},300.0,280.0,FOYER MANU (dépannage)" for d in range(1, 31)]
    more += [line.replace("2017-10-", "2017-11-") for line in more]
    r = upload("nantes.zip", {**folder, freq: "\n".join([*lines, *more]).encode()})
    assert r.status_code == 422 and "Aucun historique" in r.text
    assert "63 lignes refusées, par motif" in r.text
    refusals = r.text.split("par motif", 1)[1].split("</ul>", 1)[0]
    assert refusals.count("<li>") == 1 and refusals.startswith("\u00a0:</p><ul><li>63 lignes")
    assert "cantine inconnue «\u00a0FOYER MANU (dépannage) (M/E)\u00a0»" in refusals
    assert re.search(r"\(frequentation\.csv, lignes \d+, \d+, \d+…\)</li>", refusals)
    # the refusal says why and how to get in: map the site, or leave such sites out
    assert "63 lignes viennent de sites absents de la table de correspondance" in r.text
    assert 'name="sans_sites_absents"' in r.text
    # leaving them out does not let another error through: still all or nothing
    broken = [*lines, *more, lines[1].replace("2014-", "2014/13/")]
    r = upload("nantes.zip", {**folder, freq: "\n".join(broken).encode()}, sans_sites_absents="oui")
    assert r.status_code == 422 and "date illisible" in r.text and "FOYER MANU" not in r.text
    assert 'value="oui" checked' in r.text  # the box stays ticked
    # a member outside the folder, or nothing usable: refused in French
    r = upload("piege.zip", {"../frequentation.csv": lines[0].encode()})
    assert r.status_code == 422 and "piege.zip" in r.text and "chemin" in r.text
    r = upload("vide.zip", {"notes.txt": b"rien"})
    assert r.status_code == 422 and "frequentation" in r.text and "/tmp" not in r.text

    # Leaving out the sites absent from the mapping, the folder comes in, and the manager
    # is told how many lines were left out.
    r = upload(
        "nantes.zip",
        {**folder, freq: "\n".join([*lines, *more]).encode()},
        sans_sites_absents="oui",
    )
    assert r.status_code == 303, r.text
    page = _wait_training(http, r)
    assert "63 lignes de 1 site absent de la table de correspondance laissées de côté" in page
    assert "pour 6 cantines" in page and "AGENETS" in page
    assert "Grève" in page  # the strike files came along


def test_zip_bombs_are_refused_on_the_canteen_page(http, two_communes, slice_data):
    """A ZIP whose header lies about a member's size, a member compressed a thousand times,
    a password-protected archive or too many files: refused on the page in French, before
    anything is written to disk at full size, and nothing is imported."""
    from communia_testing import zip_bomb_cases, zip_of

    login(http, "agent@ville-a.fr")
    token = csrf_of(http, "/app/canteen")
    for body, status, words in zip_bomb_cases("frequentation.csv", "bombe.zip", max_members=500):
        r = http.post(
            "/app/canteen/import",
            data={"csrf_token": token},
            files={"fichier": ("bombe.zip", body, "application/zip")},
        )
        text = page_text(r)
        assert r.status_code == status and words in text, text.split("notice error")[-1][:600]
        assert "Cantines : prévision" in text and "Aucun historique" in text
    # the same page still takes a sound ZIP of the template
    r = http.post(
        "/app/canteen/import",
        data={"csrf_token": token},
        files={"fichier": ("ok.zip", zip_of({"frequentation.csv": _template_csv(slice_data)}))},
    )
    assert r.status_code == 303, r.text[:2000]
    _wait_training(http, r)


def test_refused_lines_are_grouped_by_reason():
    """A file with 1 250 lines of one unknown site listed them one by one (50 shown, the rest
    counted): one line per reason, the most frequent first, with a few line numbers."""
    from communia.modules.canteen.web import grouped_rejects

    unknown = "cantine inconnue « FOYER MANU (dépannage) »"
    rejected = [
        {"source": "frequentation.csv", "line": 12 + i, "reason": unknown} for i in range(1250)
    ]
    rejected += [
        {"source": "frequentation.csv", "line": 5, "reason": "nombre de repas servis négatif"}
    ]
    rejected += [
        {"source": "effectifs", "line": n, "reason": f"effectif invalide « x{n} »"}
        for n in range(2, 20)
    ]
    shown, rest = grouped_rejects(rejected, most=3)
    assert shown[0] == f"1\u202f250 lignes : {unknown} (frequentation.csv, lignes 12, 13, 14…)"
    assert shown[1] == "1 ligne : nombre de repas servis négatif (frequentation.csv, ligne 5)"
    assert shown[2] == "1 ligne : effectif invalide « x2 » (effectifs, ligne 2)"
    assert rest == "… et 17 autres motifs, 17 lignes"
    assert grouped_rejects([]) == ([], "")


def test_template_sent_back_unchanged_is_refused(http, two_communes):
    """The downloaded template, imported as is, would add a canteen « Jules Ferry » to the
    order sheets: refused, saying which rows are the examples; nothing saved."""
    login(http, "agent@ville-a.fr")
    template = http.get("/app/canteen/modele.xlsx")
    assert template.status_code == 200
    r = http.post(
        "/app/canteen/import",
        data={"csrf_token": csrf_of(http, "/app/canteen")},
        files={"fichier": ("modele.xlsx", template.content, "application/octet-stream")},
    )
    text = page_text(r)
    assert r.status_code == 422 and "Rien n'a été enregistré" in text, text
    assert "ligne d'exemple du modèle" in text and "frequentation" in text
    assert "Aucun historique" in http.get("/app/canteen").text
