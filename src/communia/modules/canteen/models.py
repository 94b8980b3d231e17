"""Tables of the canteen module (one commune's rows each, through ``TenantMixin``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from communia.core.db import Base, TenantMixin, UTCDateTime, utcnow

__all__ = [
    "Canteen",
    "CanteenImport",
    "Attendance",
    "Enrolment",
    "MenuDish",
    "DishCategory",
    "CanteenEvent",
    "ForecastRun",
    "ForecastLine",
]


class Canteen(TenantMixin, Base):
    __tablename__ = "canteen_canteens"
    __table_args__ = (UniqueConstraint("commune_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="M/E")
    sector: Mapped[str] = mapped_column(String(100), default="")


class CanteenImport(TenantMixin, Base):
    """One accepted import (rejected files leave no row: all-or-nothing)."""

    __tablename__ = "canteen_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Attendance(TenantMixin, Base):
    __tablename__ = "canteen_attendance"
    __table_args__ = (UniqueConstraint("canteen_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canteen_id: Mapped[int] = mapped_column(
        ForeignKey("canteen_canteens.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    served: Mapped[float | None] = mapped_column(Float, nullable=True)
    ordered: Mapped[float | None] = mapped_column(Float, nullable=True)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("canteen_imports.id", ondelete="SET NULL"), nullable=True
    )


class Enrolment(TenantMixin, Base):
    __tablename__ = "canteen_enrolments"
    __table_args__ = (UniqueConstraint("canteen_id", "school_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canteen_id: Mapped[int] = mapped_column(
        ForeignKey("canteen_canteens.id", ondelete="CASCADE"), index=True
    )
    school_year: Mapped[int] = mapped_column(Integer)  # year of September
    pupils: Mapped[float] = mapped_column(Float)


class MenuDish(TenantMixin, Base):
    __tablename__ = "canteen_menus"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    dish: Mapped[str] = mapped_column(String(300))


class DishCategory(TenantMixin, Base):
    """The manager's correction of a dish's category."""

    __tablename__ = "canteen_dish_categories"
    __table_args__ = (UniqueConstraint("commune_id", "dish"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dish: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20))


class CanteenEvent(TenantMixin, Base):
    """Strike, closure, school trip... entered by the manager (canteen empty = all)."""

    __tablename__ = "canteen_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    canteen_id: Mapped[int | None] = mapped_column(
        ForeignKey("canteen_canteens.id", ondelete="CASCADE"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    delta: Mapped[float | None] = mapped_column(Float, nullable=True)
    actor: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ForecastRun(TenantMixin, Base):
    """One order sheet: a period forecast at a service level (an AI output to validate)."""

    __tablename__ = "canteen_forecast_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="")
    start: Mapped[dt.date] = mapped_column(Date)
    end: Mapped[dt.date] = mapped_column(Date)
    service_level: Mapped[float] = mapped_column(Float)
    history_last_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    model_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="proposee")  # or "validee"


class ForecastLine(TenantMixin, Base):
    __tablename__ = "canteen_forecast_lines"
    __table_args__ = (UniqueConstraint("run_id", "canteen_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("canteen_forecast_runs.id", ondelete="CASCADE"), index=True
    )
    canteen_id: Mapped[int] = mapped_column(
        ForeignKey("canteen_canteens.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[dt.date] = mapped_column(Date)
    forecast: Mapped[float] = mapped_column(Float)
    order: Mapped[int] = mapped_column(Integer)
    manual_order: Mapped[int | None] = mapped_column(Integer, nullable=True)
    shortage_risk: Mapped[float] = mapped_column(Float, default=0.0)
    drivers: Mapped[list[Any]] = mapped_column(JSON, default=list)
