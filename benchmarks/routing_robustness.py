"""Assistant routing: width of the vote on the Paris examples (leave-one-out on the dev part,
the held-out third untouched) and stability of the routing when a description gains a topic.

    python benchmarks/assistant_bench.py setup          # once: the benchmark database
    python benchmarks/routing_robustness.py neighbours  # Paris, each train title left out
    python benchmarks/routing_robustness.py sweep       # demo commune, dev requests

``sweep`` works on a copy of the benchmark database: for each service of the demo commune
and each of ten topics unrelated to the requests, the topic is appended to the service's
description, the routing index rebuilt, and every dev request of
benchmarks/data/routing_without_fiche.csv asked again (full pipeline, `engine.ask`); a
request whose service changes is a flip. The state before each edit is measured again after
the previous one is undone (passage ids change with each rebuild).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import assistant_bench as bench  # noqa: E402 - the path above first

TOPICS = [
    "sapins de Noël",
    "médailles du travail",
    "téléassistance",
    "vidéoprotection",
    "conseil municipal des jeunes",
    "jumelage",
    "location de salles",
    "marché hebdomadaire",
    "fête de la musique",
    "navette pour les seniors",
]


def cmd_neighbours(args) -> None:
    """Right direction for each Paris train title, its own example left out of the vote."""
    bench.setup_env(args.db)
    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session
    from communia.core.search import search
    from communia.modules.assistant.engine import ROUTING_DEPTH, _vote
    from communia.modules.assistant.knowledge import ROUTING_MODULE

    train = [r for r in bench.paris_rows() if r["split"] == "train"]
    widths = [int(k) for k in args.k.split(",")]
    for embedder in (None, "none"):
        ok = dict.fromkeys(widths, 0)
        with read_session() as s:
            cid = commune_by_slug(s, bench.PARIS).id
            for r in train:
                title = r["titre_projet_gagnant"]
                hits = search(
                    s,
                    commune_id=cid,
                    query=title,
                    k=ROUTING_DEPTH,
                    module=ROUTING_MODULE,
                    embedder=embedder,
                    depth=ROUTING_DEPTH,
                )
                hits = [h for h in hits if h.text.strip() != title.strip()]
                expected = bench.slugify(r["direction_pilote_projet"])
                for k in widths:
                    ok[k] += _vote(hits[:k]) == expected
        cells = ", ".join(f"{k} : {ok[k] / len(train):.1%} ({ok[k]})" for k in widths)
        print(f"{embedder or 'hybride'} ({len(train)} titres) — {cells}")


def cmd_sweep(args) -> None:
    source = bench.WORK / "assistant.db"
    copy = Path(args.copy)
    shutil.copy(source, copy)
    bench.setup_env(f"sqlite:///{copy}")
    from sqlalchemy import select

    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session, write_session
    from communia.core.demo import DEMO_SLUG
    from communia.core.models import Service
    from communia.core.search import analyze
    from communia.modules.assistant.knowledge import reindex

    rows = bench.routing_rows(DEMO_SLUG, "dev")
    texts = [r["request"] for r in rows]
    with read_session() as s:
        cid = commune_by_slug(s, DEMO_SLUG).id
        slugs = sorted(x.slug for x in s.scalars(select(Service).where(Service.commune_id == cid)))

    def route() -> list[str | None]:
        return [a.service_slug for a in bench.answers(texts, DEMO_SLUG, args.embedder)]

    def describe(slug: str, description: str) -> None:
        with write_session() as s:
            svc = s.scalar(select(Service).where(Service.commune_id == cid, Service.slug == slug))
            svc.description = description
        reindex(commune_id=cid)

    with read_session() as s:
        descriptions = {
            x.slug: x.description
            for x in s.scalars(select(Service).where(Service.commune_id == cid))
        }

    flips, pairs = [], 0
    for slug in slugs:
        for topic in TOPICS:
            before = route()
            describe(slug, f"{descriptions[slug].rstrip('. ')}, {topic}.")
            after = route()
            describe(slug, descriptions[slug])
            words = set(analyze(topic))
            for text, a, b in zip(texts, before, after, strict=True):
                if words & set(analyze(text)):
                    continue  # a request about the added topic may move
                pairs += 1
                if a != b:
                    flips.append(f"+ « {topic} » ({slug}) : {text} : {a} → {b}")
    print(f"{len(flips)} changement(s) sur {pairs} couples (demande, ajout) — {DEMO_SLUG}, dev")
    for line in flips:
        print(f"- {line}")
    copy.unlink()


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("cmd", choices=["neighbours", "sweep"])
    p.add_argument("--db", default=None)
    p.add_argument("--k", default="10,20,30,40", help="neighbours : largeurs du vote")
    p.add_argument("--embedder", default=None, help="sweep : none pour BM25 seul")
    p.add_argument("--copy", default="/tmp/communia-routing-sweep.db", help="sweep : copie")
    args = p.parse_args()
    if not bench.SHARED.is_dir():
        sys.exit(f"Données absentes : {bench.SHARED}")
    {"neighbours": cmd_neighbours, "sweep": cmd_sweep}[args.cmd](args)


if __name__ == "__main__":
    main()
