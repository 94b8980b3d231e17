"""Feature table for (canteen, day) rows.

Only things known before the day enter: the calendar, menus, strikes and events, enrolment of
the school year, and statistics of a *previous, complete* school year of history (the
"reference year"). A forecast made weeks or months ahead therefore sees the same kind of
features as the training rows did, with no leak from the days being forecast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from communia.modules.canteen.calendar import SchoolCalendar
from communia.modules.canteen.menus import MENU_FLAGS, daily_menu_flags

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from communia.modules.canteen.io import CanteenData

__all__ = ["FEATURES", "CATEGORICAL", "reference_stats", "build_features", "school_year_series"]

MIN_REF_DAYS = 20

CATEGORICAL = ("canteen_code", "kind_code", "sector_code")
FEATURES = (
    "weekday",
    "month",
    "day_of_year",
    "school_week",
    "days_to_holiday",
    "school_days_to_holiday",
    "days_since_holiday",
    "school_days_since_holiday",
    "last_day_before_holiday",
    "first_day_after_holiday",
    "bank_holidays_in_week",
    "day_before_bank_holiday",
    "day_after_bank_holiday",
    "before_christmas",
    "year_end",
    *MENU_FLAGS,
    "strike",
    "strike_ratio",
    "ref_gap",
    "ref_level",
    "dow_factor",
    "ref_cv",
    "pupils",
    "enrol_ratio",
    "meals_per_pupil",
    "is_new",
    "late_ratio",
    "early_ratio",
    "growth",
    "current_early_ratio",
    "horizon_days",
    "recent_ratio",
    "recent_month",
    *CATEGORICAL,
)


def school_year_series(dates: pd.Series) -> pd.Series:
    dates = dates.dt if hasattr(dates, "dt") else dates
    return (dates.year - (dates.month < 8).astype(int)).astype(int)


def strike_days(context: CanteenData) -> pd.DataFrame:
    """(date, canteen) pairs with a strike; canteen "" means every canteen."""
    events = context.events
    return events.loc[events["kind"] == "greve", ["date", "canteen"]]


def city_strike_dates(context: CanteenData) -> set:
    """Dates of the strikes called for every canteen."""
    strikes = strike_days(context)
    return set(strikes.loc[strikes["canteen"] == "", "date"])


def strike_mask(keys: pd.DataFrame, context: CanteenData) -> np.ndarray:
    """Which rows of ``keys`` (``date, canteen``) are on strike: a strike of every canteen
    or of the row's own."""
    strikes = strike_days(context)
    city = city_strike_dates(context)
    local = set(map(tuple, strikes.loc[strikes["canteen"] != "", ["date", "canteen"]].values))
    return np.array(
        [d in city or (d, c) in local for d, c in zip(keys["date"], keys["canteen"], strict=True)],
        dtype=bool,
    )


