"""privacy: encrypted alias tables

Revision ID: privacy_0001
Revises:
Create Date: 2026-11-25 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import communia.core.db

revision = "privacy_0001"
down_revision = None
branch_labels = ("privacy",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "privacy_mappings",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("key_version", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", communia.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", communia.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_privacy_mappings_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_mappings")),
    )
    with op.batch_alter_table("privacy_mappings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_mappings_commune_id"), ["commune_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("privacy_mappings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_mappings_commune_id"))
    op.drop_table("privacy_mappings")
