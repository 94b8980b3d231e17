"""Inverted-file vector index stored in the database (SQLite, or PostgreSQL by URL)."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import bindparam, func, select, update

from communia.core.db import read_session, write_session
from communia.core.models import Commune
from communia.core.search import Document, Passage, build_index, ivf, maintain_vector_index, search
from communia.core.search.models import SearchPassage, SearchVectorList
from communia.core.settings import reset_settings

MODEL = "test-clusters"
DIM = 32


class FixedQuery:
    """Query side of an embedder: the query text is the index of a vector of ``queries``."""

    name = MODEL
    dim = DIM

    def __init__(self, queries):
        self.queries = queries

    def embed_queries(self, texts):
        return np.vstack([self.queries[int(t)] for t in texts])


def _clustered(rng, n, centres, noise=0.35):
    c = centres[rng.integers(0, len(centres), n)]
    v = c + noise * rng.standard_normal((n, DIM)).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _store_vectors(cid, vectors):
    """Write vectors on the commune's passages as ``embed_pending`` does."""
    with write_session() as s:
        ids = s.scalars(
            select(SearchPassage.id)
            .where(SearchPassage.commune_id == cid, SearchPassage.embedding_model != MODEL)
            .order_by(SearchPassage.id)
        ).all()
        s.connection().execute(
            update(SearchPassage)
            .where(SearchPassage.id == bindparam("pid"))
            .values(embedding=bindparam("emb"), embedding_model=MODEL),
            [{"pid": i, "emb": v.tobytes()} for i, v in zip(ids, vectors, strict=True)],
        )
    return ids


