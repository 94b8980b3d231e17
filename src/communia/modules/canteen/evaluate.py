"""Forecasting a period, and backtesting all methods against the human orders.

Metrics per canteen and day: MAE, MAPE (days with meals served), meals over-produced
(ordered - served when positive), meals short (served - ordered when positive) and shortage
canteen-days. For a point forecast the "order" is the forecast itself; for the model the
order at the service level is reported too, and the service level at which the model runs
short of as many meals as the human orders did (same total shortage) with its
over-production, which is the comparison the issue's target uses.

:func:`weekly_backtest` replays the manager's weekly workflow instead (horizon one week, not
the issue's 8-week target): each week forecast on the Friday before it and corrected by the
canteen's recent error (:func:`recent_correction`), with the model either fitted once for the
period or refitted every week or few weeks the way a retraining job would, without the latest
normal service days (:func:`fit_until`). That replay is a benchmark only: measured through
refits, the correction did not help enough to be used by the product (see
``docs/benchmarks/canteen.md``), whose forecasts are those of the model fitted on the whole
history.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from communia.core.errors import InvalidInput
from communia.core.formatting import fr_number, fr_percent

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from communia.modules.canteen.io import CanteenData

__all__ = [
    "Metrics",
    "BacktestResult",
    "forecast_period",
    "forecast_rows",
    "backtest",
    "weekly_backtest",
    "recent_factors",
    "recent_school_year",
    "fit_until",
    "recent_correction",
    "metrics",
    "format_backtest",
    "service_rows",
]


@dataclass
class Metrics:
    method: str
    n: int
    mae: float
    mape: float
    over: float
    under: float
    short_days: int


@dataclass
class BacktestResult:
    train_end: dt.date
    test_start: dt.date
    test_end: dt.date
    service_level: float
    rows: list[Metrics]
    equal_shortage: dict = field(default_factory=dict)
    fit_seconds: float = 0.0
    predict_seconds: float = 0.0
    frame: pd.DataFrame | None = None
    model: object | None = None


SAME_WEEK = "Référence : même jour, dernière semaine comparable"
PREVIOUS_YEAR = "Référence : moyenne du même jour, année précédente"
#: Weekly workflow: the model's forecast is corrected by its error over the canteen's last
#: ``RECENT_SERVICE_DAYS`` service days, to the power ``RECENT_WEIGHT`` (validation periods).
RECENT_SERVICE_DAYS = 10
RECENT_WEIGHT = 0.75
#: The correction applies to a period starting at most this many days after the last day of
#: history, in the same school year: in weekly use the longest gap is a two-week holiday
#: between the last Friday served and the Monday after it (17 days).
RECENT_MAX_GAP_DAYS = 21


def metrics(method: str, served: np.ndarray, order: np.ndarray) -> Metrics:
    import numpy as np

    served, order = np.asarray(served, float), np.asarray(order, float)
    err = order - served
    pos = served > 0
    return Metrics(
        method=method,
        n=int(len(served)),
        mae=float(np.mean(np.abs(err))),
        mape=float(np.mean(np.abs(err[pos]) / served[pos]) * 100),
        over=float(np.clip(err, 0, None).sum()),
        under=float(np.clip(-err, 0, None).sum()),
        short_days=int((err < 0).sum()),
    )


def _parse_day(value, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput(f"Date {label} invalide « {value} » (format AAAA-MM-JJ).") from exc


def service_rows(data: CanteenData, start: dt.date, end: dt.date) -> pd.DataFrame:
    """(date, canteen) rows to forecast: school days of the calendar (Wednesdays when the
    canteen served on Wednesdays in its latest school year), for canteens that served in the
    latest school year of history, plus canteens with enrolment for the period that did not
    (new ones, and ones reopening after a year closed for works: forecast from their last
    year and the enrolment change). Days a canteen is declared closed are left out."""
    import pandas as pd

    from communia.modules.canteen.calendar import SchoolCalendar
    from communia.modules.canteen.features import school_year_series

    if end < start:
        raise InvalidInput("La date de fin précède la date de début.")
    cal = SchoolCalendar(zone=data.zone, commune_holidays=data.holidays)
    days = cal.service_days(start, end, wednesdays=True)
    att = data.attendance.dropna(subset=["served"])
    att = att[att["served"] > 0]
    if att.empty:
        raise InvalidInput("Aucun historique de repas servis.")
    years = school_year_series(att["date"])
    last_year = int(years.max())
    recent = att[years >= last_year - (1 if (att["date"].max().month in (8, 9)) else 0)]
    active = set(recent["canteen"])
    wed = recent[recent["date"].dt.day_of_week == 2].groupby("canteen").size()
    n_weeks = recent["date"].dt.isocalendar().week.nunique()
    wednesday_canteens = set(wed[wed >= 0.5 * n_weeks].index)
    period_years = {d.year if d.month >= 8 else d.year - 1 for d in days}
    enrol = data.enrolment
    enrolled = set(
        enrol.loc[enrol["school_year"].isin(period_years) & (enrol["pupils"] > 0), "canteen"]
    )
    canteens = sorted((active | enrolled) & set(data.canteens["canteen"]))
    rows = [
        (pd.Timestamp(d), c)
        for d in days
        for c in canteens
        if d.weekday() != 2 or c in wednesday_canteens
    ]
    if not rows:
        raise InvalidInput(
            f"Période vide : aucun jour de classe entre le {start:%d/%m/%Y} et le {end:%d/%m/%Y}."
        )
    frame = pd.DataFrame(rows, columns=["date", "canteen"])
    ev = data.events
    closed = ev[ev["kind"] == "fermeture"] if len(ev) else ev
    if len(closed):
        city = set(closed.loc[closed["canteen"] == "", "date"])
        local = set(map(tuple, closed.loc[closed["canteen"] != "", ["date", "canteen"]].values))
        keep = [
            not (d in city or (d, c) in local)
            for d, c in zip(frame["date"], frame["canteen"], strict=True)
        ]
        frame = frame[keep]
    return frame.reset_index(drop=True)


def _history_xy(data: CanteenData):
    h = data.attendance
    return h[["date", "canteen"]], h["served"].to_numpy(dtype=float)


def fit_model(data: CanteenData, progress=None, **params):
    """Fit the gradient-boosting forecaster on the whole history of ``data``
    (``progress(fraction)`` follows the boosting rounds)."""
    from communia.modules.canteen.estimators import GradientBoostingForecaster

    X, y = _history_xy(data)
    return GradientBoostingForecaster(context=data.context(), **params).fit(X, y, progress=progress)


def _normal_served(data: CanteenData) -> pd.DataFrame:
    """Canteen-days of the history with meals served, city strike days left out."""
    att = data.attendance.dropna(subset=["served"])
    return att[~att["date"].isin(_city_strikes(data))].reset_index(drop=True)


def recent_school_year(data: CanteenData, start) -> int | None:
    """The school year whose latest service days correct a period starting on ``start``:
    that of the last day of history when ``start`` comes after it by at most
    ``RECENT_MAX_GAP_DAYS`` days in the same school year; otherwise None (no correction)."""
    import pandas as pd

    from communia.modules.canteen.features import school_year_series

    last, start = data.last_date, pd.Timestamp(start)
    if pd.isna(last) or not last < start <= last + pd.Timedelta(days=RECENT_MAX_GAP_DAYS):
        return None
    years = school_year_series(pd.Series([last, start]))
    return int(years.iloc[0]) if years.iloc[0] == years.iloc[1] else None


def fit_until(data: CanteenData, start, *, days: int = RECENT_SERVICE_DAYS):
    """The last day of history a weekly replay fits the model on to forecast a period
    starting on ``start``: None (the whole history) when no correction applies; otherwise the day before
    the ``days``-th latest date with normal service (meals served, no city strike) of the
    current school year, or before its first one when it has fewer: those days are kept out
    of the fit and measure the model's recent error (:func:`recent_correction`)."""
    import pandas as pd

    from communia.modules.canteen.features import school_year_series

    year = recent_school_year(data, start)
    if year is None:
        return None
    normal = _normal_served(data)
    normal = normal[normal["served"] > 0]
    dates = sorted(set(normal.loc[school_year_series(normal["date"]) == year, "date"]))
    if not dates:
        return None
    return dates[-min(days, len(dates))] - pd.Timedelta(days=1)


