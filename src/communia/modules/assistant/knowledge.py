"""The assistant's knowledge: commune services (core table), FAQ and local pages written by
agents, imported service-public fiches, routing examples; and its search index.

Everything the assistant may cite is a ``Knowledge`` row; ``reindex`` turns the rows into
``core.search`` documents (module ``assistant``) and the services + routing examples into a
second index (module ``assistant-routing``). Re-indexing is incremental: unchanged rows are
skipped and unchanged passages keep their vectors.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from communia.core import audit
from communia.core.db import read_session, utcnow, write_session
from communia.core.errors import InvalidInput
from communia.core.formatting import fr_count
from communia.core.models import Commune, Service
from communia.core.search import Document, IndexReport, Passage, build_index
from communia.modules.assistant.dila import Fiche
from communia.modules.assistant.models import KNOWLEDGE_KINDS, Knowledge, RoutingExample
from communia.modules.assistant.routing import resolve_service, service_for_breadcrumb

__all__ = [
    "FIXTURES",
    "import_fiches",
    "upsert_entry",
    "import_services",
    "add_routing_examples",
    "reindex",
    "seed_demo",
    "knowledge_documents",
    "routing_documents",
    "due_for_review",
]

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_FICHES = FIXTURES / "demo_fiches.json"
MODULE = "assistant"
ROUTING_MODULE = "assistant-routing"
REVIEW_MONTHS = 12


def _services(session: Session, commune_id: int) -> dict[str, Service]:
    return {
        s.slug: s for s in session.scalars(select(Service).where(Service.commune_id == commune_id))
    }


def import_fiches(
    session: Session, *, commune_id: int, fiches: list[Fiche], actor: str = "systeme"
) -> dict[str, int]:
    """Insert or update fiches (kind ``fiche``, key = DILA id). A service an agent chose by
    hand for a fiche is kept across updates."""
    available = {
        slug: (svc.name, svc.description) for slug, svc in _services(session, commune_id).items()
    }
    existing = {
        k.key: k
        for k in session.scalars(
            select(Knowledge).where(Knowledge.commune_id == commune_id, Knowledge.kind == "fiche")
        )
    }
    counts = {"ajoutees": 0, "mises_a_jour": 0, "inchangees": 0}
    for f in fiches:
        data = {
            "type": f.type,
            "subject": f.subject,
            "description": f.description,
            "breadcrumb": f.breadcrumb,
            "sections": [[s.heading, s.text] for s in f.sections],
            "references": f.references,
            "where": f.where,
            "pivots": f.pivots,
        }
        row = existing.get(f.id)
        service = service_for_breadcrumb(f.breadcrumb, f.title, available)
        if row is not None and row.data.get("service_set_by_agent") and row.service_slug:
            service = row.service_slug  # an agent's choice survives updates
        if row is None:
            row = Knowledge(commune_id=commune_id, kind="fiche", key=f.id, data={})
            session.add(row)
            counts["ajoutees"] += 1
        elif row.data == data and row.title == f.title and row.service_slug == service:
            counts["inchangees"] += 1
            continue
        else:
            counts["mises_a_jour"] += 1
        row.title = f.title[:500]
        row.url = f.url
        row.body = f.description
        row.source_modified = f.modified
        row.data = data
        row.service_slug = service
        row.updated_by = actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="assistant.import_fiches",
        commune_id=commune_id,
        object_type="knowledge",
        summary=(
            f"Import de fiches service-public.fr : "
            f"{fr_count(counts['ajoutees'], 'ajoutée', 'ajoutées')}, "
            f"{fr_count(counts['mises_a_jour'], 'mise à jour', 'mises à jour')}, "
            f"{fr_count(counts['inchangees'], 'inchangée', 'inchangées')}"
        ),
        details=counts,
    )
    return counts


def upsert_entry(
    session: Session,
    *,
    commune_id: int,
    kind: str,
    key: str,
    title: str,
    body: str,
    service_slug: str = "",
    url: str = "",
    review_due: date | None = None,
    actor: str,
) -> Knowledge:
    """Create or update an FAQ entry or a local page written by an agent."""
    if kind not in KNOWLEDGE_KINDS or kind == "fiche":
        raise InvalidInput("Type de contenu invalide : « faq » ou « page » attendu.")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise InvalidInput("Le titre et le texte de la réponse sont obligatoires.")
    if len(body) > 20000:
        raise InvalidInput("Le texte dépasse 20 000 caractères : découpez-le en plusieurs pages.")
    if service_slug and service_slug not in _services(session, commune_id):
        raise InvalidInput(f"Service inconnu : « {service_slug} ».")
    row = session.scalar(
        select(Knowledge).where(
            Knowledge.commune_id == commune_id, Knowledge.kind == kind, Knowledge.key == key
        )
    )
    if row is None:
        row = Knowledge(commune_id=commune_id, kind=kind, key=key[:120], data={})
        session.add(row)
    row.title, row.body, row.url, row.service_slug = title[:500], body, url, service_slug
    row.review_due = review_due or (utcnow().date() + timedelta(days=30 * REVIEW_MONTHS))
    row.updated_by = actor
    session.flush()
    audit.record(
        session,
        actor=actor,
        action=f"assistant.{kind}.enregistre",
        commune_id=commune_id,
        object_type="knowledge",
        object_id=row.id,
        summary=f"{'FAQ' if kind == 'faq' else 'Page'} « {title[:80]} »",
    )
    return row


def import_services(
    session: Session,
    *,
    commune_id: int,
    services: list[dict[str, Any]],
    hours: dict | None = None,
    actor: str = "systeme",
) -> int:
    existing = _services(session, commune_id)
    for item in services:
        slug = item.get("slug", "").strip()
        if not slug or not item.get("name"):
            raise InvalidInput("Chaque service doit avoir un identifiant (slug) et un nom.")
        svc = existing.get(slug) or Service(commune_id=commune_id, slug=slug)
        svc.name = item["name"][:200]
        svc.description = item.get("description", "")
        svc.phone = item.get("phone", "")
        svc.email = item.get("email", "")
        svc.address = item.get("address", "")
        svc.hours = item.get("hours") or hours or {}
        session.add(svc)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="assistant.import_services",
        commune_id=commune_id,
        object_type="service",
        summary=f"{len(services)} services importés",
    )
    return len(services)


def add_routing_examples(
    session: Session,
    *,
    commune_id: int,
    examples: list[tuple[str, str]],
    origin: str,
    replace: bool = True,
) -> int:
    """Real request texts with the service that handled them: ``[(service_slug, text)]``."""
    if replace:
        session.execute(
            delete(RoutingExample).where(
                RoutingExample.commune_id == commune_id, RoutingExample.origin == origin
            )
        )
    session.add_all(
        RoutingExample(commune_id=commune_id, service_slug=slug, text=text[:2000], origin=origin)
        for slug, text in examples
        if text.strip()
    )
    session.flush()
    return len(examples)


def knowledge_documents(session: Session, commune_id: int) -> list[Document]:
    from communia.modules.assistant.settings import get_assistant_settings

    embed_sections = get_assistant_settings().embed_sections
    docs = []
    for k in session.scalars(select(Knowledge).where(Knowledge.commune_id == commune_id)):
        meta = {
            "kind": k.kind,
            "service": k.service_slug,
            "modified": (k.source_modified or k.updated_at.date()).isoformat(),
        }
        if k.kind == "fiche":
            passages = [
                Passage(text, heading, embed=embed_sections)
                for heading, text in k.data.get("sections", [])
            ]
            # the summary (title + description) always gets a vector
            passages.insert(0, Passage(k.body or k.title))
        else:
            paragraphs = [p.strip() for p in k.body.split("\n\n") if p.strip()]
            passages = [Passage(p) for p in paragraphs] or [Passage(k.title)]
        docs.append(
            Document(
                source_id=k.key if k.kind == "fiche" else f"{k.kind}:{k.key}",
                title=k.title,
                url=k.url,
                module=MODULE,
                doc_type=k.kind,
                date=k.source_modified,
                passages=passages,
                metadata=meta,
            )
        )
    return docs


def routing_documents(session: Session, commune_id: int) -> list[Document]:
    examples: dict[str, list[str]] = {}
    for ex in session.scalars(
        select(RoutingExample).where(RoutingExample.commune_id == commune_id)
    ):
        examples.setdefault(ex.service_slug, []).append(ex.text)
    docs = []
    for slug, svc in _services(session, commune_id).items():
        passages = [Passage(svc.description)] if svc.description else []
        passages += [Passage(t) for t in examples.get(slug, [])]
        if passages:
            docs.append(
                Document(
                    source_id=f"service:{slug}",
                    title=svc.name,
                    module=ROUTING_MODULE,
                    doc_type="service",
                    passages=passages,
                    metadata={"service": slug},
                )
            )
    return docs


def reindex(*, commune_id: int, embedder=None, progress=None) -> tuple[IndexReport, IndexReport]:
    """Bring the commune's assistant indexes up to date (only what changed)."""
    with read_session() as s:
        docs = knowledge_documents(s, commune_id)
        routing = routing_documents(s, commune_id)
    r1 = build_index(
        commune_id=commune_id,
        documents=docs,
        sync_module=MODULE,
        embedder=embedder,
        progress=progress,
    )
    r2 = build_index(
        commune_id=commune_id,
        documents=routing,
        sync_module=ROUTING_MODULE,
        embedder=embedder,
        progress=progress,
    )
    return r1, r2


