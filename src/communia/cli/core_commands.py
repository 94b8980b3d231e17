"""Core commands of ``communia``: serve, migrate, demo, doctor, audit, users, communes, settings."""

from __future__ import annotations

import json
import sys

import click

from communia.cli.i18n import t

__all__ = ["register"]


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _actor(email: str):
    from communia.core.db import read_session
    from communia.core.users import actor_by_email

    with read_session() as s:
        return actor_by_email(s, email)


as_option = click.option(
    "--as",
    "as_email",
    required=True,
    envvar="COMMUNIA_USER",
    help=t(
        "Adresse du compte au nom duquel agir (ou variable COMMUNIA_USER) ; fixe la commune et les droits.",
        "E-mail of the account to act as (or COMMUNIA_USER); sets the commune and the rights.",
    ),
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help=t("Sortie JSON.", "JSON output.")
)


@click.command(
    help=t("Met à jour le schéma de la base de données.", "Upgrade the database schema.")
)
def migrate() -> None:
    from communia.core.migrate import upgrade

    upgrade()
    click.echo("Base de données à jour.")


@click.command(
    help=t(
        "Prépare la commune de démonstration Saint-Exemple-sur-Loire (idempotent).",
        "Seed the demo commune Saint-Exemple-sur-Loire (idempotent).",
    )
)
def demo() -> None:
    from communia.core.db import write_session
    from communia.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
    from communia.core.migrate import upgrade
    from communia.core.registry import load_modules
    from communia.core.users import ROLE_LABELS

    upgrade()
    with write_session() as s:
        commune = seed_demo(s)
        name, slug = commune.name, commune.slug
    for module in load_modules():
        if module.seed_demo is not None:
            module.seed_demo(slug)
    click.echo(f"Commune de démonstration prête : {name}.")
    click.echo(f"Comptes (mot de passe « {DEMO_PASSWORD} ») :")
    for email, full_name, role in DEMO_ACCOUNTS:
        click.echo(f"  {email:28} {full_name} — {ROLE_LABELS[role]}")


@click.command(help=t("Démarre le serveur web.", "Start the web server."))
@click.option("--host", default=None, help=t("Adresse d'écoute.", "Listen address."))
@click.option("--port", default=None, type=int, help=t("Port d'écoute.", "Listen port."))
@click.option(
    "--workers", default=None, type=int, help=t("Nombre de processus.", "Worker processes.")
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    import uvicorn

    from communia.core.errors import ConfigurationError
    from communia.core.migrate import pending_heads
    from communia.core.settings import get_settings
    from communia.web.app import create_app

    settings = get_settings()
    create_app(settings)  # fail fast (e.g. placeholder secret in production) before binding
    if pending_heads():  # else every page, and the worker at start, would fail on missing tables
        raise ConfigurationError(
            "La base de données n'est pas créée ou pas à jour : lancez « communia migrate » "
            "(ou « communia demo » pour la commune de démonstration), puis « communia serve »."
        )
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers
    click.echo(f"Communia est servi sur http://{host}:{port} (Ctrl+C pour arrêter).")
    uvicorn.run(
        "communia.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=True,
    )


@click.command(help=t("Vérifie l'installation et dit quoi corriger.", "Check the installation."))
def doctor() -> None:
    from communia.core.doctor import run_checks

    errors = 0
    for origin, result in run_checks():
        mark = "OK " if result.ok else ("ATTENTION" if result.optional else "ERREUR")
        click.echo(f"[{mark:^9}] {origin:10} {result.label}")
        if not result.ok:
            click.echo(f"            → {result.fix}")
            errors += 0 if result.optional else 1
    if errors:
        click.echo(f"{errors} problème(s) à corriger.", err=True)
        sys.exit(1)
    click.echo("Installation en ordre.")


@click.group(help=t("Journal d'audit infalsifiable.", "Tamper-evident audit trail."))
def audit() -> None:
    pass


@audit.command(
    "verify", help=t("Vérifie la chaîne d'empreintes du journal.", "Verify the hash chain.")
)
def audit_verify() -> None:
    from communia.core.audit import verify
    from communia.core.db import read_session

    with read_session() as s:
        report = verify(s)
    if report.ok:
        click.echo(f"Journal intègre : {report.checked} ligne(s) vérifiée(s).")
        return
    for problem in report.problems:
        click.echo(f"- {problem}", err=True)
    click.echo(f"Journal altéré : {len(report.problems)} problème(s).", err=True)
    sys.exit(9)


@audit.command(
    "list", help=t("Affiche les dernières lignes de votre commune.", "Show recent lines.")
)
@as_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@json_option
def audit_list(as_email: str, limit: int, as_json: bool) -> None:
    from sqlalchemy import select

    from communia.core.db import read_session
    from communia.core.models import AuditEntry

    actor = _actor(as_email)
    with read_session() as s:
        rows = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.commune_id == actor.commune_id)
            .order_by(AuditEntry.seq.desc())
            .limit(limit)
        ).all()
        data = [
            {
                "seq": r.seq,
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "summary": r.summary,
                "validation": r.validation_status,
                "hash": r.hash,
            }
            for r in rows
        ]
    if as_json:
        _echo_json(data)
        return
    for row in data:
        click.echo(
            f"{row['seq']:>6}  {row['at'][:19]}  {row['actor']:28} {row['summary'] or row['action']}"
        )


