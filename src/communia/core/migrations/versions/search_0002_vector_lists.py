"""inverted-file vector index: search_vector_lists + search_passages.vector_list

Revision ID: search_0002
Revises: search_0001
Create Date: 2026-11-26 03:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "search_0002"
down_revision = "search_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_vector_lists",
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("embedding_model", sa.String(length=100), nullable=False),
        sa.Column("list_no", sa.Integer(), nullable=False),
        sa.Column("centroid", sa.LargeBinary(), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_search_vector_lists_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "commune_id", "embedding_model", "list_no", name=op.f("pk_search_vector_lists")
        ),
    )
    with op.batch_alter_table("search_passages") as batch:
        batch.add_column(sa.Column("vector_list", sa.Integer(), nullable=True))
        batch.create_index(
            "ix_search_passages_vector_list",
            ["commune_id", "embedding_model", "vector_list"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("search_passages") as batch:
        batch.drop_index("ix_search_passages_vector_list")
        batch.drop_column("vector_list")
    op.drop_table("search_vector_lists")
