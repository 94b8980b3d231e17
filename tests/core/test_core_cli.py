"""The ``communia`` command: help, exit codes, tenancy, audit verification, doctor."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner
from sqlalchemy import update

from communia.cli.main import cli
from communia.core.db import write_session
from communia.core.models import AuditEntry

HEAVY = (
    "pandas",
    "numpy",
    "sklearn",
    "lightgbm",
    "wntr",
    "spacy",
    "torch",
    "xllamacpp",
    "fastapi",
    "sqlalchemy",
)


def _run(*args, **env):
    return CliRunner().invoke(cli, list(args), env=env or None, catch_exceptions=False)


def test_help_loads_no_heavy_library():
    code = (
        "import sys; from communia.cli.main import cli;"
        "import click.testing as t; r = t.CliRunner().invoke(cli, ['--help']);"
        "assert r.exit_code == 0, r.output;"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported by --help: {out.stdout}"


def test_help_in_french_and_english():
    env = {**os.environ, "COMMUNIA_LANG": "fr"}
    fr = subprocess.run(
        [sys.executable, "-m", "communia", "--help"], capture_output=True, text=True, env=env
    )
    env["COMMUNIA_LANG"] = "en"
    en = subprocess.run(
        [sys.executable, "-m", "communia", "--help"], capture_output=True, text=True, env=env
    )
    assert "Vérifie l'installation" in fr.stdout
    assert "Check the installation" in en.stdout


def test_tenancy_cli_not_found_exit_code(two_communes):
    b_service = two_communes["b"]["service_id"]
    result = _run("communes", "service", str(b_service), "--as", "agent@ville-a.fr")
    assert result.exit_code == 4
    assert "n'appartient pas à votre commune" in result.output
    own = _run(
        "communes",
        "service",
        str(two_communes["a"]["service_id"]),
        "--as",
        "agent@ville-a.fr",
        "--json",
    )
    assert own.exit_code == 0 and json.loads(own.output)["name"] == "Urbanisme Ville-A"
    users = json.loads(_run("users", "list", "--as", "agent@ville-a.fr", "--json").output)
    assert {u["email"] for u in users} == {"admin@ville-a.fr", "agent@ville-a.fr", "elu@ville-a.fr"}


def test_unknown_user_and_bad_input_exit_codes(two_communes):
    assert _run("communes", "services", "--as", "personne@nulle-part.fr").exit_code == 3
    weak = _run(
        "users",
        "create",
        "--commune",
        "ville-a",
        "--email",
        "x@ville-a.fr",
        "--name",
        "X",
        "--role",
        "agent",
        "--password",
        "court",
    )
    assert weak.exit_code == 2 and "12 caractères" in weak.output
    unknown = _run(
        "users",
        "create",
        "--commune",
        "inconnue",
        "--email",
        "x@y.fr",
        "--name",
        "X",
        "--role",
        "agent",
        "--password",
        "Motdepasse-Solide-2026",
    )
    assert unknown.exit_code == 4


def test_audit_verify_detects_an_edited_row(two_communes):
    ok = _run("audit", "verify")
    assert ok.exit_code == 0 and "intègre" in ok.output
    with write_session() as s:
        s.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(actor="quelqu'un d'autre"))
    broken = _run("audit", "verify")
    assert broken.exit_code == 9
    assert "Ligne 2" in broken.output


def test_doctor_reports_in_french(database):
    result = _run("doctor")
    assert "Base de données joignable" in result.output
    assert "Schéma de la base à jour" in result.output
    assert result.exit_code == 0


def test_doctor_flags_unreachable_database(database, tmp_path):
    env = {**os.environ, "COMMUNIA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    out = subprocess.run(
        [sys.executable, "-m", "communia", "doctor"], capture_output=True, text=True, env=env
    )
    assert out.returncode == 1
    assert "Impossible de se connecter à la base" in out.stdout


def _serve_refused(**env: str) -> subprocess.CompletedProcess:
    """``communia serve`` with ``env``: expected to stop before binding its port."""
    return subprocess.run(
        [sys.executable, "-m", "communia", "serve", "--port", "1"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def test_production_refuses_placeholder_secret(tmp_path):
    out = _serve_refused(COMMUNIA_ENV="production", COMMUNIA_SECRET_KEY="a-changer-en-production")
    assert out.returncode == 8
    assert "Démarrage refusé en production" in out.stderr


def test_serve_on_a_database_not_yet_created_says_what_to_run(tmp_path):
    """A first ``communia serve`` before ``communia migrate`` stopped on a traceback that
    blamed a busy database; it now names the command to run."""
    out = _serve_refused(COMMUNIA_DATA_DIR=str(tmp_path), COMMUNIA_DATABASE_URL="")
    assert out.returncode == 8
    assert "lancez « communia migrate »" in out.stderr
    assert "Traceback" not in out.stderr


def test_demo_seed_is_idempotent(database):
    first = _run("demo")
    second = _run("demo")
    assert first.exit_code == second.exit_code == 0
    assert "Claire Martin — Administration" in first.output  # the role's name, not its code
    listing = json.loads(_run("communes", "list", "--json").output)
    assert [c["slug"] for c in listing] == ["saint-exemple-sur-loire"]


def test_unreachable_database_gives_french_error_and_exit_code(database):
    env = {**os.environ, "COMMUNIA_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    out = subprocess.run(
        [sys.executable, "-m", "communia", "communes", "list"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 7
    assert "base de données est momentanément indisponible" in out.stderr
    assert "Traceback" not in out.stderr
