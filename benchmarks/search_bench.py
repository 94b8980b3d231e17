# ruff: noqa: E501, SIM905 - a benchmark script with long table lines
"""Search benchmark: retrieval quality (recall@5, MRR@10) of hybrid vs BM25 alone on French
questions built from the service-public.fr fiches, and index build time / p95 query latency
at 10k and 100k passages.

    python benchmarks/search_bench.py quality            # labelled set + quality table
    python benchmarks/search_bench.py scale --sizes 10000 100000 [--db URL]

The labelled set is rebuilt reproducibly from ../shared/data/accueil (see ``build_questions``)
and written to benchmarks/data/search_questions.csv for inspection.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "accueil" / "service_public"
WORK = ROOT / "var" / "bench-search"
sys.path.insert(0, str(ROOT / "src"))

GENERIC = """comment quand où qui quoi quel quelle quels quelles faire demande demander obtenir
concerné concernés agit adresser faut doit passe procéder démarche démarches coût combien durée
délai peut on il elle est""".split()


def setup_db(url: str | None, name: str) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    os.environ["COMMUNIA_DATA_DIR"] = str(WORK)
    os.environ.setdefault("COMMUNIA_SECRET_KEY", "bench-secret-not-a-placeholder")
    os.environ["COMMUNIA_DATABASE_URL"] = url or f"sqlite:///{WORK / name}"
    from communia.core import db
    from communia.core.migrate import upgrade
    from communia.core.settings import reset_settings

    reset_settings()
    db.reset_engine()
    upgrade()


def commune_id(slug: str) -> int:
    from sqlalchemy import select

    from communia.core.db import write_session
    from communia.core.models import Commune

    with write_session() as s:
        c = s.scalar(select(Commune).where(Commune.slug == slug))
        if c is None:
            c = Commune(slug=slug, name=slug)
            s.add(c)
            s.flush()
        return c.id


def load_fiches():
    from communia.modules.assistant.dila import read_fiche_dir

    return read_fiche_dir(SHARED / "particuliers")


def build_questions(fiches) -> list[dict]:
    """Labelled set: (question, relevant fiche ids, kind). Deterministic."""
    from communia.core.search import analyze

    generic = set(analyze(" ".join(GENERIC)))
    rows = []
    for f in fiches:
        kind = "qr_title" if f.type == "Question-réponse" else "fiche_title"
        rows.append({"question": f.title, "fiches": [f.id], "kind": kind})
    by_heading: dict[str, set[str]] = {}
    for f in fiches:
        for s in f.sections:
            last = s.heading.split("›")[-1].strip()
            if last.endswith("?"):
                by_heading.setdefault(last.replace("\xa0", " "), set()).add(f.id)
    for heading, ids in sorted(by_heading.items()):
        content = [t for t in analyze(heading) if t not in generic]
        if len(content) >= 2 and len(ids) <= 3:
            rows.append({"question": heading, "fiches": sorted(ids), "kind": "heading_question"})
    with open(ROOT / "benchmarks" / "data" / "citizen_paraphrases.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows.append(
                {"question": r["question"], "fiches": r["fiches"].split(), "kind": "paraphrase"}
            )
    return rows


def bench_documents(fiches):
    """Body passages only: the fiche title, description and headings are NOT indexed, so a
    question cannot be answered by matching the title it was taken from."""
    from communia.core.search import Document, Passage

    return [
        Document(
            source_id=f.id,
            title="",
            module="bench",
            doc_type=f.type,
            passages=[Passage(s.text) for s in f.sections],
        )
        for f in fiches
    ]


def evaluate(cid, questions, modes=("bm25", "vector", "hybrid")):
    from communia.core.db import read_session
    from communia.core.search import search

    results = {}
    for mode in modes:
        per_kind: dict[str, list[tuple[float, float]]] = {}
        times = []
        with read_session() as s:
            search(s, commune_id=cid, query="échauffement", mode=mode)  # load caches/model
            for q in questions:
                t0 = time.perf_counter()
                hits = search(
                    s, commune_id=cid, query=q["question"], k=10, mode=mode, one_per_document=True
                )
                times.append(time.perf_counter() - t0)
                ranked = [h.source_id for h in hits]
                rel = set(q["fiches"])
                r5 = 1.0 if rel & set(ranked[:5]) else 0.0
                rr = next((1.0 / i for i, sid in enumerate(ranked, 1) if sid in rel), 0.0)
                per_kind.setdefault(q["kind"], []).append((r5, rr))
                per_kind.setdefault("all", []).append((r5, rr))
        results[mode] = {
            kind: (statistics.mean(a for a, _ in v), statistics.mean(b for _, b in v), len(v))
            for kind, v in per_kind.items()
        }
        results[mode]["_p95_ms"] = sorted(times)[int(0.95 * (len(times) - 1))] * 1000
    return results


def cmd_quality(args):
    setup_db(args.db, "quality.db")
    fiches = load_fiches()
    questions = build_questions(fiches)
    out = ROOT / "benchmarks" / "data" / "search_questions.csv"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["question", "fiches", "kind"])
        for q in questions:
            w.writerow([q["question"], " ".join(q["fiches"]), q["kind"]])
    from communia.core.search import build_index

    cid = commune_id("bench-quality")
    t0 = time.perf_counter()
    report = build_index(
        commune_id=cid,
        documents=bench_documents(fiches),
        sync_module="bench",
        embedder=args.embedder,
    )
    dt = time.perf_counter() - t0
    print(f"Corpus : {len(fiches)} fiches ; index : {report}")
    if report.passages_embedded:
        print(
            f"Plongements : {report.passages_embedded} passages en {dt:.0f} s "
            f"= {report.passages_embedded / dt:.1f} passages/s"
        )
    kinds = {}
    for q in questions:
        kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
    print(f"Questions : {len(questions)} {kinds} -> {out.relative_to(ROOT)}")
    res = evaluate(cid, questions)
    print(
        "\n| jeu | n | BM25 R@5 | BM25 MRR | vecteurs R@5 | vecteurs MRR | hybride R@5 | hybride MRR |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for kind in ["all", "qr_title", "heading_question", "paraphrase", "fiche_title"]:
        if kind not in res["bm25"]:
            continue
        n = res["bm25"][kind][2]
        cells = []
        for mode in ("bm25", "vector", "hybrid"):
            r5, mrr, _ = res[mode][kind]
            cells += [f"{r5:.3f}", f"{mrr:.3f}"]
        print(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    q_only = [q for q in questions if q["kind"] != "fiche_title"]
    res_q = evaluate(cid, q_only)
    cells = []
    for mode in ("bm25", "vector", "hybrid"):
        r5, mrr, _ = res_q[mode]["all"]
        cells += [f"{r5:.3f}", f"{mrr:.3f}"]
    print(f"| questions seules | {len(q_only)} | " + " | ".join(cells) + " |")
    print(
        "\nLatence p95 sur ce corpus (ms) : "
        + ", ".join(f"{m} {res[m]['_p95_ms']:.0f}" for m in ("bm25", "vector", "hybrid"))
    )


def cmd_scale(args):
    import numpy as np

    from communia.core.db import read_session, write_session
    from communia.core.search import Document, Passage, index_documents, search
    from communia.core.search.embeddings import get_embedder
    from communia.core.search.models import SearchPassage

    fiches = load_fiches()
    sentences = sorted(
        {
            s.strip()
            for f in fiches
            for sec in f.sections
            for s in sec.text.replace("\n", ". ").split(". ")
            if len(s.split()) >= 4
        }
    )
    questions = [q["question"] for q in build_questions(fiches) if q["kind"] != "fiche_title"]
    model = get_embedder(args.embedder)
    print(
        f"Phrases réelles disponibles : {len(sentences)} ; embedder : {model.name if model else 'aucun'}"
    )
    print("Latences en ms : temps réel (temps CPU du processus entre parenthèses).")
    print(
        "| base | passages | écriture BM25 (s) | vecteurs (s) | 1re requête (s) "
        "| p50 BM25 | p95 BM25 | p50 hybride | p95 hybride | charge machine |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        setup_db(args.db, f"scale_{size}.db")
        from communia.core.search import clear_cache

        clear_cache()
        cid = commune_id(f"scale-{size}")
        rng = random.Random(size)
        docs = []
        for d in range(size // 10):
            passages = [
                Passage(" ".join(rng.sample(sentences, rng.randint(3, 6)))) for _ in range(10)
            ]
            docs.append(Document(source_id=f"D{d}", title="", module="bench", passages=passages))
        t0, c0 = time.perf_counter(), time.process_time()
        for start in range(0, len(docs), 1000):
            with write_session() as s:
                index_documents(s, commune_id=cid, documents=docs[start : start + 1000])
        t_bm25 = time.perf_counter() - t0
        c_bm25 = time.process_time() - c0
        # Vectors: random unit vectors of the model's dimension, written as the real code stores
        # them (the cost of storing and scoring does not depend on the values; the real model's
        # throughput is reported by the quality run).
        vrng = np.random.default_rng(size)
        dim = model.dim if model else 384
        name = model.name if model else "none"
        t0 = time.perf_counter()
        with read_session() as s:
            from sqlalchemy import select

            ids = s.scalars(select(SearchPassage.id).where(SearchPassage.commune_id == cid)).all()
        from sqlalchemy import update

        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            vecs = vrng.standard_normal((len(chunk), dim)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            with write_session() as s:
                s.connection().execute(
                    update(SearchPassage)
                    .where(SearchPassage.id == __import__("sqlalchemy").bindparam("pid"))
                    .values(
                        embedding=__import__("sqlalchemy").bindparam("emb"), embedding_model=name
                    ),
                    [{"pid": i, "emb": v.tobytes()} for i, v in zip(chunk, vecs, strict=True)],
                )
        with write_session() as s:
            from communia.core.search.index import _bump_generation

            _bump_generation(s, cid)
        t_vec = time.perf_counter() - t0
        lat = {"bm25": [], "hybrid": []}
        cpu = {"bm25": [], "hybrid": []}
        with read_session() as s:
            t0 = time.perf_counter()
            search(s, commune_id=cid, query="inscription liste électorale", embedder=model)
            t_first = time.perf_counter() - t0
            for q in questions[:200]:
                for mode in ("bm25", "hybrid"):
                    t0, c0 = time.perf_counter(), time.process_time()
                    search(s, commune_id=cid, query=q, k=10, mode=mode, embedder=model)
                    lat[mode].append((time.perf_counter() - t0) * 1000)
                    cpu[mode].append((time.process_time() - c0) * 1000)

        def pct(v, p):
            return sorted(v)[int(p * (len(v) - 1))]

        backend = "PostgreSQL" if (args.db or "").startswith("postgres") else "SQLite"
        cells = " | ".join(
            f"{pct(lat[m], p):.0f} ({pct(cpu[m], p):.0f})"
            for m, p in (("bm25", 0.5), ("bm25", 0.95), ("hybrid", 0.5), ("hybrid", 0.95))
        )
        print(
            f"| {backend} | {size} | {t_bm25:.1f} ({c_bm25:.1f} CPU) | {t_vec:.1f} | "
            f"{t_first:.2f} | {cells} | charge {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def cmd_ann(args):
    """Approximate (IVF) vs exact vector search: recall@5 of IVF against exact, latency."""
    import numpy as np
    from sqlalchemy import insert

    from communia.core.db import read_session, write_session
    from communia.core.search import clear_cache, ivf
    from communia.core.search.index import _bump_generation, _vector
    from communia.core.search.models import SearchDocument, SearchPassage
    from communia.core.settings import reset_settings

    dim, name = 384, "bench-ann"
    print(
        "| base | passages | vecteurs | listes | construction IVF (s) | sondes | rappel@5 IVF/exact "
        "| p50 exact | p95 exact | p50 IVF | p95 IVF | 1re requête exacte (s) | charge |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        for kind in args.kinds:
            setup_db(args.db, f"ann_{size}_{kind}.db")
            cid = commune_id(f"ann-{size}-{kind}")
            rng = np.random.default_rng(size)
            if kind == "clusters":  # topics + noise, as sentence embeddings cluster
                centres = rng.standard_normal((max(50, size // 200), dim)).astype(np.float32)

                def draw(n, centres=centres, rng=rng):
                    v = centres[rng.integers(0, len(centres), n)]
                    return v + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)
            else:  # no structure at all: the worst case for any partitioning index

                def draw(n, rng=rng):
                    return rng.standard_normal((n, dim)).astype(np.float32)

            with write_session() as s:
                s.execute(
                    insert(SearchDocument),
                    [
                        {
                            "commune_id": cid,
                            "module": "bench",
                            "source_id": "D",
                            "doc_type": "",
                            "title": "",
                            "url": "",
                            "content_hash": "x",
                            "meta": {},
                        }
                    ],
                )
                doc_id = s.scalar(__import__("sqlalchemy").select(SearchDocument.id))
            for start in range(0, size, 5000):
                n = min(5000, size - start)
                v = draw(n)
                v /= np.linalg.norm(v, axis=1, keepdims=True)
                with write_session() as s:
                    s.execute(
                        insert(SearchPassage),
                        [
                            {
                                "commune_id": cid,
                                "document_id": doc_id,
                                "module": "bench",
                                "doc_type": "",
                                "ordinal": start + i,
                                "heading": "",
                                "anchor": "",
                                "text": "-",
                                "text_hash": "-",
                                "length": 1,
                                "embedding": x.tobytes(),
                                "embedding_model": name,
                            }
                            for i, x in enumerate(v)
                        ],
                    )
            with write_session() as s:
                _bump_generation(s, cid)
            queries = draw(args.queries)
            queries /= np.linalg.norm(queries, axis=1, keepdims=True)
            os.environ["COMMUNIA_MODULES__SEARCH__VECTOR_INDEX"] = "exact"
            reset_settings()
            clear_cache()
            exact, lat_exact = [], []
            with read_session() as s:
                t0 = time.perf_counter()
                _vector(s, cid, queries[0], name, None, None, None, None, 50)
                t_first = time.perf_counter() - t0
                for q in queries:
                    t0 = time.perf_counter()
                    exact.append(
                        [p for p, _, _ in _vector(s, cid, q, name, None, None, None, None, 50)][:5]
                    )
                    lat_exact.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            with write_session() as s:
                info = ivf.build_vector_index(s, commune_id=cid, model_name=name)
            t_build = time.perf_counter() - t0
            os.environ["COMMUNIA_MODULES__SEARCH__VECTOR_INDEX"] = "auto"
            for probes in args.probes:
                os.environ["COMMUNIA_MODULES__SEARCH__IVF_PROBES"] = str(probes)
                reset_settings()
                found, lat = 0, []
                with read_session() as s:
                    for q, ex in zip(queries, exact, strict=True):
                        t0 = time.perf_counter()
                        got = _vector(s, cid, q, name, None, None, None, None, 50)[:5]
                        lat.append((time.perf_counter() - t0) * 1000)
                        found += len({p for p, _, _ in got} & set(ex))

                def pct(v, p):
                    return sorted(v)[int(p * (len(v) - 1))]

                backend = "PostgreSQL" if (args.db or "").startswith("postgres") else "SQLite"
                print(
                    f"| {backend} | {size} | {kind} | {info['lists']} | {t_build:.1f} | {probes} "
                    f"| {found / (5 * len(queries)):.3f} | {pct(lat_exact, 0.5):.0f} "
                    f"| {pct(lat_exact, 0.95):.0f} | {pct(lat, 0.5):.0f} | {pct(lat, 0.95):.0f} "
                    f"| {t_first:.2f} | {os.getloadavg()[0]:.1f} |",
                    flush=True,
                )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--db", default=None)
    q.add_argument("--embedder", default="auto")
    sc = sub.add_parser("scale")
    sc.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    sc.add_argument("--db", default=None)
    sc.add_argument("--embedder", default="auto")
    an = sub.add_parser("ann", help="approximate (IVF) vs exact vector search")
    an.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    an.add_argument("--kinds", nargs="+", default=["clusters", "random"])
    an.add_argument("--probes", type=int, nargs="+", default=[8, 16, 32])
    an.add_argument("--queries", type=int, default=200)
    an.add_argument("--db", default=None)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"Données absentes : {SHARED}")
    {"quality": cmd_quality, "scale": cmd_scale, "ann": cmd_ann}[args.cmd](args)


if __name__ == "__main__":
    main()