def recent_correction(
    data: CanteenData,
    model,
    start,
    *,
    days: int = RECENT_SERVICE_DAYS,
    weight: float = RECENT_WEIGHT,
) -> pd.Series:
    """Per canteen, the factor its forecast is multiplied by for a period starting on
    ``start``: the model's error on the days of history after its own last day (out of
    sample), up to the end of ``data`` (:func:`recent_factors`). Empty when no correction
    applies."""
    import pandas as pd

    year = recent_school_year(data, start)
    normal = _normal_served(data)
    after = normal[normal["date"] > model.last_date_]
    if year is None or after.empty:
        return pd.Series(dtype=float, name="factor")
    recent = after[["date", "canteen", "served"]].assign(forecast=model.predict(after))
    return recent_factors(recent, data.last_date, year, days=days, weight=weight)


def forecast_rows(model, rows: pd.DataFrame, service_level: float) -> pd.DataFrame:
    import numpy as np

    point = model.predict(rows)
    order = model.predict_quantile(rows, service_level, point=point)
    out = rows.copy()
    out["forecast"] = np.round(point, 1)
    out["order"] = order
    return out


def forecast_period(
    data: CanteenData,
    start,
    end,
    *,
    service_level: float = 0.95,
    model=None,
) -> pd.DataFrame:
    """Columns ``date, canteen, forecast, order`` for every canteen and service day."""
    start, end = _parse_day(start, "de début"), _parse_day(end, "de fin")
    if not 0.5 <= service_level < 1:
        raise InvalidInput("Le niveau de service doit être compris entre 0,5 et 0,999.")
    rows = service_rows(data, start, end)
    if model is None:
        model = fit_model(data)
    else:
        model.set_params(context=data.context())
    out = forecast_rows(model, rows, service_level)
    return out.dropna(subset=["forecast"])