@click.group(
    help=t(
        "Comptes du personnel et du conseil municipal.", "Agents' and elected officials' accounts."
    )
)
def users() -> None:
    pass


@users.command("create", help=t("Crée un compte dans une commune.", "Create an account."))
@click.option(
    "--commune", "slug", required=True, help=t("Identifiant de la commune.", "Commune slug.")
)
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help=t("Nom complet.", "Full name."))
@click.option("--role", type=click.Choice(["admin", "agent", "elu"]), required=True)
@click.password_option(
    envvar="COMMUNIA_NEW_PASSWORD",
    help=t("Mot de passe (demandé s'il manque).", "Password (prompted)."),
)
def users_create(slug: str, email: str, full_name: str, role: str, password: str) -> None:
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.core.users import create_user

    with write_session() as s:
        commune = commune_by_slug(s, slug)
        user = create_user(
            s,
            commune_id=commune.id,
            email=email,
            full_name=full_name,
            role=role,
            password=password,
            by="cli",
        )
        click.echo(f"Compte créé : {user.email} ({role}) dans {commune.name}.")


@users.command(
    "list", help=t("Liste les comptes de votre commune.", "List your commune's accounts.")
)
@as_option
@json_option
def users_list(as_email: str, as_json: bool) -> None:
    from communia.core.db import read_session
    from communia.core.users import list_users

    actor = _actor(as_email)
    with read_session() as s:
        data = [
            {"id": u.id, "email": u.email, "name": u.full_name, "role": u.role, "active": u.active}
            for u in list_users(s, actor)
        ]
    if as_json:
        _echo_json(data)
        return
    for u in data:
        click.echo(
            f"{u['id']:>5}  {u['email']:32} {u['role']:6} {'actif' if u['active'] else 'désactivé'}  {u['name']}"
        )


@users.command("show", help=t("Affiche un compte de votre commune.", "Show one account."))
@click.argument("user_id", type=int)
@as_option
@json_option
def users_show(user_id: int, as_email: str, as_json: bool) -> None:
    from communia.core.db import read_session
    from communia.core.users import get_user

    actor = _actor(as_email)
    with read_session() as s:
        u = get_user(s, actor, user_id)
        data = {
            "id": u.id,
            "email": u.email,
            "name": u.full_name,
            "role": u.role,
            "active": u.active,
        }
    _echo_json(data) if as_json else click.echo(
        f"{data['name']} <{data['email']}> — {data['role']}"
    )


@users.command(
    "token",
    help=t(
        "Crée un jeton d'API pour ce compte (affiché une seule fois).",
        "Create an API token (shown once).",
    ),
)
@as_option
@click.option("--label", default="Jeton CLI", help=t("Usage du jeton.", "What it is for."))
@click.option(
    "--days",
    type=int,
    default=None,
    help=t(
        "Validité en jours (par défaut le réglage api_token_days, 90).",
        "Validity in days (default: the api_token_days setting, 90).",
    ),
)
def users_token(as_email: str, label: str, days: int | None) -> None:
    from communia.core.db import write_session
    from communia.core.formatting import fr_count
    from communia.core.users import api_token_validity, create_api_token

    actor = _actor(as_email)
    days = api_token_validity(days)
    with write_session() as s:
        token = create_api_token(s, actor, label=label, days=days)
    click.echo(token)  # alone on stdout, for scripts; what to know about it on stderr
    click.echo(
        f"Jeton « {label} » créé, valable {fr_count(days, 'jour', 'jours')} : notez-le, il ne "
        "sera plus affiché "
        "(communia users tokens liste vos jetons et leur date d'expiration).",
        err=True,
    )


def _token_row(token) -> dict:
    from communia.core.formatting import fr_datetime

    state = "révoqué" if token.revoked else "expiré" if token.expired else "actif"
    return {
        "id": token.id,
        "label": token.label,
        "created": fr_datetime(token.created_at),
        "expires": fr_datetime(token.expires_at),
        "last_used": fr_datetime(token.last_used_at) if token.last_used_at else None,
        "state": state,
    }


@users.command(
    "tokens",
    help=t(
        "Liste vos jetons d'API : usage, création, expiration, dernière utilisation.",
        "List your API tokens: label, created, expires, last used.",
    ),
)
@as_option
@json_option
def users_tokens(as_email: str, as_json: bool) -> None:
    from communia.core.db import read_session
    from communia.core.users import list_api_tokens

    actor = _actor(as_email)
    with read_session() as s:
        data = [_token_row(token) for token in list_api_tokens(s, actor)]
    if as_json:
        _echo_json(data)
        return
    if not data:
        click.echo("Aucun jeton d'API pour ce compte.")
        return
    click.echo(
        f"{'n°':>5}  {'créé le':18}  {'expire le':18}  {'dernier usage':18}  {'état':8}  usage"
    )
    for row in data:
        click.echo(
            f"{row['id']:>5}  {row['created']:18}  {row['expires']:18}  "
            f"{row['last_used'] or 'jamais':18}  {row['state']:8}  {row['label']}"
        )


