"""``communia privacy scan|pseudonymise|reidentify``: thin adapters over the library.

Text comes from a file or standard input (``-``); output is French text, or JSON with
``--json``. Heavy imports (spaCy) happen inside the library, on first use.
"""

from __future__ import annotations

import json
import sys

import click

from communia.cli.i18n import t
from communia.core.errors import InvalidInput

__all__ = ["privacy_group"]


def _read(source: str, encoding: str | None) -> str:
    """A text file as text (``--encodage``); a document (PDF, DOCX, ODT, scan...) read by the
    documents service, as the agents' page does with an uploaded file."""
    from pathlib import Path

    from communia.core.privacy.pipeline import document_text, ensure_text

    if source == "-":
        raw = sys.stdin.buffer.read()
    else:
        try:
            with open(source, "rb") as fh:
                raw = fh.read()
        except OSError as exc:
            raise InvalidInput(
                f"Impossible de lire le fichier « {source} » : {exc.strerror}."
            ) from exc
    if b"\x00" in raw[:8192] or raw.lstrip()[:5] == b"%PDF-":
        return document_text(Path(source).name if source != "-" else "document", raw)
    return ensure_text(raw, encoding=encoding)


def _commune_id(session, slug: str) -> int:
    from communia.core.communes import commune_by_slug

    return commune_by_slug(session, slug).id


def _emit(text: str, output: str | None) -> None:
    """Write the result to ``--sortie`` or to standard output."""
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=not text.endswith("\n"))


def _warn(warnings: list[str]) -> None:
    for w in warnings:
        click.echo(f"Attention : {w}", err=True)


_source_arg = click.argument("source", default="-", metavar="FICHIER")
_encoding_opt = click.option(
    "--encodage",
    "encoding",
    default=None,
    help=t("Encodage du fichier (défaut : UTF-8).", "File encoding (default UTF-8)."),
)
_json_opt = click.option("--json", "as_json", is_flag=True, help=t("Sortie JSON.", "JSON output."))
_rules_opt = click.option(
    "--regles-seules",
    "rules_only",
    is_flag=True,
    help=t(
        "Sans le modèle spaCy (plus rapide, moins de noms repérés).", "Without the spaCy model."
    ),
)


@click.group(
    "privacy",
    help=t(
        "Données personnelles : repérer, pseudonymiser, ré-identifier "
        "(FICHIER ou - pour l'entrée standard).",
        "Personal data: scan, pseudonymise, re-identify (FILE or - for stdin).",
    ),
)
def privacy_group() -> None:
    pass