def reference_stats(history: pd.DataFrame, context: CanteenData) -> pd.DataFrame:
    """Per canteen and school year: level (mean meals on normal days), weekday factors,
    variability, enrolment. Normal day: served > 0, no strike."""
    import numpy as np
    import pandas as pd

    h = history.dropna(subset=["served"])
    h = h[h["served"] > 0]
    city = city_strike_dates(context)
    on_strike = h[h["date"].isin(city)]
    h = h[~h["date"].isin(city)]
    h = h.assign(school_year=school_year_series(h["date"]), weekday=h["date"].dt.day_of_week)
    g = h.groupby(["canteen", "school_year"])["served"]
    stats = pd.DataFrame({"level": g.mean(), "n_days": g.size(), "std": g.std()}).reset_index()
    stats["cv"] = stats["std"] / stats["level"]
    dow = h.groupby(["canteen", "school_year", "weekday"])["served"].mean().unstack()
    dow = dow.reindex(columns=range(5))
    dow.columns = [f"dow_{i}" for i in range(5)]
    stats = stats.merge(dow.reset_index(), on=["canteen", "school_year"], how="left")
    for i in range(5):
        stats[f"dow_{i}"] = stats[f"dow_{i}"] / stats["level"]
    # Level at the end and at the start of the year, relative to the whole year: the most
    # recent trend a forecast made after the year can see.
    h["month"] = h["date"].dt.month
    late = h[h["month"].isin((5, 6, 7))].groupby(["canteen", "school_year"])["served"].mean()
    early = h[h["month"].isin((9, 10))].groupby(["canteen", "school_year"])["served"].mean()
    stats = stats.merge(
        late.rename("late").reset_index(), on=["canteen", "school_year"], how="left"
    )
    stats = stats.merge(
        early.rename("early").reset_index(), on=["canteen", "school_year"], how="left"
    )
    stats["late_ratio"] = stats["late"] / stats["level"]
    stats["early_ratio"] = stats["early"] / stats["level"]
    # How much each canteen loses on strike days, cumulated over the years so far (staff
    # and families follow strikes very differently from one school to another).
    on_strike = on_strike.assign(school_year=school_year_series(on_strike["date"]))
    on_strike = on_strike.merge(stats[["canteen", "school_year", "level"]], how="inner")
    on_strike["ratio"] = on_strike["served"] / on_strike["level"]
    per_year = on_strike.groupby(["canteen", "school_year"])["ratio"].agg(["sum", "count"])
    stats = stats.merge(per_year.reset_index(), on=["canteen", "school_year"], how="left")
    stats = stats.sort_values(["canteen", "school_year"])
    cum_sum = stats.groupby("canteen")["sum"].cumsum()
    cum_n = stats.groupby("canteen")["count"].cumsum()
    stats["strike_ratio"] = (cum_sum / cum_n).where(cum_n > 0)
    stats = stats.drop(columns=["sum", "count"])
    previous = stats.groupby("canteen")["level"].shift(1)
    gap = stats["school_year"] - stats.groupby("canteen")["school_year"].shift(1)
    stats["growth"] = (stats["level"] / previous).where(gap == 1)
    enrol = context.enrolment.rename(columns={"pupils": "ref_pupils"})
    stats = stats.merge(enrol, on=["canteen", "school_year"], how="left")
    stats["per_pupil"] = stats["level"] / stats["ref_pupils"].replace(0, np.nan)
    return stats[stats["n_days"] >= MIN_REF_DAYS].reset_index(drop=True)


def _reference_for(keys: pd.DataFrame, stats: pd.DataFrame, context: CanteenData) -> pd.DataFrame:
    """For each (canteen, school_year) pair: the latest complete earlier year's stats, or a
    level built from enrolment and similar canteens (same kind) for a new canteen."""
    import numpy as np
    import pandas as pd

    pairs = keys[["canteen", "school_year"]].drop_duplicates()
    by_canteen = {c: g.sort_values("school_year") for c, g in stats.groupby("canteen")}
    kinds = dict(context.canteens[["canteen", "kind"]].values)
    enrol = {
        (c, y): p for c, y, p in context.enrolment[["canteen", "school_year", "pupils"]].values
    }
    rows = []
    for canteen, year in pairs.itertuples(index=False):
        g = by_canteen.get(canteen)
        prior = g[g["school_year"] < year] if g is not None else None
        pupils = enrol.get((canteen, year), np.nan)
        if prior is not None and len(prior):
            ref = prior.iloc[-1]
            rows.append(
                {
                    "canteen": canteen,
                    "school_year": year,
                    "ref_gap": year - ref["school_year"],
                    "ref_level": ref["level"],
                    "ref_cv": ref["cv"],
                    "pupils": pupils,
                    "enrol_ratio": pupils / ref["ref_pupils"] if ref["ref_pupils"] > 0 else np.nan,
                    "meals_per_pupil": ref["per_pupil"],
                    "is_new": 0.0,
                    "late_ratio": ref["late_ratio"],
                    "early_ratio": ref["early_ratio"],
                    "growth": ref["growth"],
                    "strike_ratio": ref["strike_ratio"],
                    **{f"dow_{i}": ref[f"dow_{i}"] for i in range(5)},
                }
            )
            continue
        # New canteen: similar canteens (same kind, latest year before this one).
        similar = stats[stats["school_year"] < year]
        if not len(similar):
            continue
        similar = similar[similar["school_year"] == similar["school_year"].max()]
        same_kind = similar[similar["canteen"].map(kinds) == kinds.get(canteen)]
        if len(same_kind) >= 3:
            similar = same_kind
        rate = similar["per_pupil"].median()
        level = pupils * rate if pupils > 0 and rate > 0 else similar["level"].median()
        rows.append(
            {
                "canteen": canteen,
                "school_year": year,
                "ref_gap": 1.0,
                "ref_level": level,
                "ref_cv": similar["cv"].median(),
                "pupils": pupils,
                "enrol_ratio": 1.0,
                "meals_per_pupil": rate,
                "is_new": 1.0,
                "late_ratio": np.nan,
                "early_ratio": np.nan,
                "growth": np.nan,
                "strike_ratio": similar["strike_ratio"].median(),
                **{f"dow_{i}": similar[f"dow_{i}"].median() for i in range(5)},
            }
        )
    return pd.DataFrame(rows)