def _test_rows(data: CanteenData, history: CanteenData, test_start, test_end) -> pd.DataFrame:
    """The period's canteen-days with both meals served and the human order, for canteens
    the history or the enrolment knows."""
    att = data.attendance
    test = att[(att["date"] >= str(test_start)) & (att["date"] <= str(test_end))]
    test = test.dropna(subset=["served", "ordered"])
    test = test[
        test["canteen"].isin(set(history.attendance["canteen"]) | set(data.enrolment["canteen"]))
    ]
    if test.empty:
        raise InvalidInput("Période de test vide : aucun jour avec repas servis et commandés.")
    return test


def _check_period(train_end, test_start, test_end) -> tuple[dt.date, dt.date, dt.date]:
    train_end = _parse_day(train_end, "de fin d'apprentissage")
    test_start = _parse_day(test_start, "de début de test")
    test_end = _parse_day(test_end, "de fin de test")
    if test_start <= train_end:
        raise InvalidInput("La période de test doit commencer après la fin de l'apprentissage.")
    if test_end < test_start:
        raise InvalidInput("La fin de la période de test précède son début.")
    return train_end, test_start, test_end


def _city_strikes(data: CanteenData) -> set:
    strikes = data.events[data.events["kind"] == "greve"]
    return set(strikes.loc[strikes["canteen"] == "", "date"])