@privacy_group.command(
    "scan",
    help=t("Liste les données personnelles d'un texte.", "List the personal data in a text."),
)
@_source_arg
@_encoding_opt
@_json_opt
@_rules_opt
def scan_cmd(source: str, encoding: str | None, as_json: bool, rules_only: bool) -> None:
    from communia.core.privacy import LABELS, scan

    text = _read(source, encoding)
    result = scan(text, use_ner=not rules_only)
    if as_json:
        payload = {
            "modele": result.ner_model or None,
            "avertissements": result.warnings,
            "entites": [e.to_dict() for e in result.entities],
            "totaux": result.counts(),
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    _warn(result.warnings)
    if not result.entities:
        click.echo("Aucune donnée personnelle repérée.")
        return
    for e in result.entities:
        value = e.text.replace("\n", " ")
        click.echo(f"{e.start:>7}-{e.end:<7} {LABELS[e.type]:<34} {value}")
    totals = ", ".join(f"{LABELS[k]} : {v}" for k, v in sorted(result.counts().items()))
    click.echo(f"\n{len(result.entities)} donnée(s) personnelle(s) repérée(s) — {totals}.")


@privacy_group.command(
    "pseudonymise",
    help=t(
        "Remplace les données personnelles par des alias (« Personne 1 »). "
        "Avec --commune, la table "
        "de correspondance est enregistrée chiffrée et le texte reste ré-identifiable.",
        "Replace personal data by aliases; with --commune the encrypted mapping is stored.",
    ),
)
@_source_arg
@_encoding_opt
@_json_opt
@_rules_opt
@click.option(
    "--commune",
    "commune_slug",
    default=None,
    help=t("Identifiant (slug) de la commune.", "Commune slug."),
)
@click.option(
    "--correspondance",
    "mapping_id",
    default=None,
    help=t("Compléter une table existante (mêmes alias).", "Extend an existing mapping."),
)
@click.option(
    "--sortie",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help=t("Fichier de sortie.", "Output file."),
)
def pseudonymise_cmd(
    source, encoding, as_json, rules_only, commune_slug, mapping_id, output
) -> None:
    from communia.core.privacy import pseudonymise_detailed

    text = _read(source, encoding)
    if commune_slug is None:
        if mapping_id:
            raise InvalidInput("--correspondance demande aussi --commune.")
        res = pseudonymise_detailed(text, commune_id=None, session=None, use_ner=not rules_only)
    else:
        from communia.core.db import write_session

        with write_session() as session:
            commune_id = _commune_id(session, commune_slug)
            res = pseudonymise_detailed(
                text,
                commune_id=commune_id,
                session=session,
                mapping_id=mapping_id,
                actor="cli",
                use_ner=not rules_only,
            )
    if as_json:
        body = json.dumps(
            {
                "texte": res.text,
                "correspondance": res.mapping_id,
                "totaux": res.counts,
                "modele": res.ner_model or None,
                "avertissements": res.warnings,
            },
            ensure_ascii=False,
            indent=2,
        )
    else:
        body = res.text
        _warn(res.warnings)
        if res.mapping_id:
            click.echo(
                f"Table de correspondance enregistrée (chiffrée) : {res.mapping_id}", err=True
            )
        else:
            click.echo(
                "Aucune table enregistrée : cette pseudonymisation n'est pas réversible.", err=True
            )
    _emit(body, output)


@privacy_group.command(
    "reidentify",
    help=t(
        "Rétablit les données d'origine à la place des alias "
        "(personnel et administration de la commune).",
        "Restore the original values (agents and administrators only).",
    ),
)
@_source_arg
@_encoding_opt
@click.option(
    "--correspondance",
    "mapping_id",
    required=True,
    help=t("Identifiant de la table.", "Mapping id."),
)
@click.option(
    "--commune",
    "commune_slug",
    required=True,
    help=t("Identifiant (slug) de la commune.", "Commune slug."),
)
@click.option(
    "--utilisateur",
    "user_email",
    required=True,
    help=t("Adresse de l'agent qui ré-identifie.", "E-mail of the user."),
)
@click.option(
    "--sortie",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help=t("Fichier de sortie.", "Output file."),
)
def reidentify_cmd(source, encoding, mapping_id, commune_slug, user_email, output) -> None:
    from sqlalchemy import select

    from communia.core.db import write_session
    from communia.core.errors import PermissionDenied
    from communia.core.models import User
    from communia.core.privacy import reidentify

    text = _read(source, encoding)
    with write_session() as session:
        commune_id = _commune_id(session, commune_slug)
        user = session.scalar(select(User).where(User.email == user_email.strip().lower()))
        if user is None or not user.active or user.commune_id != commune_id:
            raise PermissionDenied("Utilisateur inconnu, désactivé ou d'une autre commune.")
        restored = reidentify(
            text,
            mapping_id,
            commune_id=commune_id,
            session=session,
            role=user.role,
            actor=f"cli:{user.email}",
        )
    _emit(restored, output)


@privacy_group.command(
    "purge",
    help=t(
        "Supprime les tables de correspondance plus anciennes que --jours (les textes concernés "
        "ne seront plus ré-identifiables).",
        "Delete mappings older than --jours.",
    ),
)
@click.option(
    "--commune", "commune_slug", required=True, help=t("Slug de la commune.", "Commune slug.")
)
@click.option(
    "--jours",
    "days",
    type=float,
    required=True,
    help=t("Âge minimal, en jours.", "Minimum age in days."),
)
def purge_cmd(commune_slug: str, days: float) -> None:
    from communia.core.db import write_session
    from communia.core.privacy import purge_mappings

    with write_session() as session:
        commune_id = _commune_id(session, commune_slug)
        count = purge_mappings(session, commune_id=commune_id, older_than_days=days, actor="cli")
    click.echo(f"{count} table(s) de correspondance supprimée(s).")
