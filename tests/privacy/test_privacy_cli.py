import json

from click.testing import CliRunner
from privacy_fixtures import *  # noqa: F403 - fixtures

from communia.core.privacy.cli import privacy_group

TEXT = "Mme Sophie Martin, 12 rue des Lilas 35000 Rennes, tél. 06 11 22 33 44.\n"


def test_scan_text_and_json(tmp_path):
    f = tmp_path / "lettre.txt"
    f.write_text(TEXT, encoding="utf-8")
    res = CliRunner().invoke(privacy_group, ["scan", str(f), "--regles-seules"])
    assert res.exit_code == 0, res.output
    assert "adresse postale" in res.output and "3 donnée(s) personnelle(s)" in res.output
    res = CliRunner().invoke(privacy_group, ["scan", "-", "--json", "--regles-seules"], input=TEXT)
    data = json.loads(res.output)
    assert data["totaux"] == {"PERSONNE": 1, "ADRESSE": 1, "TELEPHONE": 1}


def test_bad_inputs_give_french_errors(tmp_path):
    from communia.cli.main import cli

    cli.add_command(privacy_group)
    f = tmp_path / "latin1.txt"
    f.write_bytes("Hélène Dupont".encode("latin-1"))
    res = CliRunner().invoke(cli, ["privacy", "scan", str(f)])
    assert res.exit_code == 2 and "UTF-8" in res.output
    res = CliRunner().invoke(cli, ["privacy", "scan", str(tmp_path / "absent.txt")])
    assert res.exit_code == 2 and "Impossible de lire" in res.output


def test_pseudonymise_then_reidentify_through_the_cli(communes, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text(TEXT, encoding="utf-8")
    res = CliRunner().invoke(
        privacy_group,
        ["pseudonymise", str(src), "--commune", "saint-exemple", "--json", "--regles-seules"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["texte"] == "Mme Personne 1, Adresse 1, tél. Téléphone 1.\n"
    pseudo = tmp_path / "pseudo.txt"
    pseudo.write_text(data["texte"], encoding="utf-8")
    args = [
        "reidentify",
        str(pseudo),
        "--correspondance",
        data["correspondance"],
        "--commune",
        "saint-exemple",
    ]
    res = CliRunner().invoke(privacy_group, args + ["--utilisateur", "agent@saint-exemple.fr"])
    assert res.exit_code == 0, res.output
    assert res.output == TEXT
    res = CliRunner().invoke(privacy_group, args + ["--utilisateur", "elu@saint-exemple.fr"])
    assert res.exit_code != 0 and "rôle" in str(res.exception.message)
    res = CliRunner().invoke(privacy_group, args + ["--utilisateur", "agent@autreville.fr"])
    assert res.exit_code != 0


def test_pseudonymise_without_commune_warns_irreversible():
    res = CliRunner().invoke(privacy_group, ["pseudonymise", "--regles-seules"], input=TEXT)
    assert res.exit_code == 0
    assert res.stdout == "Mme Personne 1, Adresse 1, tél. Téléphone 1.\n"
    assert "pas réversible" in res.stderr


def test_scan_keeps_unaccented_headings_and_column_headers(tmp_path):
    """Typed without accents, "Numero" opens a sentence like a surname; snake_case column
    headers are identifiers. Neither is a person; the names next to them still are."""
    letter = (
        "Numero de dossier : 12345.\nMedecin du dossier : voir la piece jointe.\n"
        "Fontaine a appelé hier pour Severine.\n"
    )
    assert _persons_scanned(tmp_path, letter) == ["Fontaine", "Severine"]
    table = tmp_path / "frequentation.csv"
    table.write_text("Date;Cantine;Repas\n2017-09-04;A;120\n", encoding="utf-8")
    res = CliRunner().invoke(privacy_group, ["scan", str(table)])
    assert res.exit_code == 0 and "Aucune donnée personnelle" in res.output, res.output


def test_scan_reads_self_introductions_and_stops_names_at_form_fields(tmp_path):
    """A citizen introduces herself with a lone given name or in lower case; a name at the
    end of a line does not swallow the next line's field label (the model reads
    "Paul Martin\\nAdresse" as one person), but a name wrapped over two lines stays whole."""
    letter = (
        "Bonjour, je m'appelle Julie. je m appelle kevin moreau et j'habite ici.\n"
        "Signé : Paul Martin\nAdresse : 4 rue Haute, 44000 Nantes\n"
        "Demande transmise par M. Jean\nDupont concernant la voirie.\n"
    )
    persons = _persons_scanned(tmp_path, letter)
    assert persons == ["Julie", "kevin moreau", "Paul Martin", "Jean\nDupont"]


def _persons_scanned(tmp_path, text: str) -> list[str]:
    """The persons ``communia privacy scan --json`` finds in ``text`` saved as a file."""
    letter = tmp_path / "lettre.txt"
    letter.write_text(text, encoding="utf-8")
    res = CliRunner().invoke(privacy_group, ["scan", str(letter), "--json"])
    assert res.exit_code == 0, res.output
    return [e["text"] for e in json.loads(res.output)["entites"] if e["type"] == "PERSONNE"]


def test_verbs_and_possessives_opening_a_sentence_are_not_persons(tmp_path):
    """The model calls « Mon RIB », « Écrivez » (of « Écrivez-moi ») and « Appelez » persons
    after a full stop; a surname that looks like them (« Lopez », « Ma Long ») stays one."""
    letter = (
        "Vous pouvez me joindre à jb.lefevre@orange.fr. Mon RIB : FR76 3000 6000 0112 3456 "
        "7890 189.\nÉcrivez-moi à paul@free.fr. Mon IBAN : FR76 3000 6000 0112 3456 7890 189.\n"
        "Appelez le 06 12 34 56 78. Je joins mon dossier. Mon RIB est en pièce jointe.\n"
        "Ma Long a gagné le tournoi. Lopez a appelé hier.\n"
    )
    assert _persons_scanned(tmp_path, letter) == ["Ma Long", "Lopez"]


def test_pseudonymise_reads_a_word_document(tmp_path):
    """A DOCX goes through the documents service, as on the agents' page (it was refused as
    « binaire »), tables included."""
    from docx import Document

    doc = Document()
    doc.add_paragraph("Je soussigné Jean-Baptiste Lefèvre, joignable au 06 23 45 67 89.")
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Nom", "Téléphone"
    table.cell(1, 0).text, table.cell(1, 1).text = "Amélie Nguyen", "02 40 12 34 56"
    path = tmp_path / "courrier.docx"
    doc.save(path)
    res = CliRunner().invoke(privacy_group, ["pseudonymise", str(path)])
    assert res.exit_code == 0, res.output
    assert "Je soussigné Personne 1, joignable au Téléphone 1." in res.stdout
    assert "Personne 2 | Téléphone 2" in res.stdout
    assert "Lefèvre" not in res.stdout and "Nguyen" not in res.stdout
    from communia.cli.main import cli

    cli.add_command(privacy_group)
    broken = tmp_path / "abime.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    res = CliRunner().invoke(cli, ["privacy", "pseudonymise", str(broken)])
    assert res.exit_code == 2 and "« abime.docx » est illisible" in res.output