def seed_demo(
    *,
    slug: str = "villebelle",
    fiche_dir: Path | None = None,
    embedder=None,
    actor: str = "systeme",
) -> int:
    """Create (or refresh) the demo commune with services, FAQ and the bundled fiches
    (``fixtures/demo_fiches.json``, regenerated by ``scripts/assistant_demo_fiches.py``);
    ``fiche_dir``: a directory of DILA JSON fiches instead (the benchmarks' full set)."""
    from communia.modules.assistant.dila import read_fiche_bundle, read_fiche_dir
    from communia.modules.assistant.engine import opening_text

    data = json.loads((FIXTURES / "demo_commune.json").read_text(encoding="utf-8"))
    fiches = read_fiche_dir(fiche_dir) if fiche_dir else read_fiche_bundle(DEMO_FICHES)
    with write_session() as s:
        commune = s.scalar(select(Commune).where(Commune.slug == slug))
        if commune is None:
            info = dict(data["commune"], slug=slug)
            if slug != data["commune"]["slug"]:
                info["name"] = slug.replace("-", " ").title()
            commune = Commune(**info, enabled_modules=["assistant"], settings={})
            s.add(commune)
            s.flush()
        elif "assistant" not in (commune.enabled_modules or []):
            commune.enabled_modules = [*(commune.enabled_modules or []), "assistant"]
        if not _services(s, commune.id):  # an existing commune keeps its own services
            import_services(
                s,
                commune_id=commune.id,
                services=data["services"],
                hours=data["hours"],
                actor=actor,
            )
        rows = _services(s, commune.id)
        services = {k: (v.name, v.description) for k, v in rows.items()}
        for item in data["faq"]:
            slug = resolve_service(item["service"], services)
            # The FAQ speaks of the commune it is seeded in: its name, its service's hours.
            hours = opening_text(rows[slug].hours) if slug in rows else ""
            body = item["body"].replace("{commune}", commune.name).replace("{horaires}", hours)
            upsert_entry(
                s,
                commune_id=commune.id,
                kind="faq",
                key=item["key"],
                title=item["title"],
                body=body,
                service_slug=slug,
                actor=actor,
            )
        import_fiches(s, commune_id=commune.id, fiches=fiches, actor=actor)
        cid = commune.id
    reindex(commune_id=cid, embedder=embedder)
    return cid


def due_for_review(
    session: Session, *, commune_id: int, today: date | None = None
) -> list[Knowledge]:
    today = today or utcnow().date()
    return list(
        session.scalars(
            select(Knowledge)
            .where(
                Knowledge.commune_id == commune_id,
                Knowledge.kind != "fiche",
                Knowledge.review_due <= today,
            )
            .order_by(Knowledge.review_due)
        )
    )
