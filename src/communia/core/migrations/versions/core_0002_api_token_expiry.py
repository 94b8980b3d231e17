"""api_tokens: expires_at (every token has an end) and last_used_at

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-26 16:00:00

Tokens created before this revision had no end: they get one 90 days after the upgrade (the
default of ``api_token_days``, fixed here so that the revision gives the same result whatever
the instance's settings), which leaves time to replace them without breaking any software
that uses them today.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import communia.core.db

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

EXISTING_TOKENS_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("expires_at", communia.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("last_used_at", communia.core.db.UTCDateTime(timezone=True), nullable=True)
        )
    tokens = sa.table(
        "api_tokens", sa.column("expires_at", communia.core.db.UTCDateTime(timezone=True))
    )
    op.execute(
        tokens.update().values(expires_at=datetime.now(UTC) + timedelta(days=EXISTING_TOKENS_DAYS))
    )
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column(
            "expires_at",
            existing_type=communia.core.db.UTCDateTime(timezone=True),
            nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("expires_at")
