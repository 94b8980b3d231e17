"""Search index tables: documents, passages (with their embedding), BM25 postings, generation.

Everything lives in the commune's database, so a backup holds the index and both backends
(SQLite, PostgreSQL) run the same code. BM25 uses our own postings table rather than SQLite
FTS5 / PostgreSQL ``tsvector`` so that the French analysis (Snowball stemming + accent
folding) and the scores are identical on both. Vectors are stored as float32 bytes and
scored in memory with numpy (pgvector is not required); large indexes also get an
inverted-file index (``SearchVectorList`` + ``SearchPassage.vector_list``, see ``ivf.py``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from communia.core.db import Base, TenantMixin, UTCDateTime, utcnow

__all__ = ["SearchDocument", "SearchPassage", "SearchPosting", "SearchState", "SearchVectorList"]


class SearchDocument(TenantMixin, Base):
    """One indexed document (a fiche, a deliberation, an FAQ entry...)."""

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("commune_id", "module", "source_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    module: Mapped[str] = mapped_column(String(50), default="")
    source_id: Mapped[str] = mapped_column(String(200))
    doc_type: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    url: Mapped[str] = mapped_column(String(1000), default="")
    doc_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SearchPassage(TenantMixin, Base):
    """A passage of a document; filter columns are copied from the document for fast filtering."""

    __tablename__ = "search_passages"
    __table_args__ = (
        Index("ix_search_passages_commune_module", "commune_id", "module"),
        Index("ix_search_passages_text_hash", "text_hash"),
        Index("ix_search_passages_vector_list", "commune_id", "embedding_model", "vector_list"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("search_documents.id", ondelete="CASCADE"), index=True
    )
    module: Mapped[str] = mapped_column(String(50), default="")
    doc_type: Mapped[str] = mapped_column(String(80), default="")
    doc_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    ordinal: Mapped[int] = mapped_column(Integer, default=0)
    heading: Mapped[str] = mapped_column(String(500), default="")
    anchor: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column(Integer, default=0)  # number of analysed terms
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    embedding_model: Mapped[str] = mapped_column(String(100), default="")
    # Inverted-file list of the approximate vector index (``search.ivf``); None: not assigned.
    vector_list: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SearchVectorList(Base):
    """One list of a commune's inverted-file vector index: its centroid (k-means)."""

    __tablename__ = "search_vector_lists"

    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True
    )
    embedding_model: Mapped[str] = mapped_column(String(100), primary_key=True)
    list_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    centroid: Mapped[bytes] = mapped_column(LargeBinary)  # float32, L2-normalised
    trained_on: Mapped[int] = mapped_column(Integer, default=0)  # vectors at build time


class SearchPosting(Base):
    """Inverted index: one row per (term, passage) with the term frequency."""

    __tablename__ = "search_postings"
    __table_args__ = (Index("ix_search_postings_commune_term", "commune_id", "term"),)

    passage_id: Mapped[int] = mapped_column(
        ForeignKey("search_passages.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(100), primary_key=True)
    commune_id: Mapped[int] = mapped_column(Integer)
    tf: Mapped[int] = mapped_column(Integer)


class SearchState(Base):
    """Per-commune generation number, bumped by every index change (invalidates caches)."""

    __tablename__ = "search_state"

    commune_id: Mapped[int] = mapped_column(
        ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True
    )
    generation: Mapped[int] = mapped_column(Integer, default=0)