def _score(
    data: CanteenData,
    model,
    keys: pd.DataFrame,
    served: np.ndarray,
    human: np.ndarray,
    baselines: list[tuple[str, np.ndarray]],
    point: np.ndarray,
    service_level: float,
    extra: list[tuple[str, np.ndarray]] = (),
) -> tuple[list[Metrics], dict, np.ndarray]:
    """Metrics of every method (human orders first, then the baselines, the model's
    forecast ``point`` and its order at ``service_level``, then ``extra`` methods), the same
    without and on strike days, and the over-production at the humans' total shortage.
    Returns the rows, the equal-shortage figures and the model's orders."""
    calm_point = model.calm_point(keys)
    order = model.predict_quantile(keys, service_level, point=point, calm=calm_point)
    rows = [metrics("Commandes humaines (prevision)", served, human)]
    rows += [metrics(name, served, values) for name, values in baselines]
    rows += [
        metrics("Modèle (gradient boosting), prévision", served, point),
        metrics(f"Modèle, commande au niveau de service {service_level:.0%}", served, order),
    ]
    rows += [metrics(name, served, values) for name, values in extra]
    human_short = rows[0].under
    level, over = _equal_shortage(model, keys, point, calm_point, served, human_short)
    equal = {
        "human_short": human_short,
        "human_over": rows[0].over,
        "model_level": level,
        "model_over": over,
        "ratio": over / rows[0].over if rows[0].over else float("nan"),
    }
    # The same without strike days: the humans knew each canteen's strikers 48 hours
    # ahead, the model only that a strike was called.
    calm = ~keys["date"].isin(_city_strikes(data)).to_numpy()
    if calm.sum() and (~calm).sum():
        k2, s2, p2 = keys[calm].reset_index(drop=True), served[calm], point[calm]
        c2 = calm_point[calm]
        rows += [
            metrics("Hors jours de grève : commandes humaines", s2, human[calm]),
            metrics("Hors jours de grève : modèle, prévision", s2, p2),
            metrics(
                f"Hors jours de grève : modèle, commande à {service_level:.0%}", s2, order[calm]
            ),
        ]
        rows += [
            metrics("Jours de grève seulement : commandes humaines", served[~calm], human[~calm]),
            metrics("Jours de grève seulement : modèle, prévision", served[~calm], point[~calm]),
            metrics(
                f"Jours de grève seulement : modèle, commande à {service_level:.0%}",
                served[~calm],
                order[~calm],
            ),
        ]
        calm_humans = rows[-6]
        lvl2, over2 = _equal_shortage(model, k2, p2, c2, s2, calm_humans.under)
        equal["calm"] = {
            "human_short": calm_humans.under,
            "human_over": calm_humans.over,
            "model_level": lvl2,
            "model_over": over2,
            "ratio": over2 / calm_humans.over if calm_humans.over else float("nan"),
            "strike_days": int(len(set(keys.loc[~calm, "date"]))),
        }
    return rows, equal, order


def backtest(
    data: CanteenData,
    *,
    train_end,
    test_start,
    test_end,
    service_level: float = 0.95,
    model_params: dict | None = None,
) -> BacktestResult:
    """Fit every method on history up to ``train_end``; score on the test period's actual
    canteen-days that have both meals served and the human order."""
    import numpy as np

    from communia.modules.canteen.estimators import (
        GradientBoostingForecaster,
        SameWeekdayBaseline,
    )

    train_end, test_start, test_end = _check_period(train_end, test_start, test_end)
    history = data.until(train_end)
    test = _test_rows(data, history, test_start, test_end)
    X, y = _history_xy(history)
    ctx = data.context()
    t0 = time.perf_counter()
    model = GradientBoostingForecaster(context=ctx, **(model_params or {})).fit(X, y)
    fit_seconds = time.perf_counter() - t0
    keys = test[["date", "canteen"]].reset_index(drop=True)
    served = test["served"].to_numpy()
    t0 = time.perf_counter()
    point = model.predict(keys)
    predict_seconds = time.perf_counter() - t0
    ok = np.isfinite(point)
    keys, served, point = keys[ok].reset_index(drop=True), served[ok], point[ok]
    human = test["ordered"].to_numpy()[ok]
    same_week = SameWeekdayBaseline(context=ctx).fit(X, y).predict(keys)
    return _scored_result(
        data,
        history,
        (train_end, test_start, test_end),
        service_level,
        model,
        keys,
        served,
        human,
        point,
        same_week,
        seconds=(fit_seconds, predict_seconds),
    )