RECENT_FEATURES = ("horizon_days", "recent_ratio", "recent_month")
RECENT_DAYS = 28  # window of the "recent level" feature, in calendar days
MAX_HORIZON_DAYS = 150  # horizons simulated for training rows


def normal_days(history: pd.DataFrame, context: CanteenData) -> pd.DataFrame:
    """History rows with service and no city-wide strike (``date, canteen, served``)."""
    h = history.dropna(subset=["served"])
    h = h[h["served"] > 0]
    city = city_strike_dates(context)
    return h.loc[~h["date"].isin(city), ["date", "canteen", "served"]].reset_index(drop=True)


def _recent_means(frame: pd.DataFrame, recent: pd.DataFrame, cutoffs: np.ndarray) -> np.ndarray:
    """Mean meals of each row's canteen over the ``RECENT_DAYS`` ending at its cutoff."""
    import numpy as np

    out = np.full(len(frame), np.nan)
    series = {
        c: (g["date"].to_numpy(), np.concatenate([[0.0], np.cumsum(g["served"].to_numpy())]))
        for c, g in recent.sort_values("date").groupby("canteen")
    }
    for canteen, idx in frame.groupby("canteen").indices.items():
        if canteen not in series:
            continue
        dates, cumsum = series[canteen]
        cut = cutoffs[idx]
        hi = np.searchsorted(dates, cut, side="right")
        lo = np.searchsorted(dates, cut - np.timedelta64(RECENT_DAYS, "D"), side="right")
        n = hi - lo
        out[idx] = np.where(n >= 5, (cumsum[hi] - cumsum[lo]) / np.maximum(n, 1), np.nan)
    return out


