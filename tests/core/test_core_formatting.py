from communia.core.formatting import fr_number, fr_percent


def test_french_numbers():
    assert fr_number(1234567.891, 2) == "1\u202f234\u202f567,89"
    assert fr_number(-8500) == "-8\u202f500"
    assert fr_number(None) == "—"
    assert fr_percent(0.8704) == "87,0\u00a0%"


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
