"""water tables

Revision ID: water_0001
Revises:
Create Date: 2026-11-26 00:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import communia.core.db

revision = "water_0001"
down_revision = None
branch_labels = ("water",)
depends_on = "core_0001"


def _tenant() -> sa.Column:
    return sa.Column(
        "commune_id", sa.Integer(), sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "water_networks",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(32), nullable=False),
        sa.Column("inp_text", sa.Text(), nullable=False),
        sa.Column("created_at", communia.core.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_water_networks_commune_id", "water_networks", ["commune_id"])
    op.create_table(
        "water_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column(
            "network_id",
            sa.Integer(),
            sa.ForeignKey("water_networks.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("period_start", communia.core.db.UTCDateTime(), nullable=False),
        sa.Column("period_end", communia.core.db.UTCDateTime(), nullable=False),
        sa.Column("daily", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", communia.core.db.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_water_runs_commune_id", "water_runs", ["commune_id"])
    op.create_table(
        "water_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("water_runs.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("area", sa.String(60), nullable=False),
        sa.Column("pipe", sa.String(60), nullable=False),
        sa.Column("detection_time", communia.core.db.UTCDateTime(), nullable=False),
        sa.Column("start_estimate", communia.core.db.UTCDateTime(), nullable=False),
        sa.Column("flow_m3h", sa.Float(), nullable=False),
        sa.Column("volume_m3", sa.Float(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", communia.core.db.UTCDateTime(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
    )
    op.create_index("ix_water_alerts_commune_id", "water_alerts", ["commune_id"])
    op.create_index("ix_water_alerts_run_id", "water_alerts", ["run_id"])
    op.create_index("ix_water_alerts_status", "water_alerts", ["status"])
    op.create_table(
        "water_pipe_risk",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pipe", sa.String(60), nullable=False),
        sa.Column("material", sa.String(60), nullable=False),
        sa.Column("install_year", sa.Integer(), nullable=True),
        sa.Column("length_m", sa.Float(), nullable=False),
        sa.Column("n_prev", sa.Integer(), nullable=False),
        sa.Column("risk", sa.Float(), nullable=False),
    )
    op.create_index("ix_water_pipe_risk_commune_id", "water_pipe_risk", ["commune_id"])


def downgrade() -> None:
    op.drop_table("water_pipe_risk")
    op.drop_table("water_alerts")
    op.drop_table("water_runs")
    op.drop_table("water_networks")
