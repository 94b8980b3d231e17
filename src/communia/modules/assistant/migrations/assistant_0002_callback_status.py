"""assistant_callbacks: status, done_by, done_at (agents mark a callback done)

Revision ID: assistant_0002
Revises: assistant_0001
Create Date: 2026-11-26 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import communia.core.db

revision = "assistant_0002"
down_revision = "assistant_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assistant_callbacks") as batch:
        # existing bookings have not been marked done: they are still to make
        batch.add_column(
            sa.Column("status", sa.String(length=12), nullable=False, server_default="a_faire")
        )
        batch.add_column(
            sa.Column("done_by", sa.String(length=200), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("done_at", communia.core.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("assistant_callbacks") as batch:
        batch.drop_column("done_at")
        batch.drop_column("done_by")
        batch.drop_column("status")