def build_features(
    keys: pd.DataFrame,
    stats: pd.DataFrame,
    context: CanteenData,
    *,
    calendar: SchoolCalendar | None = None,
    codes: dict[str, dict[str, int]] | None = None,
    training: bool = False,
    recent: pd.DataFrame | None = None,
    cutoff: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Features for ``keys`` (``date, canteen``), same index. Rows without any reference
    (no history and no similar canteen) get ``ref_level`` NaN."""
    import numpy as np
    import pandas as pd

    calendar = calendar or SchoolCalendar(zone=context.zone, commune_holidays=context.holidays)
    frame = keys[["date", "canteen"]].copy()
    frame["date"] = pd.to_datetime(frame["date"])
    frame["school_year"] = school_year_series(frame["date"])
    frame["_row"] = np.arange(len(frame))
    cal = calendar.features(frame["date"])
    frame = frame.merge(cal, on="date", how="left")
    menus = daily_menu_flags(context.menus, context.dish_categories)
    frame = frame.merge(menus, on="date", how="left")
    for flag in MENU_FLAGS:
        frame[flag] = frame[flag].fillna(0).astype(np.float32)
    frame["strike"] = strike_mask(frame, context).astype(float)
    ref = _reference_for(frame, stats, context)
    if len(ref):
        frame = frame.merge(ref, on=["canteen", "school_year"], how="left")
    else:
        for col in (
            "ref_gap",
            "ref_level",
            "ref_cv",
            "pupils",
            "enrol_ratio",
            "meals_per_pupil",
            "is_new",
            "late_ratio",
            "early_ratio",
            "growth",
            *[f"dow_{i}" for i in range(5)],
        ):
            frame[col] = np.nan
    # Current school year's September-October level, when history covers it (a forecast
    # for the spring made in November sees it; one for the autumn made in June does not).
    current = stats[["canteen", "school_year", "early"]].rename(columns={"early": "cur_early"})
    frame = frame.merge(current, on=["canteen", "school_year"], how="left")
    ref_early = frame["early_ratio"] * frame["ref_level"]
    frame["current_early_ratio"] = frame["cur_early"] / ref_early
    if training:
        # Never from the days being predicted; hidden on half the other rows so the model
        # also learns to forecast without it (deterministic, from the row's position).
        early_months = frame["date"].dt.month.isin((8, 9, 10)).to_numpy()
        hidden = (np.arange(len(frame)) * 2654435761 % 1000) < 500
        frame.loc[early_months | hidden, "current_early_ratio"] = np.nan
    frame = frame.drop(columns=["cur_early"])
    # Recent level: the canteen's meals over the weeks before the forecast is made. Training
    # rows get simulated horizons (1 to ~20 weeks) so the model learns how far it carries.
    if recent is not None and len(recent):
        dates = frame["date"].to_numpy()
        if training:
            days = 7 + (np.arange(len(frame)) * 40503 % MAX_HORIZON_DAYS)
            cutoffs = dates - days.astype("timedelta64[D]")
        else:
            cutoffs = np.full(len(frame), np.datetime64(pd.Timestamp(cutoff), "ns"))
        frame["horizon_days"] = (dates - cutoffs) / np.timedelta64(1, "D")
        frame["recent_ratio"] = _recent_means(frame, recent, cutoffs) / frame["ref_level"]
        frame["recent_month"] = pd.DatetimeIndex(cutoffs).month.to_numpy().astype(float)
    else:
        frame["horizon_days"] = np.nan
        frame["recent_ratio"] = np.nan
        frame["recent_month"] = np.nan
    wd = frame["weekday"].fillna(0).astype(int).clip(0, 4).values
    dows = frame[[f"dow_{i}" for i in range(5)]].to_numpy()
    frame["dow_factor"] = dows[np.arange(len(frame)), wd]
    codes = codes or {}
    kinds = dict(context.canteens[["canteen", "kind"]].values)
    sectors = dict(context.canteens[["canteen", "sector"]].values)
    for col, source in (
        ("canteen_code", frame["canteen"]),
        ("kind_code", frame["canteen"].map(kinds)),
        ("sector_code", frame["canteen"].map(sectors)),
    ):
        table = codes.get(col, {})
        frame[col] = source.map(table).astype(float)
    frame = frame.sort_values("_row").set_index(keys.index)
    return frame.drop(columns=["_row"])


def make_codes(canteens: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Stable integer codes for the categorical features."""
    return {
        "canteen_code": {c: i for i, c in enumerate(sorted(canteens["canteen"].unique()))},
        "kind_code": {c: i for i, c in enumerate(sorted(canteens["kind"].fillna("").unique()))},
        "sector_code": {c: i for i, c in enumerate(sorted(canteens["sector"].fillna("").unique()))},
    }
