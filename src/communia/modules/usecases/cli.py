"""``communia usecases ...``: search, export, import and federate the use-case catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import click

from communia.cli.i18n import t

__all__ = ["group"]


@click.group(
    name="usecases", help=t("Bibliothèque des cas d'usage de l'IA.", "Library of AI use cases.")
)
def group() -> None:
    pass


@group.command(
    "search", help=t("Recherche dans le catalogue public.", "Search the public catalogue.")
)
@click.argument("query", default="")
@click.option("--json", "as_json", is_flag=True)
def search_cmd(query: str, as_json: bool) -> None:
    from communia.core.db import read_session
    from communia.modules.usecases import service

    with read_session() as s:
        cases = service.search(s, None, query=query)
        data = service.export_json(cases)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for case in data["usecases"]:
        click.echo(f"- {case['title']} ({case['organisation']}) — {case['results']}")


@group.command(
    "export", help=t("Exporte le catalogue public (JSON ou CSV).", "Export the catalogue.")
)
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
def export_cmd(output: Path) -> None:
    from communia.core.db import read_session
    from communia.modules.usecases import service

    with read_session() as s:
        cases = service.search(s, None, limit=100_000)
        if output.suffix.lower() == ".csv":
            output.write_text(service.export_csv(cases), encoding="utf-8")
        else:
            output.write_text(
                json.dumps(service.export_json(cases), ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
    click.echo(f"{len(cases)} cas d'usage exportés dans {output}.")


@group.command("import", help=t("Importe un fichier JSON ou CSV (tout ou rien).", "Import a file."))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_cmd(path: Path) -> None:
    from communia.core.db import write_session
    from communia.modules.usecases import service

    records = service.parse_import(path.read_bytes(), filename=path.name)
    with write_session() as s:
        report = service.import_records(s, records, source=f"fichier {path.name}", by="cli")
    click.echo(f"Import terminé : {service.import_summary(report)}.")


@group.command(
    "pull",
    help=t(
        "Récupère le catalogue public d'une autre instance.", "Pull another instance's catalogue."
    ),
)
@click.argument("url")
def pull_cmd(url: str) -> None:
    from communia.core.db import write_session
    from communia.modules.usecases import service

    with write_session() as s:
        report = service.pull(s, url, by="cli")
    click.echo(f"Catalogue de {url} : {service.import_summary(report)}.")
