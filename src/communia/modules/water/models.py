"""Tables of the water module (per commune)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from communia.core.db import Base, TenantMixin, UTCDateTime, utcnow

__all__ = [
    "WaterNetwork",
    "WaterRun",
    "WaterAlert",
    "WaterPipeRisk",
    "ALERT_STATUSES",
    "RUNNING_STATUSES",
]

ALERT_STATUSES = {
    "ouverte": "Ouverte",
    "confirmee": "Confirmée sur le terrain",
    "rejetee": "Rejetée (pas de fuite)",
    "reparee": "Réparée",
}
#: an alert still running: its leak is not repaired nor ruled out (the page's open alerts)
RUNNING_STATUSES = ("ouverte", "confirmee")


class WaterNetwork(TenantMixin, Base):
    """The commune's EPANET model (kept in the database: the app never reads shared files)."""

    __tablename__ = "water_networks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(32))
    inp_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WaterRun(TenantMixin, Base):
    """One detection run: the period, daily flows per area (mean and night minimum), notes."""

    __tablename__ = "water_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    network_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_networks.id", ondelete="SET NULL"), nullable=True
    )
    method: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    daily: Mapped[dict] = mapped_column(JSON, default=dict)  # area -> {days, mean, night_min}
    notes: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WaterAlert(TenantMixin, Base):
    """A suspected leak proposed by the detector; an agent confirms, rejects or repairs it."""

    __tablename__ = "water_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_runs.id", ondelete="SET NULL"), nullable=True, index=True
    )
    area: Mapped[str] = mapped_column(String(60))
    pipe: Mapped[str] = mapped_column(String(60))
    detection_time: Mapped[datetime] = mapped_column(UTCDateTime)
    start_estimate: Mapped[datetime] = mapped_column(UTCDateTime)
    flow_m3h: Mapped[float] = mapped_column(Float, default=0.0)
    volume_m3: Mapped[float] = mapped_column(Float, default=0.0)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    candidates: Mapped[list] = mapped_column(JSON, default=list)  # [[pipe, probability], ...]
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)  # unexplained flow around the start
    status: Mapped[str] = mapped_column(String(20), default="ouverte", index=True)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    audit_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class WaterPipeRisk(TenantMixin, Base):
    """Latest break-risk ranking of the commune's pipes."""

    __tablename__ = "water_pipe_risk"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    pipe: Mapped[str] = mapped_column(String(60))
    material: Mapped[str] = mapped_column(String(60), default="")
    install_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    length_m: Mapped[float] = mapped_column(Float)
    n_prev: Mapped[int] = mapped_column(Integer, default=0)
    risk: Mapped[float] = mapped_column(Float)  # expected breaks next year
