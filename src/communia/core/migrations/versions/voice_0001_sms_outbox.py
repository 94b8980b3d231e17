"""voice: SMS outbox of the phone assistant

Revision ID: voice_0001
Revises:
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import communia.core.db

revision = "voice_0001"
down_revision = None
branch_labels = ("voice",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "speech_sms_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", communia.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("to_number", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("call_id", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", communia.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"],
            ["communes.id"],
            name=op.f("fk_speech_sms_outbox_commune_id_communes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speech_sms_outbox")),
    )
    op.create_index(
        op.f("ix_speech_sms_outbox_commune_id"), "speech_sms_outbox", ["commune_id"], unique=False
    )
    op.create_index(
        op.f("ix_speech_sms_outbox_status"), "speech_sms_outbox", ["status"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_speech_sms_outbox_status"), table_name="speech_sms_outbox")
    op.drop_index(op.f("ix_speech_sms_outbox_commune_id"), table_name="speech_sms_outbox")
    op.drop_table("speech_sms_outbox")