def _scored_result(
    data: CanteenData,
    history: CanteenData,
    period: tuple,
    service_level: float,
    model,
    keys: pd.DataFrame,
    served: np.ndarray,
    human: np.ndarray,
    point: np.ndarray,
    same_week: np.ndarray,
    *,
    seconds: tuple[float, float],
    orders_model=None,
    plain: np.ndarray | None = None,
) -> BacktestResult:
    """Score a backtest's forecasts beside the humans and the baselines (the previous-year
    mean fitted on ``history``) and assemble its result. ``orders_model`` gives the orders
    (default ``model``); ``plain``: the forecast before the recent-error correction."""
    from communia.modules.canteen.estimators import PreviousYearBaseline

    X, y = _history_xy(history)
    prev_year = PreviousYearBaseline(context=data.context()).fit(X, y).predict(keys)
    rows, equal, order = _score(
        data,
        orders_model or model,
        keys,
        served,
        human,
        [(SAME_WEEK, same_week), (PREVIOUS_YEAR, prev_year)],
        point,
        service_level,
        extra=[] if plain is None else [("Modèle sans correction par l'écart récent", plain)],
    )
    frame = keys.assign(served=served, human=human, forecast=point)
    if plain is not None:
        frame["plain"] = plain
    frame = frame.assign(order=order, same_week=same_week, prev_year=prev_year)
    return BacktestResult(*period, service_level, rows, equal, *seconds, frame, model)


def recent_factors(
    recent: pd.DataFrame,
    cutoff,
    school_year: int,
    *,
    days: int = RECENT_SERVICE_DAYS,
    weight: float = RECENT_WEIGHT,
) -> pd.Series:
    """Per canteen, the correction of the model's forecast by its recent error: the meals
    served over the forecast meals on the canteen's last ``days`` normal service days up to
    ``cutoff`` of the same school year, to the power ``weight`` (0: no correction, 1: the
    whole recent ratio), clipped to [0.5, 2]. ``recent`` has ``date, canteen, served,
    forecast`` for days the model was not fitted on. Canteens without such days: absent."""
    import pandas as pd

    from communia.modules.canteen.features import school_year_series

    r = recent[(recent["date"] <= pd.Timestamp(cutoff))]
    r = r[school_year_series(r["date"]) == school_year]
    r = r[(r["served"] > 0) & (r["forecast"] > 0)]
    last = r.sort_values("date").groupby("canteen").tail(days)
    sums = last.groupby("canteen")[["served", "forecast"]].sum()
    return ((sums["served"] / sums["forecast"]).clip(0.5, 2.0) ** weight).rename("factor")


class _ModelPerWeek:
    """Orders of a weekly replay: each row's from the model its week was forecast with,
    its strike days' forecast without strike corrected like the forecast (``factors``: per
    Monday, the canteens' recent-error factors)."""

    def __init__(self, by_monday: dict, factors: dict):
        self.by_monday = by_monday
        self.factors = factors

    def _weeks(self, X: pd.DataFrame):
        import pandas as pd

        mondays = X["date"] - pd.to_timedelta(X["date"].dt.day_of_week, unit="D")
        return ((m, self.by_monday[m], idx) for m, idx in X.groupby(mondays).indices.items())

    def calm_point(self, X: pd.DataFrame) -> np.ndarray:
        import numpy as np

        out = np.full(len(X), np.nan)
        for monday, model, idx in self._weeks(X):
            week = X.iloc[idx]
            factor = week["canteen"].map(self.factors[monday]).fillna(1.0).to_numpy()
            out[idx] = model.calm_point(week) * factor
        return out

    def predict_quantile(self, X: pd.DataFrame, level: float, *, point, calm) -> np.ndarray:
        import numpy as np

        out = np.full(len(X), np.nan)
        for _, model, idx in self._weeks(X):
            out[idx] = model.predict_quantile(
                X.iloc[idx], level, point=np.asarray(point)[idx], calm=np.asarray(calm)[idx]
            )
        return out


