"""search index tables

Revision ID: search_0001
Revises:
Create Date: 2026-11-25 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import communia.core.db

revision = "search_0001"
down_revision = None
branch_labels = ("search",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=50), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("doc_type", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("indexed_at", communia.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_search_documents_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint(
            "commune_id", "module", "source_id", name=op.f("uq_search_documents_commune_id")
        ),
    )
    op.create_index(
        op.f("ix_search_documents_commune_id"), "search_documents", ["commune_id"], unique=False
    )
    op.create_table(
        "search_passages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("module", sa.String(length=50), nullable=False),
        sa.Column("doc_type", sa.String(length=80), nullable=False),
        sa.Column("doc_date", sa.Date(), nullable=True),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=500), nullable=False),
        sa.Column("anchor", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(length=100), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_search_passages_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["search_documents.id"],
            name=op.f("fk_search_passages_document_id_search_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_passages")),
    )
    op.create_index(
        op.f("ix_search_passages_commune_id"), "search_passages", ["commune_id"], unique=False
    )
    op.create_index(
        op.f("ix_search_passages_document_id"), "search_passages", ["document_id"], unique=False
    )
    op.create_index(
        "ix_search_passages_commune_module", "search_passages", ["commune_id", "module"]
    )
    op.create_index("ix_search_passages_text_hash", "search_passages", ["text_hash"])
    op.create_table(
        "search_postings",
        sa.Column("passage_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=100), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("tf", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["passage_id"],
            ["search_passages.id"],
            name=op.f("fk_search_postings_passage_id_search_passages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("passage_id", "term", name=op.f("pk_search_postings")),
    )
    op.create_index("ix_search_postings_commune_term", "search_postings", ["commune_id", "term"])
    op.create_table(
        "search_state",
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_search_state_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("commune_id", name=op.f("pk_search_state")),
    )


def downgrade() -> None:
    op.drop_table("search_state")
    op.drop_index("ix_search_postings_commune_term", table_name="search_postings")
    op.drop_table("search_postings")
    op.drop_index("ix_search_passages_text_hash", table_name="search_passages")
    op.drop_index("ix_search_passages_commune_module", table_name="search_passages")
    op.drop_index(op.f("ix_search_passages_document_id"), table_name="search_passages")
    op.drop_index(op.f("ix_search_passages_commune_id"), table_name="search_passages")
    op.drop_table("search_passages")
    op.drop_index(op.f("ix_search_documents_commune_id"), table_name="search_documents")
    op.drop_table("search_documents")
