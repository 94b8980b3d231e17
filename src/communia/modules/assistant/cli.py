"""``communia assistant ...``: thin adapters over the library (French output)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from communia.cli.i18n import t
from communia.core.formatting import fr_number


@click.group(
    "assistant",
    help=t(
        "Assistant d'accueil des usagers : questions, connaissances, file des agents.",
        "Citizen reception assistant: questions, knowledge, agents' queue.",
    ),
)
def assistant_cli() -> None:
    pass


@assistant_cli.command("ask", help=t("Pose une question comme un habitant.", "Ask as a citizen."))
@click.option(
    "--commune",
    "commune_slug",
    required=True,
    help=t("Identifiant de la commune.", "Commune slug."),
)
@click.option("--json", "as_json", is_flag=True, help=t("Sortie JSON.", "JSON output."))
@click.option(
    "--at",
    "at",
    default=None,
    help=t("Date-heure ISO simulée (horaires).", "Simulated ISO datetime."),
)
@click.option("--no-store", is_flag=True, help=t("Ne pas enregistrer l'échange.", "Do not store."))
@click.argument("question", required=False, default="")
def ask_cmd(
    commune_slug: str, as_json: bool, at: str | None, no_store: bool, question: str
) -> None:
    from datetime import UTC, datetime

    from communia.core.errors import InvalidInput
    from communia.modules.assistant.engine import ask

    now = None
    if at:
        try:
            now = datetime.fromisoformat(at)
        except ValueError as exc:
            raise InvalidInput(
                f"Date invalide : « {at} » (format attendu : 2026-03-02T10:00+01:00)."
            ) from exc
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
    result = ask(question, commune_slug=commune_slug, channel="cli", now=now, store=not no_store)
    if as_json:
        click.echo(json.dumps(result.public(), ensure_ascii=False))
        return
    click.echo(result.answer)
    for src in result.sources:
        click.echo(f"  [{src['id']}] {src['title']} — {src['url']}")
    click.echo(
        f"(action : {result.action}, service : {result.service or '—'}, "
        f"confiance : {fr_number(result.confidence, 2)}, {fr_number(result.elapsed_ms)} ms)"
    )


@assistant_cli.command(
    "seed-demo",
    help=t(
        "Crée la commune de démonstration et son index.", "Create the demo commune and its index."
    ),
)
@click.option("--commune", "slug", default="villebelle", show_default=True)
@click.option(
    "--fiches",
    "fiche_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help=t("Dossier de fiches DILA (JSON) à la place des fiches fournies.", "DILA fiches folder."),
)
def seed_demo_cmd(slug: str, fiche_dir: Path | None) -> None:
    from communia.core.migrate import upgrade
    from communia.modules.assistant.knowledge import seed_demo

    upgrade()
    seed_demo(slug=slug, fiche_dir=fiche_dir, actor="cli")
    click.echo(f"Commune « {slug} » prête : services, FAQ et fiches indexés.")


@assistant_cli.command(
    "import-fiches",
    help=t("Importe des fiches service-public.fr (JSON DILA).", "Import service-public.fr fiches."),
)
@click.option("--commune", "slug", required=True)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def import_fiches_cmd(slug: str, directory: Path) -> None:
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.modules.assistant.dila import read_fiche_dir
    from communia.modules.assistant.knowledge import import_fiches, reindex

    fiches = read_fiche_dir(directory)
    with write_session() as s:
        cid = commune_by_slug(s, slug).id
        counts = import_fiches(s, commune_id=cid, fiches=fiches, actor="cli")
    with click.progressbar(length=1, label="Indexation") as bar:

        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        r1, _ = reindex(commune_id=cid, progress=progress)
    click.echo(
        f"Fiches : {counts} ; passages écrits : {r1.passages_written}, "
        f"vecteurs calculés : {r1.passages_embedded}."
    )


@assistant_cli.command(
    "import-routing",
    help=t(
        "Importe des services et exemples de demandes (JSON).",
        "Import services and routing examples (JSON).",
    ),
)
@click.option("--commune", "slug", required=True)
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def import_routing_cmd(slug: str, path: Path) -> None:
    """JSON: {"services": [{slug, name, description, phone, email, hours}],
    "examples": [[slug, text]]}"""
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.core.errors import InvalidInput
    from communia.modules.assistant.knowledge import add_routing_examples, import_services, reindex

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"Fichier illisible : {path.name}.") from exc
    with write_session() as s:
        cid = commune_by_slug(s, slug).id
        import_services(s, commune_id=cid, services=data.get("services", []), actor="cli")
        n = add_routing_examples(
            s,
            commune_id=cid,
            examples=[tuple(x) for x in data.get("examples", [])],
            origin=path.name,
        )
    reindex(commune_id=cid)
    click.echo(f"{len(data.get('services', []))} services et {n} exemples importés.")


@assistant_cli.command(
    "reindex", help=t("Met l'index à jour (seulement ce qui a changé).", "Update the index.")
)
@click.option("--commune", "slug", required=True)
def reindex_cmd(slug: str) -> None:
    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session
    from communia.modules.assistant.knowledge import reindex

    with read_session() as s:
        cid = commune_by_slug(s, slug).id
    r1, r2 = reindex(commune_id=cid)
    click.echo(
        f"Connaissances : {r1.added} ajoutées, {r1.updated} modifiées, {r1.unchanged} inchangées ; "
        f"orientation : {r2.added + r2.updated} mises à jour."
    )


@assistant_cli.command(
    "queue", help=t("Questions sans réponse en attente.", "Unanswered questions.")
)
@click.option("--commune", "slug", required=True)
def queue_cmd(slug: str) -> None:
    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session
    from communia.modules.assistant.conversations import open_questions

    with read_session() as s:
        items = open_questions(s, commune_id=commune_by_slug(s, slug).id)
        for q in items:
            click.echo(f"#{q.id} [{q.reason}] {q.service_slug or '—'} : {q.question[:120]}")
        if not items:
            click.echo("Aucune question en attente.")


@assistant_cli.command(
    "answer",
    help=t(
        "Répond à une question de la file (devient une FAQ).",
        "Answer a queued question (becomes an FAQ entry).",
    ),
)
@click.option("--commune", "slug", required=True)
@click.option("--id", "question_id", type=int, required=True)
@click.option("--title", default="")
@click.option("--service", default="")
@click.argument("body")
def answer_cmd(slug: str, question_id: int, title: str, service: str, body: str) -> None:
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.modules.assistant.conversations import answer_question
    from communia.modules.assistant.knowledge import reindex

    with write_session() as s:
        cid = commune_by_slug(s, slug).id
        answer_question(
            s,
            commune_id=cid,
            question_id=question_id,
            title=title,
            body=body,
            service_slug=service,
            actor="cli",
        )
    reindex(commune_id=cid)
    click.echo("Réponse enregistrée et ajoutée à la base de connaissances.")


@assistant_cli.command(
    "book", help=t("Réserve un créneau de rappel par un service.", "Book a callback slot.")
)
@click.option("--commune", "slug", required=True)
@click.option("--service", required=True)
@click.option("--contact", required=True, help=t("Téléphone ou courriel.", "Phone or e-mail."))
def book_cmd(slug: str, service: str, contact: str) -> None:
    from communia.core.communes import commune_by_slug
    from communia.core.db import write_session
    from communia.modules.assistant.conversations import book_callback, slot_text

    with write_session() as s:
        cb = book_callback(
            s, commune_id=commune_by_slug(s, slug).id, service_slug=service, contact=contact
        )
        when = slot_text(cb.slot_start)
    click.echo(f"Rappel réservé le {when}.")


@assistant_cli.command(
    "purge",
    help=t(
        "Supprime les conversations dont la durée de conservation est passée.",
        "Delete conversations past retention.",
    ),
)
def purge_cmd() -> None:
    from communia.core.db import write_session
    from communia.modules.assistant.conversations import purge_expired

    with write_session() as s:
        n = purge_expired(s, actor="cli")
    click.echo(f"{n} conversation(s) supprimée(s).")


@assistant_cli.command(
    "dashboard", help=t("Chiffres de l'accueil sur 30 jours.", "Reception figures.")
)
@click.option("--commune", "slug", required=True)
@click.option("--days", default=30, show_default=True)
def dashboard_cmd(slug: str, days: int) -> None:
    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session
    from communia.modules.assistant.conversations import dashboard

    with read_session() as s:
        click.echo(
            json.dumps(
                dashboard(s, commune_id=commune_by_slug(s, slug).id, days=days),
                ensure_ascii=False,
                indent=2,
            )
        )


@assistant_cli.command(
    "staffing",
    help=t(
        "Simulateur d'effectifs (Erlang A / B et simulation).",
        "Staffing simulator (Erlang A/B + simulation).",
    ),
)
@click.option("--calls-per-hour", type=float, required=True)
@click.option(
    "--handle-min",
    type=float,
    required=True,
    help=t("Durée moyenne d'un appel (min).", "Mean handling time."),
)
@click.option(
    "--patience-min", type=float, required=True, help=t("Patience moyenne (min).", "Mean patience.")
)
@click.option("--agents", type=int, required=True)
@click.option(
    "--bot-rate",
    type=float,
    default=0.0,
    help=t("Part des appels résolus par l'assistant (0-1).", "Bot resolution rate."),
)
@click.option(
    "--lines", type=int, default=None, help=t("Lignes téléphoniques (Erlang B).", "Phone lines.")
)
@click.option("--simulate/--no-simulate", default=True)
def staffing_cmd(
    calls_per_hour, handle_min, patience_min, agents, bot_rate, lines, simulate
) -> None:
    from communia.modules.assistant.staffing import staffing_report

    click.echo(
        staffing_report(
            calls_per_hour=calls_per_hour,
            handle_min=handle_min,
            patience_min=patience_min,
            agents=agents,
            bot_rate=bot_rate,
            lines=lines,
            simulate=simulate,
        )
    )
