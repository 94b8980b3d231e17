from communia.core.formatting import fr_number, fr_percent


def test_french_numbers():
    assert fr_number(1234567.891, 2) == "1\u202f234\u202f567,89"
    assert fr_number(-8500) == "-8\u202f500"
    assert fr_number(None) == "—"
    assert fr_percent(0.8704) == "87,0\u00a0%"


def test_french_dates():
    import datetime as dt

    from communia.core.formatting import fr_date

    assert fr_date("2020-07-01") == "1er juillet 2020"
    assert fr_date(dt.datetime(2026, 11, 26, 9, 30)) == "26 novembre 2026"
    assert fr_date(dt.date(2026, 8, 15)) == "15 août 2026"
    assert fr_date("") == "" and fr_date("bientôt") == "bientôt"


def test_french_clock_times_and_opening_hours():
    from communia.core.formatting import fr_time
    from communia.core.speech.spoken import speakable
    from communia.modules.assistant.engine import opening_text

    assert (fr_time(8, 30), fr_time(12), fr_time(17, 5)) == ("8 h 30", "12 h", "17 h 05")
    town_hall = [["08:30", "12:00"], ["13:30", "17:00"]]
    hours = {d: town_hall for d in ("lundi", "mardi", "mercredi", "jeudi")}
    hours |= {"vendredi": [["08:30", "12:00"]], "samedi": [["09:00", "12:00"]]}
    text = opening_text(hours)
    assert text == (
        "du lundi au jeudi de 8 h 30 à 12 h et de 13 h 30 à 17 h ; "
        "vendredi de 8 h 30 à 12 h ; samedi de 9 h à 12 h"
    )
    assert opening_text({"lundi": town_hall, "mercredi": town_hall}).startswith("lundi de")
    assert opening_text({"mardi": town_hall, "mercredi": town_hall}).startswith("mardi et mercredi")
    assert "de 8 heures 30 à 12 heures" in speakable(text)  # the phone reads the same text
    assert opening_text({}) == "horaires non renseignés"


def test_csv_decimal_has_no_grouping():
    from communia.core.formatting import fr_decimal

    assert fr_decimal(1234.56, 1) == "1234,6"


def test_automatic_actors_are_named_for_people():
    from communia.web.rendering import _templates

    env = _templates().env
    rendered = env.from_string(
        "{{ 'systeme' | acteur }} / {{ 'agent@ville-a.fr' | acteur }}"
    ).render()
    assert rendered == "Communia (automatique) / agent@ville-a.fr"


def test_french_typography_in_page_text_only():
    from communia.core.formatting import fr_typography

    page = (
        '<p title="Note : x">Une question ? « Oui » : 95 % ; bien !</p>'
        "<textarea>tel : 06</textarea><script>a ? b : c</script><code>x : y</code>"
        "<p>08:30 http://a.fr</p>"
    )
    assert fr_typography(page) == (
        '<p title="Note : x">Une question\u00a0? «\u00a0Oui\u00a0»\u00a0: 95\u00a0%\u00a0; '
        "bien\u00a0!</p><textarea>tel : 06</textarea><script>a ? b : c</script>"
        "<code>x : y</code><p>08:30 http://a.fr</p>"
    )


def test_pages_use_no_break_spaces(http, two_communes):
    """A rendered page (template text and values) never lets « : » or « ? » start a line."""
    import re

    page = http.get("/c/ville-a/assistant").text
    text = re.sub(r"<(script|style|textarea)\b.*?</\1>|<[^>]*>", "", page, flags=re.S)
    assert "\u00a0?" in text and "\u00a0:" in text
    assert not re.search(r"\w [:;?!»]", text)


def test_chart_axes_round_values_and_french_days():
    from communia.core.charts import axis_ticks, date_labels, tick_label
    from communia.core.formatting import fr_date

    assert fr_date("2017-09-04", year=False, short=True) == "4 sept."
    assert fr_date("2018-02-01", short=True) == "1er févr. 2018"
    assert axis_ticks(1127, 1782) == ([1000, 1200, 1400, 1600, 1800], 0)
    ticks, decimals = axis_ticks(0.1, 0.9)
    assert (ticks[0], ticks[-1], decimals) == (0.0, 1.0, 1) and tick_label(0.2, 1) == "0,2"
    assert axis_ticks(5, 5)[0][0] <= 5 < axis_ticks(5, 5)[0][-1]  # a flat series still has a scale
    days = ["2017-12-18", "2017-12-19", "2017-12-20", "2018-01-08", "2018-01-09"]
    assert date_labels(days, 3) == [(0, "18 déc. 2017"), (2, "20 déc."), (4, "9 janv. 2018")]


def test_fr_count_agrees_from_two():
    from communia.core.formatting import fr_count

    assert fr_count(0, "alerte", "alertes") == "0 alerte"
    assert fr_count(1, "alerte", "alertes") == "1 alerte"
    assert fr_count(2, "alerte", "alertes") == "2 alertes"
    assert fr_count(1234, "alerte", "alertes") == "1\u202f234 alertes"


def test_pdf_table_repeats_its_header_numbers_its_pages_and_aligns_numbers():
    """A long table on a French PDF: each page begins with the header and ends with « page
    n sur N » and the footer; a number's last digit sits at its column's right edge."""
    import pypdfium2

    from communia.core.formatting import fr_number, french_pdf, pdf_table

    pdf = french_pdf(title="Essai", footer="Ville-A — essai")
    pdf.add_page()
    rows = [(f"cantine {i}", fr_number(100 + i)) for i in range(120)]
    pdf_table(pdf, (40, 40), ("Nom", "Repas"), rows)
    doc = pypdfium2.PdfDocument(bytes(pdf.output()))
    assert len(doc) > 1
    for number, page in enumerate(doc, start=1):
        text = " ".join(page.get_textpage().get_text_range().split())
        assert text.startswith("Nom Repas cantine"), text[:40]
        assert text.endswith(f"Ville-A — essai page {number} sur {len(doc)}"), text[-60:]
    textpage = doc[0].get_textpage()
    last_digit = textpage.get_text_range().index("100") + 2  # « cantine 0 100 »
    right_mm = textpage.get_charbox(last_digit)[2] / 72 * 25.4
    assert abs(right_mm - (pdf.l_margin + 80)) < 3, right_mm