def _docs(start, n, module="bench"):
    return [
        Document(
            source_id=f"D{i}",
            title="",
            module=module if i % 2 == 0 else "autre",
            passages=[Passage(f"passage numéro {i} {j}") for j in range(10)],
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def setup(database, monkeypatch):
    with write_session() as s:
        c, other = Commune(slug="ivfville", name="Ivfville"), Commune(slug="b", name="B")
        s.add_all([c, other])
        s.flush()
        cid, oid = c.id, other.id
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((40, DIM)).astype(np.float32)
    build_index(commune_id=cid, documents=_docs(0, 200), embedder="none")
    vectors = _clustered(rng, 2000, centres)
    ids = _store_vectors(cid, vectors)
    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__IVF_MIN_PASSAGES", "1000")
    reset_settings()
    yield cid, oid, rng, centres, vectors, ids
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__IVF_MIN_PASSAGES")
    reset_settings()


def _exact_top(vectors, ids, q, k=5):
    order = np.argsort(-(vectors @ q), kind="stable")[:k]
    return [ids[i] for i in order]


def test_build_assign_and_search_matches_exact_when_probing_every_list(setup, monkeypatch):
    cid, oid, rng, centres, vectors, ids = setup
    assert maintain_vector_index(commune_id=cid, model_name=MODEL) == "built"
    with read_session() as s:
        info = ivf.index_info(s, commune_id=cid, model_name=MODEL)
        assert info == {
            "lists": ivf.default_lists(2000),
            "trained_on": 2000,
            "assigned": 2000,
            "pending": 0,
        }
        # each passage sits in the list of its nearest centroid
        cents = np.vstack(
            [
                np.frombuffer(c, dtype=np.float32)
                for c in s.scalars(
                    select(SearchVectorList.centroid)
                    .where(SearchVectorList.commune_id == cid)
                    .order_by(SearchVectorList.list_no)
                )
            ]
        )
        lists = dict(s.execute(select(SearchPassage.id, SearchPassage.vector_list)).all())
        assert all(lists[i] == int(np.argmax(cents @ v)) for i, v in zip(ids, vectors))

    queries = _clustered(rng, 30, centres)
    embedder = FixedQuery(queries)
    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__IVF_PROBES", str(info["lists"]))
    reset_settings()
    with read_session() as s:
        for qi, q in enumerate(queries):
            hits = search(s, commune_id=cid, query=str(qi), mode="vector", k=5, embedder=embedder)
            assert [h.passage_id for h in hits] == _exact_top(vectors, ids, q)
        assert search(s, commune_id=oid, query="0", mode="vector", embedder=embedder) == []


def test_few_probes_keep_most_of_the_exact_top_five_and_filters_apply(setup, monkeypatch):
    cid, oid, rng, centres, vectors, ids = setup
    maintain_vector_index(commune_id=cid, model_name=MODEL)
    queries = _clustered(rng, 40, centres)
    embedder = FixedQuery(queries)
    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__IVF_PROBES", "4")
    reset_settings()
    found = 0
    with read_session() as s:
        for qi, q in enumerate(queries):
            hits = search(s, commune_id=cid, query=str(qi), mode="vector", k=5, embedder=embedder)
            found += len({h.passage_id for h in hits} & set(_exact_top(vectors, ids, q)))
            filtered = search(
                s, commune_id=cid, query=str(qi), mode="vector", module="autre", embedder=embedder
            )
            assert filtered and {h.module for h in filtered} == {"autre"}
    recall = found / (5 * len(queries))
    assert recall >= 0.8  # 4 of 45 lists read: approximate, yet most of the exact top 5


def test_new_passages_are_searched_before_and_after_their_assignment(setup, monkeypatch):
    cid, oid, rng, centres, vectors, ids = setup
    maintain_vector_index(commune_id=cid, model_name=MODEL)
    build_index(commune_id=cid, documents=_docs(200, 10), embedder="none")
    target = centres[0] / np.linalg.norm(centres[0])
    new_ids = _store_vectors(cid, np.vstack([target] * 100).astype(np.float32))
    embedder = FixedQuery([target])
    with read_session() as s:
        assert ivf.index_info(s, commune_id=cid, model_name=MODEL)["pending"] == 100
        hits = search(s, commune_id=cid, query="0", mode="vector", k=5, embedder=embedder)
        assert {h.passage_id for h in hits} <= set(new_ids)  # unassigned rows are read too
    assert maintain_vector_index(commune_id=cid, model_name=MODEL) == "assigned"
    with read_session() as s:
        info = ivf.index_info(s, commune_id=cid, model_name=MODEL)
        assert info["pending"] == 0 and info["trained_on"] == 2000
        assert (
            s.scalar(
                select(func.count()).where(
                    SearchPassage.id.in_(new_ids), SearchPassage.vector_list.is_(None)
                )
            )
            == 0
        )
        hits = search(s, commune_id=cid, query="0", mode="vector", k=5, embedder=embedder)
        assert {h.passage_id for h in hits} <= set(new_ids)


def test_growth_triggers_a_rebuild_and_exact_setting_bypasses_the_index(setup, monkeypatch):
    cid, oid, rng, centres, vectors, ids = setup
    maintain_vector_index(commune_id=cid, model_name=MODEL)
    build_index(commune_id=cid, documents=_docs(200, 200), embedder="none")
    _store_vectors(cid, _clustered(rng, 2000, centres))
    assert maintain_vector_index(commune_id=cid, model_name=MODEL) == "built"
    with read_session() as s:
        assert ivf.index_info(s, commune_id=cid, model_name=MODEL)["trained_on"] == 4000
    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__VECTOR_INDEX", "exact")
    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__IVF_PROBES", "1")
    reset_settings()
    q = _clustered(rng, 1, centres)
    with read_session() as s:
        all_ids = s.scalars(select(SearchPassage.id).order_by(SearchPassage.id)).all()
        blobs = s.scalars(select(SearchPassage.embedding).order_by(SearchPassage.id)).all()
        matrix = np.vstack([np.frombuffer(b, dtype=np.float32) for b in blobs])
        hits = search(s, commune_id=cid, query="0", mode="vector", k=5, embedder=FixedQuery(q))
        assert [h.passage_id for h in hits] == _exact_top(matrix, all_ids, q[0])
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__VECTOR_INDEX")
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__IVF_PROBES")