def weekly_backtest(
    data: CanteenData,
    model=None,
    *,
    train_end,
    test_start,
    test_end,
    service_level: float = 0.95,
    refit_every: int = 0,
    correct: bool = True,
    days: int = RECENT_SERVICE_DAYS,
    weight: float = RECENT_WEIGHT,
    model_params: dict | None = None,
) -> BacktestResult:
    """The manager's weekly workflow (horizon one week, NOT the 8-week horizon of the
    issue's targets): each week of the test period is forecast on the Friday before it,
    with everything served up to that Friday, and corrected by the canteen's recent error
    (:func:`recent_correction`).

    ``refit_every=0``: ``model`` was fitted once, on history up to ``train_end``, and is not
    refitted during the period. ``refit_every=k``: the product path, the model refitted every
    ``k`` weeks as a retraining job would (history to the Friday before, without the days
    :func:`fit_until` keeps out). ``correct=False`` with refits: the product as it is (fitted
    on the whole history to the Friday, not corrected). The "same weekday last week" baseline
    is refitted every week; the previous-year mean does not change with the horizon."""
    import numpy as np
    import pandas as pd

    from communia.modules.canteen.estimators import SameWeekdayBaseline

    train_end, test_start, test_end = _check_period(train_end, test_start, test_end)
    if model is None and not refit_every:
        raise InvalidInput("Sans réentraînement, il faut le modèle appris une fois.")
    history = data.until(train_end)
    test = _test_rows(data, history, test_start, test_end)
    ctx = data.context()
    keys = test[["date", "canteen"]].reset_index(drop=True)
    served = test["served"].to_numpy()
    human = test["ordered"].to_numpy()
    plain = np.full(len(keys), np.nan)
    point = np.full(len(keys), np.nan)
    mondays = keys["date"] - pd.to_timedelta(keys["date"].dt.day_of_week, unit="D")
    weeks = keys.groupby(mondays).indices  # Monday -> row positions
    by_monday, factors_by_monday, fit_seconds, predict_seconds = {}, {}, 0.0, 0.0
    for n, (monday, idx) in enumerate(sorted(weeks.items())):
        known = data.until(monday - pd.Timedelta(days=3))  # up to the Friday before
        if refit_every and n % refit_every == 0:
            cutoff = fit_until(known, monday, days=days) if correct else None
            t0 = time.perf_counter()
            model = fit_model(
                known if cutoff is None else known.until(cutoff), **(model_params or {})
            )
            fit_seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
        week = keys.iloc[idx]
        plain[idx] = model.predict(week)
        factors = (
            recent_correction(known, model, monday, days=days, weight=weight)
            if correct
            else pd.Series(dtype=float)
        )
        point[idx] = plain[idx] * week["canteen"].map(factors).fillna(1.0).to_numpy()
        predict_seconds += time.perf_counter() - t0
        by_monday[monday], factors_by_monday[monday] = model, factors
    ok = np.isfinite(plain)
    keys, served, human = keys[ok].reset_index(drop=True), served[ok], human[ok]
    plain, point = plain[ok], point[ok]
    weeks = keys.groupby(keys["date"] - pd.to_timedelta(keys["date"].dt.day_of_week, unit="D"))
    same_week = np.full(len(keys), np.nan)
    X_all, y_all = _history_xy(data)
    for monday, idx in weeks.indices.items():
        past = (X_all["date"] <= monday - pd.Timedelta(days=3)).to_numpy()
        same_week[idx] = (
            SameWeekdayBaseline(context=ctx).fit(X_all[past], y_all[past]).predict(keys.iloc[idx])
        )
    return _scored_result(
        data,
        history,
        (train_end, test_start, test_end),
        service_level,
        model,
        keys,
        served,
        human,
        point,
        same_week,
        seconds=(fit_seconds, predict_seconds),
        orders_model=_ModelPerWeek(by_monday, factors_by_monday),
        plain=plain,
    )