@users.command(
    "revoke-token",
    help=t(
        "Révoque l'un de vos jetons d'API, par numéro (--id) ou par usage (--label).",
        "Revoke one of your API tokens, by number (--id) or label (--label).",
    ),
)
@as_option
@click.option("--id", "token_id", type=int, default=None, help=t("Numéro du jeton.", "Token id."))
@click.option("--label", default=None, help=t("Usage du jeton.", "Token label."))
def users_revoke_token(as_email: str, token_id: int | None, label: str | None) -> None:
    from communia.core.db import write_session
    from communia.core.users import revoke_api_token

    if (token_id is None) == (label is None):
        raise click.UsageError("Désignez le jeton par --id ou par --label (l'un des deux).")
    actor = _actor(as_email)
    with write_session() as s:
        token = revoke_api_token(s, actor, token_id, label=label)
        click.echo(
            f"Jeton n° {token.id} « {token.label} » révoqué : il ne donne plus accès à l'API."
        )


@click.group(help=t("Communes hébergées et leurs services.", "Hosted communes and their services."))
def communes() -> None:
    pass


@communes.command("create", help=t("Crée une commune sur cette instance.", "Create a commune."))
@click.argument("slug")
@click.option("--name", required=True, help=t("Nom officiel.", "Official name."))
@click.option("--insee", "insee_code", default="")
@click.option("--population", default=0, type=int)
def communes_create(slug: str, name: str, insee_code: str, population: int) -> None:
    from communia.core.communes import create_commune
    from communia.core.db import write_session
    from communia.core.registry import load_modules

    with write_session() as s:
        commune = create_commune(
            s,
            slug=slug,
            name=name,
            by="cli",
            insee_code=insee_code,
            population=population,
            modules=[m.name for m in load_modules()],
        )
        click.echo(f"Commune créée : {commune.name} ({commune.slug}).")


@communes.command("list", help=t("Liste les communes de l'instance.", "List communes."))
@json_option
def communes_list(as_json: bool) -> None:
    from communia.core.communes import list_communes
    from communia.core.db import read_session

    with read_session() as s:
        data = [
            {"slug": c.slug, "name": c.name, "insee": c.insee_code, "population": c.population}
            for c in list_communes(s)
        ]
    if as_json:
        _echo_json(data)
        return
    for c in data:
        click.echo(
            f"{c['slug']:32} {c['name']} ({c['insee'] or 'INSEE ?'}, {c['population']} hab.)"
        )


@communes.command("show", help=t("Profil de votre commune.", "Your commune's profile."))
@as_option
@json_option
def communes_show(as_email: str, as_json: bool) -> None:
    from communia.core.communes import PROFILE_FIELDS, get_commune
    from communia.core.db import read_session

    actor = _actor(as_email)
    with read_session() as s:
        c = get_commune(s, actor)
        data = {
            "slug": c.slug,
            **{k: getattr(c, k) for k in PROFILE_FIELDS},
            "modules": c.enabled_modules,
        }
    if as_json:
        _echo_json(data)
        return
    for key, value in data.items():
        click.echo(f"{key:15} {value}")


@communes.command("services", help=t("Liste les services de votre commune.", "List services."))
@as_option
@json_option
def communes_services(as_email: str, as_json: bool) -> None:
    from communia.core.communes import list_services
    from communia.core.db import read_session

    actor = _actor(as_email)
    with read_session() as s:
        data = [
            {"id": x.id, "name": x.name, "phone": x.phone, "email": x.email}
            for x in list_services(s, actor.commune_id)
        ]
    if as_json:
        _echo_json(data)
        return
    for x in data:
        click.echo(f"{x['id']:>5}  {x['name']:48} {x['phone']:16} {x['email']}")


@communes.command("service", help=t("Affiche un service de votre commune.", "Show one service."))
@click.argument("service_id", type=int)
@as_option
@json_option
def communes_service(service_id: int, as_email: str, as_json: bool) -> None:
    from communia.core.communes import format_hours, get_service
    from communia.core.db import read_session

    actor = _actor(as_email)
    with read_session() as s:
        x = get_service(s, actor, service_id)
        data = {
            "id": x.id,
            "name": x.name,
            "description": x.description,
            "phone": x.phone,
            "email": x.email,
            "hours": x.hours,
        }
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{data['name']}\n{data['description']}\n{data['phone']} · {data['email']}")
    click.echo(format_hours(data["hours"]))


@click.command(
    "settings-doc",
    help=t(
        "Génère la référence des réglages (docs/settings.md).", "Generate the settings reference."
    ),
)
@click.option("--output", type=click.Path(dir_okay=False), default=None)
def settings_doc(output: str | None) -> None:
    from communia.core.settings_doc import render_settings_doc

    text = render_settings_doc()
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"Référence écrite dans {output}.")
    else:
        click.echo(text, nl=False)


COMMANDS = (migrate, demo, serve, doctor, audit, users, communes, settings_doc)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
