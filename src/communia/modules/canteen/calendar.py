"""School calendar: service days, holidays and bank holidays.

School holidays come from ``vacances-scolaires-france`` (all three zones) and bank holidays
from ``jours-feries-france``; a commune's own académie calendar (``CanteenData.holidays``)
takes precedence for the school years it covers (the national zone tables miss local
exceptions, e.g. Nantes' spring break 2018, and zone changes, e.g. Nantes was zone A before
2015). Nothing here is typed by hand.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["SchoolCalendar", "school_year_of"]


def school_year_of(day: dt.date) -> int:
    """School year, as the year of its September (1 August boundary)."""
    return day.year if day.month >= 8 else day.year - 1


@lru_cache(maxsize=8)
def _national_holidays(zone: str) -> frozenset[dt.date]:
    from vacances_scolaires_france import SchoolHolidayDates

    data = SchoolHolidayDates()
    key = f"vacances_zone_{zone.lower()}"
    return frozenset(d for d, info in data.data.items() if info.get(key))


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    from jours_feries_france import JoursFeries

    return frozenset(JoursFeries.for_year(year).values())


class SchoolCalendar:
    """Which days are school holidays / bank holidays, and calendar features around them."""

    def __init__(self, *, zone: str = "B", commune_holidays: pd.DataFrame | None = None):
        self.zone = zone
        self._local: set[dt.date] = set()
        self._local_years: set[int] = set()
        if commune_holidays is not None and len(commune_holidays):
            for start, end in commune_holidays[["start", "end"]].itertuples(index=False):
                d, last = start.date(), end.date()
                # A period "du samedi au lundi" in the files means back to school that Monday.
                if last.weekday() == 0 and (last - d).days > 2:
                    last -= dt.timedelta(days=1)
                self._local_years.add(school_year_of(d))
                while d <= last:
                    self._local.add(d)
                    d += dt.timedelta(days=1)

    def is_school_holiday(self, day: dt.date) -> bool:
        if school_year_of(day) in self._local_years:
            return day in self._local
        return day in _national_holidays(self.zone)

    def is_bank_holiday(self, day: dt.date) -> bool:
        return day in _bank_holidays(day.year)

    def is_ascension_bridge(self, day: dt.date) -> bool:
        """Friday after Ascension Thursday (no school nationally since 2016 too)."""
        return (
            day.weekday() == 4
            and self.is_bank_holiday(day - dt.timedelta(days=1))
            and (day.month in (5, 6))
        )

    def is_off(self, day: dt.date) -> bool:
        return (
            day.weekday() >= 5
            or self.is_school_holiday(day)
            or self.is_bank_holiday(day)
            or self.is_ascension_bridge(day)
        )

    def service_days(
        self, start: dt.date, end: dt.date, *, wednesdays: bool = False
    ) -> list[dt.date]:
        """School days between two dates (Wednesdays only when asked)."""
        out, d = [], start
        while d <= end:
            if not self.is_off(d) and (wednesdays or d.weekday() != 2):
                out.append(d)
            d += dt.timedelta(days=1)
        return out

    def features(self, dates: pd.Series) -> pd.DataFrame:
        """Calendar features for each date (computed once per distinct date)."""
        import numpy as np
        import pandas as pd

        unique = pd.Series(pd.to_datetime(dates).dropna().unique()).sort_values()
        rows = []
        for ts in unique:
            d = ts.date()
            rows.append(self._day_features(d))
        frame = pd.DataFrame(rows)
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.astype({c: np.float32 for c in frame.columns if c != "date"})

    def _distance(self, day: dt.date, step: int, limit: int = 80) -> tuple[int, int]:
        """Calendar days and school days until the next (step=1) / since the last (step=-1)
        holiday of at least 2 weekdays (a long weekend is not a holiday)."""
        d, school = day, 0
        for n in range(1, limit):
            d = day + dt.timedelta(days=step * n)
            if d.weekday() < 5 and self.is_school_holiday(d):
                return n, school
            if d.weekday() < 5 and not self.is_off(d) and d.weekday() != 2:
                school += 1
        return limit, school

    def _day_features(self, day: dt.date) -> dict:
        to_next, school_to_next = self._distance(day, 1)
        since_last, school_since = self._distance(day, -1)
        sy = school_year_of(day)
        week_start = day - dt.timedelta(days=day.weekday())
        week_days = [week_start + dt.timedelta(days=i) for i in range(5)]
        bank_in_week = sum(
            self.is_bank_holiday(w) or self.is_ascension_bridge(w) for w in week_days
        )
        return {
            "date": day,
            "weekday": day.weekday(),
            "month": day.month,
            "day_of_year": day.timetuple().tm_yday,
            "school_week": (day - dt.date(sy, 9, 1)).days // 7,
            "days_to_holiday": to_next,
            "school_days_to_holiday": school_to_next,
            "days_since_holiday": since_last,
            "school_days_since_holiday": school_since,
            "last_day_before_holiday": float(school_to_next == 0 and to_next <= 4),
            "first_day_after_holiday": float(school_since == 0 and since_last <= 4),
            "bank_holidays_in_week": bank_in_week,
            "day_before_bank_holiday": float(
                self.is_bank_holiday(day + dt.timedelta(days=1))
                or self.is_ascension_bridge(day + dt.timedelta(days=1))
            ),
            "day_after_bank_holiday": float(self.is_bank_holiday(day - dt.timedelta(days=1))),
            "before_christmas": float(day.month == 12 and to_next <= 7),
            "year_end": float(day.month in (6, 7) and to_next <= 14),
        }