def _equal_shortage(model, keys, point, calm, served, target_short: float) -> tuple[float, float]:
    """Service level where the model's orders miss as many meals as the humans did (bisection
    on the level; the shortage decreases as the level rises). ``calm``: the strike days'
    forecast without strike (``calm_point``), computed once."""
    import numpy as np

    def short_over(level: float) -> tuple[float, float]:
        order = model.predict_quantile(keys, level, point=point, calm=calm)
        err = order - served
        return float(np.clip(-err, 0, None).sum()), float(np.clip(err, 0, None).sum())

    lo, hi = 0.5, 0.999
    if short_over(lo)[0] <= target_short:
        return lo, short_over(lo)[1]
    if short_over(hi)[0] > target_short:
        return hi, short_over(hi)[1]
    for _ in range(30):
        mid = (lo + hi) / 2
        if short_over(mid)[0] > target_short:
            lo = mid
        else:
            hi = mid
    return hi, short_over(hi)[1]


_fmt = fr_number


def _strike_days(n: int) -> str:
    return f"{n} jour de grève écarté" if n == 1 else f"{_fmt(n)} jours de grève écartés"


def format_backtest(result: BacktestResult, *, markdown: bool = False) -> str:
    """French table of the backtest."""
    head = (
        f"Apprentissage jusqu'au {result.train_end:%d/%m/%Y}, test du "
        f"{result.test_start:%d/%m/%Y} au {result.test_end:%d/%m/%Y} "
        f"({_fmt(result.rows[0].n)} jours-cantines)"
    )
    cols = ("Méthode", "MAE", "MAPE %", "Surproduction", "Manque", "Jours-cantines en manque")
    lines = [head, ""]
    body = [
        (m.method, _fmt(m.mae, 2), _fmt(m.mape, 1), _fmt(m.over), _fmt(m.under), _fmt(m.short_days))
        for m in result.rows
    ]
    if markdown:
        lines.append("| " + " | ".join(cols) + " |")
        lines.append("|" + "---|" * len(cols))
        lines.extend("| " + " | ".join(r) + " |" for r in body)
    else:
        widths = [max(len(c), *(len(r[i]) for r in body)) for i, c in enumerate(cols)]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
        lines.extend("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in body)
    eq = result.equal_shortage
    lines += [
        "",
        f"À manque égal aux commandes humaines ({_fmt(eq['human_short'])} repas) : le modèle "
        f"(niveau de service {fr_percent(eq['model_level'])}) surproduit {_fmt(eq['model_over'])} repas, "
        f"contre {_fmt(eq['human_over'])} pour les commandes humaines "
        f"(soit {fr_percent(eq['ratio'], 0)} ; objectif ≤ 50 %).",
    ]
    if "calm" in eq:
        c = eq["calm"]
        lines.append(
            f"Hors jours de grève ({_strike_days(c['strike_days'])}), à manque égal "
            f"({_fmt(c['human_short'])} repas) : le modèle (niveau {fr_percent(c['model_level'])}) "
            f"surproduit {_fmt(c['model_over'])} repas contre {_fmt(c['human_over'])} "
            f"(soit {fr_percent(c['ratio'], 0)})."
        )
    if result.fit_seconds:
        lines.append(
            f"Durée d'apprentissage : {_fmt(result.fit_seconds, 1)} s ; prévision de la période : "
            f"{_fmt(result.predict_seconds, 1)} s."
        )
    else:  # weekly workflow: the model was fitted before (see weekly_backtest)
        lines.append(f"Prévision des semaines de la période : {_fmt(result.predict_seconds, 1)} s.")
    return "\n".join(lines)
