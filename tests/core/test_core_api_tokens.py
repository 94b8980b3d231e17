"""API tokens have an end: expiry (setting, CLI, web), the French 401 once expired, their last
use, and the CLI that lists and revokes them, every action in the audit trail."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import bindparam, inspect, select, text, update

from communia.cli.main import cli
from communia.core.db import UTCDateTime, read_session, utcnow, write_session
from communia.core.errors import InvalidInput
from communia.core.formatting import fr_datetime
from communia.core.models import ApiToken, AuditEntry
from communia.core.users import actor_by_email, create_api_token
from communia_testing import csrf_of, login


def _token(email: str, **kwargs) -> str:
    with read_session() as s:
        actor = actor_by_email(s, email)
    with write_session() as s:
        return create_api_token(s, actor, label=kwargs.pop("label", "test"), **kwargs)


def _row(label: str) -> ApiToken:
    with read_session() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.label == label)).one()
        s.expunge(row)
        return row


def _run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_a_token_lasts_the_setting_or_the_days_asked(two_communes, monkeypatch):
    from communia.core.settings import reset_settings

    _token("agent@ville-a.fr", label="défaut")
    _token("agent@ville-a.fr", label="court", days=7)
    monkeypatch.setenv("COMMUNIA_API_TOKEN_DAYS", "30")
    reset_settings()
    try:
        _token("agent@ville-a.fr", label="réglage")
    finally:
        monkeypatch.delenv("COMMUNIA_API_TOKEN_DAYS")
        reset_settings()
    for label, days in (("défaut", 90), ("court", 7), ("réglage", 30)):
        row = _row(label)
        assert abs(row.expires_at - row.created_at - timedelta(days=days)) < timedelta(seconds=5)
        assert row.last_used_at is None and not row.expired
    for days in (0, -3, 3651):
        with pytest.raises(InvalidInput, match="Durée de validité invalide"):
            _token("agent@ville-a.fr", days=days)


def test_an_expired_token_gets_a_clear_french_401(http, two_communes):
    token = _token("agent@ville-a.fr", label="Tableau de bord voirie", days=1)
    headers = {"Authorization": f"Bearer {token}"}
    assert http.get("/api/v1/me", headers=headers).status_code == 200
    with write_session() as s:
        s.execute(
            update(ApiToken)
            .where(ApiToken.label == "Tableau de bord voirie")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    for method, path in (("GET", "/api/v1/me"), ("POST", "/api/v1/services")):
        r = http.request(method, path, headers=headers, json={"name": "Culture"})
        assert r.status_code == 401, r.text
        body = r.json()
        assert body["error"] == "authentification_requise"
        assert body["message"].startswith(
            "Jeton d'API « Tableau de bord voirie » expiré depuis le "
        )
        assert "créez-en un nouveau" in body["message"]
    # an unknown token keeps its own message
    r = http.get("/api/v1/me", headers={"Authorization": "Bearer faux"})
    assert r.status_code == 401 and r.json()["message"] == "Jeton d'API invalide ou révoqué."


def test_the_last_use_is_noted_at_most_once_an_hour(http, two_communes):
    headers = {"Authorization": f"Bearer {_token('agent@ville-a.fr', label='outil')}"}
    assert http.get("/api/v1/me", headers=headers).status_code == 200
    first = _row("outil").last_used_at
    assert first is not None and utcnow() - first < timedelta(minutes=1)
    assert http.get("/api/v1/me", headers=headers).status_code == 200
    assert _row("outil").last_used_at == first  # no write on every call
    with write_session() as s:
        s.execute(
            update(ApiToken)
            .where(ApiToken.label == "outil")
            .values(last_used_at=utcnow() - timedelta(hours=2))
        )
    assert http.get("/api/v1/me", headers=headers).status_code == 200
    assert _row("outil").last_used_at > first


def test_the_account_page_shows_expiry_and_last_use(http, two_communes):
    login(http, "agent@ville-a.fr")
    page = http.post(
        "/app/compte/jeton",
        data={"csrf_token": csrf_of(http, "/app/compte"), "label": "Script SIG", "jours": "7"},
    )
    assert page.status_code == 200
    token = re.search(r'<code class="token">([^<]+)</code>', page.text).group(1)
    row = _row("Script SIG")
    assert abs(row.expires_at - row.created_at - timedelta(days=7)) < timedelta(seconds=5)
    http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    listing = http.get("/app/compte").text
    assert "Expire le" in listing and "Dernière utilisation" in listing
    assert 'name="jours" type="number" min="1" max="3650" value="90"' in listing
    cells = re.search(r"<tr><td>Script SIG</td>(.*?)</tr>", listing, re.DOTALL).group(1)
    assert fr_datetime(row.expires_at) in cells and "jamais" not in cells and "actif" in cells
    with write_session() as s:
        s.execute(
            update(ApiToken)
            .where(ApiToken.label == "Script SIG")
            .values(expires_at=utcnow() - timedelta(days=1))
        )
    listing = http.get("/app/compte").text
    cells = re.search(r"<tr><td>Script SIG</td>(.*?)</tr>", listing, re.DOTALL).group(1)
    assert "expiré" in cells and "Révoquer" not in cells
    r = http.post(
        "/app/compte/jeton",
        data={"csrf_token": csrf_of(http, "/app/compte"), "label": "x", "jours": "sept"},
    )
    assert r.status_code == 422 and "Durée de validité invalide" in r.text


def test_cli_creates_lists_and_revokes_tokens_with_an_audit_trail(two_communes):
    made = _run(
        "users", "token", "--as", "agent@ville-a.fr", "--label", "Export SIG", "--days", "7"
    )
    assert made.exit_code == 0, made.output
    token = made.stdout.strip()
    assert re.fullmatch(r"\S{20,}", token)  # the token alone on stdout, for scripts
    assert "Jeton « Export SIG » créé, valable 7 jours" in made.stderr
    one_day = _run("users", "token", "--as", "agent@ville-a.fr", "--label", "Double", "--days", "1")
    assert "valable 1 jour :" in one_day.stderr  # not « 1 jours »
    _run("users", "token", "--as", "agent@ville-a.fr", "--label", "Double")
    _token("agent@ville-b.fr", label="Export SIG")  # another commune's, never listed nor revoked

    listing = _run("users", "tokens", "--as", "agent@ville-a.fr")
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[0].split() == [
        "n°",
        "créé",
        "le",
        "expire",
        "le",
        "dernier",
        "usage",
        "état",
        "usage",
    ]
    assert len(lines) == 4 and all("jamais" in line and "actif" in line for line in lines[1:])
    data = json.loads(_run("users", "tokens", "--as", "agent@ville-a.fr", "--json").output)
    assert [d["label"] for d in data] == ["Double", "Double", "Export SIG"]
    export = data[2]
    assert set(export) == {"id", "label", "created", "expires", "last_used", "state"}
    assert export["last_used"] is None and export["state"] == "actif"
    assert export["expires"] == fr_datetime(_row_of("agent@ville-a.fr", "Export SIG").expires_at)

    # by label, by number; an ambiguous label, another's token, nothing named: refused
    done = _run("users", "revoke-token", "--as", "agent@ville-a.fr", "--label", "Export SIG")
    assert done.exit_code == 0 and "« Export SIG » révoqué" in done.output
    twice = CliRunner().invoke(
        cli, ["users", "revoke-token", "--as", "agent@ville-a.fr", "--label", "Double"]
    )
    assert twice.exit_code == 5 and "désignez-le par son numéro" in twice.output
    other = _row_of("agent@ville-b.fr", "Export SIG").id
    refused = CliRunner().invoke(
        cli, ["users", "revoke-token", "--as", "agent@ville-a.fr", "--id", str(other)]
    )
    assert refused.exit_code == 4 and not _row_of("agent@ville-b.fr", "Export SIG").revoked
    neither = CliRunner().invoke(cli, ["users", "revoke-token", "--as", "agent@ville-a.fr"])
    assert neither.exit_code == 2 and "--id ou par --label" in neither.output
    first_double = data[0]["id"]
    done = _run("users", "revoke-token", "--as", "agent@ville-a.fr", "--id", str(first_double))
    assert done.exit_code == 0
    states = {
        d["id"]: d["state"]
        for d in json.loads(_run("users", "tokens", "--as", "agent@ville-a.fr", "--json").output)
    }
    assert sorted(states.values()) == ["actif", "révoqué", "révoqué"]

    with read_session() as s:
        trail = s.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.summary)
            .where(AuditEntry.action.like("api_token.%"))
            .order_by(AuditEntry.seq)
        ).all()
    mine = [(a, summary) for a, who, summary in trail if who == "agent@ville-a.fr"]
    assert [a for a, _ in mine] == ["api_token.create"] * 3 + ["api_token.revoke"] * 2
    assert re.fullmatch(
        r"Jeton d'API créé : Export SIG \(valable jusqu'au \d+ \w+ \d{4}\)", mine[0][1]
    )
    assert mine[3][1] == "Jeton d'API révoqué : Export SIG"


def _row_of(email: str, label: str) -> ApiToken:
    with read_session() as s:
        actor = actor_by_email(s, email)
        row = s.scalars(
            select(ApiToken).where(ApiToken.user_id == actor.user_id, ApiToken.label == label)
        ).one()
        s.expunge(row)
        return row


def test_tokens_made_before_the_expiry_get_ninety_days_from_the_upgrade(database, two_communes):
    """core_0002 on a database holding a token of the old schema (no expiry): the token stays
    valid, for 90 days from the upgrade, and has never been used."""
    from alembic import command

    from communia.core.migrate import alembic_config

    with read_session() as s:
        user_id = actor_by_email(s, "agent@ville-a.fr").user_id
    config = alembic_config()
    command.downgrade(config, "core_0001")
    try:
        with database.begin() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("api_tokens")}
            assert "expires_at" not in columns and "last_used_at" not in columns
            insert = text(
                "INSERT INTO api_tokens (token_hash, user_id, label, created_at, revoked) "
                "VALUES ('ancien', :u, 'Ancien outil', :at, :no)"
            ).bindparams(bindparam("at", type_=UTCDateTime()))
            conn.execute(insert, {"u": user_id, "at": utcnow() - timedelta(days=400), "no": False})
    finally:
        command.upgrade(config, "heads")
    row = _row("Ancien outil")
    assert abs(row.expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=2)
    assert row.last_used_at is None and not row.expired
    # and the table the revision leaves is the model's
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from communia.core.db import Base

    with database.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert [d for d in compare_metadata(ctx, Base.metadata) if "api_tokens" in repr(d)] == []
