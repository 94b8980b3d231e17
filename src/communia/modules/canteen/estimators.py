"""Forecasters following the scikit-learn estimator contract.

``X`` is a frame with ``date`` and ``canteen`` columns, ``y`` the meals served. What is known
in advance (calendar, menus, enrolment, strikes, events) comes from ``context``, a
:class:`~communia.modules.canteen.io.CanteenData`, given as a parameter. ``fit`` learns only
from ``(X, y)``: a forecast never sees a served count after the last day it was fitted on.

- :class:`SameWeekdayBaseline`: the same weekday of the last comparable week of history;
- :class:`PreviousYearBaseline`: the mean of the same weekday over the previous school year;
- :class:`GradientBoostingForecaster`: LightGBM (Huber and L1 boosters, averaged) on the ratio
  of meals to the canteen's reference-year level, with empirical quantiles of its own
  out-of-time errors (scaled by the square root of the forecast) for orders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin

from communia.core.errors import InvalidInput
from communia.modules.canteen.features import (
    CATEGORICAL,
    FEATURES,
    RECENT_FEATURES,
    build_features,
    make_codes,
    normal_days,
    reference_stats,
    school_year_series,
    strike_mask,
)

if TYPE_CHECKING:  # pragma: no cover
    from communia.modules.canteen.io import CanteenData

__all__ = [
    "SameWeekdayBaseline",
    "PreviousYearBaseline",
    "GradientBoostingForecaster",
    "DRIVER_GROUPS",
    "shortage_risk",
]


def _check_xy(X: pd.DataFrame, y=None) -> tuple[pd.DataFrame, np.ndarray | None]:
    if not isinstance(X, pd.DataFrame) or not {"date", "canteen"} <= set(X.columns):
        raise InvalidInput("Les données doivent avoir les colonnes « date » et « canteen ».")
    if len(X) == 0:
        raise InvalidInput("Période vide : aucune ligne à traiter.")
    X = X.assign(date=pd.to_datetime(X["date"]))
    if y is None:
        return X, None
    y = np.asarray(y, dtype=float)
    if len(y) != len(X):
        raise InvalidInput("X et y n'ont pas le même nombre de lignes.")
    return X, y


def _normal_mask(X: pd.DataFrame, y: np.ndarray, context: CanteenData | None) -> np.ndarray:
    ok = np.isfinite(y) & (y > 0)
    if context is not None and len(context.events):
        strikes = set(context.events.loc[context.events["kind"] == "greve", "date"])
        ok &= ~X["date"].isin(strikes).to_numpy()
    return ok


class SameWeekdayBaseline(BaseEstimator, RegressorMixin):
    """Naive: meals served on the same weekday of the last comparable week of history
    (a day with service, no strike). Canteens never seen: median of the last week."""

    def __init__(self, *, context: CanteenData | None = None):
        self.context = context

    def fit(self, X: pd.DataFrame, y) -> SameWeekdayBaseline:
        X, y = _check_xy(X, y)
        ok = _normal_mask(X, y, self.context)
        h = X.loc[ok, ["date", "canteen"]].assign(
            served=y[ok], weekday=X.loc[ok, "date"].dt.day_of_week
        )
        last = h.sort_values("date").groupby(["canteen", "weekday"]).tail(1)
        self.last_ = {(c, w): v for c, w, v in last[["canteen", "weekday", "served"]].values}
        recent = h[h["date"] > h["date"].max() - pd.Timedelta(days=14)]
        self.recent_ = recent.groupby("canteen")["served"].median().to_dict()
        self.fallback_ = float(recent["served"].median()) if len(recent) else 0.0
        self.last_date_ = h["date"].max()
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        X, _ = _check_xy(X)
        out = []
        for d, c in zip(X["date"], X["canteen"], strict=True):
            v = self.last_.get((c, d.day_of_week))
            out.append(v if v is not None else self.recent_.get(c, self.fallback_))
        return np.asarray(out, dtype=float)


class PreviousYearBaseline(BaseEstimator, RegressorMixin):
    """Naive: mean of the same weekday over the latest complete school year before the day's
    school year (all weekdays when that weekday had no service)."""

    def __init__(self, *, context: CanteenData | None = None):
        self.context = context

    def fit(self, X: pd.DataFrame, y) -> PreviousYearBaseline:
        X, y = _check_xy(X, y)
        ok = _normal_mask(X, y, self.context)
        h = X.loc[ok, ["date", "canteen"]].assign(served=y[ok])
        h["school_year"] = school_year_series(h["date"])
        h["weekday"] = h["date"].dt.day_of_week
        self.by_weekday_ = (
            h.groupby(["canteen", "school_year", "weekday"])["served"].mean().to_dict()
        )
        self.by_year_ = h.groupby(["canteen", "school_year"])["served"].mean().to_dict()
        self.years_ = {c: sorted(g.unique()) for c, g in h.groupby("canteen")["school_year"]}
        self.fallback_ = float(h["served"].median()) if len(h) else 0.0
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        X, _ = _check_xy(X)
        years = school_year_series(X["date"])
        out = []
        for d, c, year in zip(X["date"], X["canteen"], years, strict=True):
            prior = [y for y in self.years_.get(c, []) if y < year]
            if not prior:
                out.append(self.fallback_)
                continue
            ref = prior[-1]
            v = self.by_weekday_.get((c, ref, d.day_of_week))
            out.append(v if v is not None else self.by_year_[(c, ref)])
        return np.asarray(out, dtype=float)


#: How features are grouped into drivers a manager understands (French labels).
DRIVER_GROUPS = {
    "jour de la semaine": ("weekday", "dow_factor"),
    "vacances et jours fériés proches": (
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
    ),
    "menu": (
        "menu_fish",
        "menu_pork",
        "menu_meat",
        "menu_vegetarian",
        "menu_festive",
        "menu_known",
    ),
    "grève": ("strike", "strike_ratio"),
    "période de l'année": ("month", "day_of_year", "school_week"),
    "effectifs et tendance": (
        "ref_gap",
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
    ),
    "habitudes de la cantine": ("ref_level", "ref_cv", "canteen_code", "kind_code", "sector_code"),
}
#: How « Pourquoi » names the meals the manager added or removed for an event (a trip: -45).
MANUAL_DELTA_LABEL = "écart saisi par le gestionnaire"


def _round_counter(progress, total: int):
    """A LightGBM callback body calling ``progress(fraction)`` about every 5 % of ``total``
    boosting rounds (None when nobody listens)."""
    if progress is None or total <= 0:
        return None
    state = {"done": 0, "reported": 0.0}

    def tick() -> None:
        state["done"] += 1
        fraction = min(state["done"] / total, 1.0)
        if fraction - state["reported"] >= 0.05 or fraction == 1.0:
            state["reported"] = fraction
            progress(fraction)

    return tick


class GradientBoostingForecaster(BaseEstimator, RegressorMixin):
    """LightGBM forecast of meals per canteen and day, with orders at a service level.

    The model predicts the ratio ``meals / reference level`` (reference level = mean meals of
    the canteen over the latest complete school year before the day's year, or, for a new
    canteen, its enrolment times the meals per pupil of similar canteens), weighted by the
    level so that the loss counts meals. ``objective`` may name several LightGBM losses joined
    by ``+`` (default ``huber+l1``): one booster per loss, their ratios averaged (the L1 one
    is a median regression, which suits the MAE and strike days, where most canteens serve
    as usual and a few, different each time, serve almost nothing). Orders add to the
    forecast an empirical quantile of ``(served - forecast) / sqrt(forecast)`` measured out
    of time, per term: the model is first fitted without the last school year of history and
    scored on it (when at least two years precede it).
    """

    def __init__(
        self,
        *,
        context: CanteenData | None = None,
        n_estimators: int = 400,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 40,
        feature_fraction: float = 0.8,
        bagging_fraction: float = 0.8,
        reg_lambda: float = 1.0,
        objective: str = "huber+l1",
        enrolment_elasticity: float = 0.7,
        history_years: int | None = None,
        canteen_identity: bool = True,
        recent: bool = False,
        calibrate: bool = True,
        random_state: int = 0,
        n_jobs: int = 1,
    ):
        self.context = context
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.feature_fraction = feature_fraction
        self.bagging_fraction = bagging_fraction
        self.reg_lambda = reg_lambda
        self.objective = objective
        self.enrolment_elasticity = enrolment_elasticity
        self.history_years = history_years
        self.canteen_identity = canteen_identity
        self.recent = recent
        self.calibrate = calibrate
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fitting
    def _context(self) -> CanteenData:
        if self.context is None:
            raise InvalidInput("Le modèle a besoin du contexte (calendrier, menus, effectifs).")
        return self.context

    def _objectives(self) -> list[str]:
        return [o.strip() for o in self.objective.split("+") if o.strip()]

    def _params(self, objective: str) -> dict[str, Any]:
        params = {
            "objective": objective,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1,
            "lambda_l2": self.reg_lambda,
            "seed": self.random_state,
            "num_threads": self.n_jobs,
            "verbose": -1,
            "deterministic": True,
            "force_row_wise": True,
        }
        if objective == "huber":
            params["alpha"] = 0.15  # on the ratio scale: ~15 % of the level
        return params

    def _train(self, X: pd.DataFrame, y: np.ndarray, codes, tick=None):
        import lightgbm as lgb

        ctx = self._context()
        ok = _normal_mask(X, y, None)  # strikes stay in: the model learns their effect
        closed = _closure_mask(X, ctx)
        keep = ok & ~closed & ~_unusual_days(X, y, ctx)
        stats = reference_stats(X.loc[keep].assign(served=y[keep]), ctx)
        recent = normal_days(X.loc[keep].assign(served=y[keep]), ctx) if self.recent else None
        feats = build_features(
            X.loc[keep, ["date", "canteen"]],
            stats,
            ctx,
            codes=codes,
            training=True,
            recent=recent,
        )
        base = self._base(feats)
        target = y[keep] / base
        usable = np.isfinite(target) & (base > 0)
        if self.history_years:
            # Only the latest school years: older habits (other calendar) weigh less.
            years = feats["school_year"].to_numpy()
            usable &= years > years.max() - self.history_years
        feats, target, weight = feats.loc[usable], target[usable], base[usable]
        if len(feats) < 200:
            raise InvalidInput(
                "Historique trop court pour entraîner le modèle : il faut au moins une année "
                "scolaire complète suivie de données."
            )
        data = lgb.Dataset(
            self._matrix(feats),
            label=target,
            weight=weight,
            categorical_feature=list(CATEGORICAL),
            free_raw_data=True,
        )
        callbacks = [lambda env: tick()] if tick is not None else None
        boosters = [
            lgb.train(
                self._params(objective),
                data,
                num_boost_round=self.n_estimators,
                callbacks=callbacks,
            )
            for objective in self._objectives()
        ]
        booster = boosters[0] if len(boosters) == 1 else BoosterAverage(boosters)
        return booster, stats, recent

    def _base(self, feats: pd.DataFrame) -> np.ndarray:
        """The level the model's ratio multiplies: the reference-year level, scaled by the
        change in enrolment to the power ``enrolment_elasticity``."""
        ratio = feats["enrol_ratio"].fillna(1.0).clip(0.5, 2.0).to_numpy()
        return feats["ref_level"].to_numpy() * ratio**self.enrolment_elasticity

    def _feature_names(self) -> list[str]:
        if self.recent:
            return list(FEATURES)
        return [f for f in FEATURES if f not in RECENT_FEATURES]

    def _matrix(self, feats: pd.DataFrame) -> pd.DataFrame:
        matrix = feats[self._feature_names()].astype(float)
        if not self.canteen_identity:
            matrix["canteen_code"] = np.nan
        return matrix

    def fit(self, X: pd.DataFrame, y, progress=None) -> GradientBoostingForecaster:
        """Fit on the history; ``progress(fraction)`` is called as the boosting rounds run."""
        X, y = _check_xy(X, y)
        ctx = self._context()
        self.codes_ = make_codes(ctx.canteens)
        years = school_year_series(X["date"])
        held_year = _held_out_year(years, y)
        self.residual_quantiles_ = None
        calibrating = self.calibrate and len(set(years[years <= held_year])) >= 3
        tick = _round_counter(
            progress, (2 if calibrating else 1) * len(self._objectives()) * self.n_estimators
        )
        if calibrating:
            # Out-of-time errors: fit without the last school year, score it.
            past = (years < held_year).to_numpy()
            booster, stats, recent = self._train(X.loc[past], y[past], self.codes_, tick)
            hold = (years == held_year).to_numpy() & np.isfinite(y) & (y > 0)
            feats = build_features(
                X.loc[hold, ["date", "canteen"]],
                stats,
                ctx,
                codes=self.codes_,
                recent=recent,
                cutoff=X.loc[past & np.isfinite(y), "date"].max(),
            )
            pred = booster.predict(self._matrix(feats)) * self._base(feats)
            self.residual_quantiles_ = _quantile_table(
                y[hold], pred, X.loc[hold, "date"].to_numpy()
            )
        self.last_date_ = X.loc[np.isfinite(y), "date"].max()
        self.booster_, self.ref_stats_, recent = self._train(X, y, self.codes_, tick)
        self.recent_history_ = (
            recent[recent["date"] > self.last_date_ - pd.Timedelta(days=60)].reset_index(drop=True)
            if recent is not None
            else None
        )
        if self.residual_quantiles_ is None:
            feats = self._features(X)
            ok = np.isfinite(y) & (y > 0) & np.isfinite(feats["ref_level"].to_numpy())
            pred = self.booster_.predict(self._matrix(feats.loc[ok]))
            pred = pred * self._base(feats.loc[ok])
            # In-sample errors are too optimistic: widen them.
            self.residual_quantiles_ = _quantile_table(
                y[ok], pred, X.loc[ok, "date"].to_numpy(), widen=1.5
            )
        self.n_features_in_ = len(self._feature_names())
        return self

    # ------------------------------------------------------------------ predicting
    def _features(self, X: pd.DataFrame) -> pd.DataFrame:
        return build_features(
            X[["date", "canteen"]],
            self.ref_stats_,
            self._context(),
            codes=self.codes_,
            recent=getattr(self, "recent_history_", None),
            cutoff=self.last_date_,
        )

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        X, _ = _check_xy(X)
        feats = self._features(X)
        return self._predict_features(X, feats)

    def _predict_features(self, X: pd.DataFrame, feats: pd.DataFrame) -> np.ndarray:
        ratio = self.booster_.predict(self._matrix(feats))
        pred = ratio * self._base(feats)
        pred = np.where(np.isfinite(pred), np.maximum(pred, 0.0), np.nan)
        pred = np.where(_closure_mask(X, self._context()), 0.0, pred)
        return pred + _manual_deltas(X, self._context())

    def calm_point(self, X: pd.DataFrame) -> np.ndarray:
        """The forecast of strike days as if there were no strike (NaN on the other days):
        what a canteen serves when its staff and families do not follow the strike, as most
        do on most strike days."""
        X, _ = _check_xy(X)
        out = np.full(len(X), np.nan)
        feats = self._features(X)
        strike = feats["strike"].to_numpy() > 0
        if strike.any():
            calm = feats.loc[strike].assign(strike=0.0)
            out[strike] = self._predict_features(X.loc[strike], calm)
        return out

    def predict_quantile(
        self,
        X: pd.DataFrame,
        level: float,
        *,
        point: np.ndarray | None = None,
        calm: np.ndarray | None = None,
    ):
        """Meals to order so that the canteen runs short on about ``1 - level`` of days.

        On a strike day the order is at least the one of the same day without strike
        (``calm``, default :meth:`calm_point`): who follows a strike is known 48 hours ahead
        at best, and the canteens that serve as usual must not run short (validation
        periods: 11 % of strike canteen-days short at 95 % without this floor, 1.5 % with it).
        """
        if not 0.5 <= level < 1:
            raise InvalidInput("Le niveau de service doit être compris entre 0,5 et 0,999.")
        point = self.predict(X) if point is None else np.asarray(point, dtype=float)
        calm = self.calm_point(X) if calm is None else np.asarray(calm, dtype=float)
        X, _ = _check_xy(X)
        dates = X["date"].to_numpy()
        order = order_from_quantiles(point, dates, self.residual_quantiles_, level)
        floor = order_from_quantiles(calm, dates, self.residual_quantiles_, level)
        return np.fmax(order, floor)

    def explain(self, X: pd.DataFrame, *, top: int = 3) -> list[list[tuple[str, float]]]:
        """Main drivers of each forecast, in meals, as (French label, meals) pairs, largest
        first. Contributions are LightGBM's SHAP values, grouped by ``DRIVER_GROUPS``.

        « grève » is named on strike days only, and always there: elsewhere its share (the
        canteen's usual turnout on strike days) is one of the canteen's habits. A change of
        meals the manager typed for an event comes first, under its own label.
        """
        X, _ = _check_xy(X)
        feats = self._features(X)
        contrib = self.booster_.predict(self._matrix(feats), pred_contrib=True)
        level = self._base(feats)
        index = {f: i for i, f in enumerate(self._feature_names())}
        strike_days = feats["strike"].to_numpy() > 0
        typed = _manual_deltas(X, self._context())
        out = []
        for row, lvl, strike, delta in zip(contrib, level, strike_days, typed, strict=True):
            meals = {
                label: float(sum(row[index[f]] for f in names if f in index))
                * (lvl if np.isfinite(lvl) else 0)
                for label, names in DRIVER_GROUPS.items()
            }
            if not strike:
                meals["habitudes de la cantine"] += meals.pop("grève")
            groups = sorted(meals.items(), key=lambda g: -abs(g[1]))[:top]
            if strike and "grève" not in dict(groups):
                groups = [*groups[: top - 1], ("grève", meals["grève"])]
            if delta:
                groups = [(MANUAL_DELTA_LABEL, float(delta)), *groups[: top - 1]]
            out.append(groups)
        return out


class BoosterAverage:
    """Several LightGBM boosters fitted on the same rows with different losses, averaged.
    Same interface as the parts the forecaster uses of ``lightgbm.Booster``."""

    def __init__(self, boosters: list):
        self.boosters = list(boosters)

    def predict(self, matrix, **kwargs) -> np.ndarray:
        return np.mean([b.predict(matrix, **kwargs) for b in self.boosters], axis=0)

    def num_feature(self) -> int:
        return self.boosters[0].num_feature()

    def model_strings(self) -> list[str]:
        return [b.model_to_string() for b in self.boosters]


#: A day served below ``low`` or above ``high`` times the canteen's median of its school
#: year (strike days aside) is left out of training: partial closures, trips, typing errors.
#: Chosen on the validation periods (round 6 of docs/benchmarks/canteen.md).
UNUSUAL_DAY_RATIOS = (0.3, 3.0)


def _unusual_days(X: pd.DataFrame, y: np.ndarray, context: CanteenData) -> np.ndarray:
    """Days with meals served far from the canteen's usual level (``UNUSUAL_DAY_RATIOS``
    of its median over the school year's days with service and no strike)."""
    normal = _normal_mask(X, y, None) & ~strike_mask(X, context)
    frame = pd.DataFrame(
        {"canteen": X["canteen"].to_numpy(), "year": school_year_series(X["date"]).to_numpy()}
    )
    median = (
        pd.Series(np.where(normal, y, np.nan))
        .groupby([frame["canteen"], frame["year"]])
        .transform("median")
        .to_numpy()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = y / median
    low, high = UNUSUAL_DAY_RATIOS
    return normal & ((ratio < low) | (ratio > high))


def _closure_mask(X: pd.DataFrame, context: CanteenData) -> np.ndarray:
    ev = context.events
    if ev is None or not len(ev):
        return np.zeros(len(X), dtype=bool)
    closed = ev[ev["kind"] == "fermeture"]
    city = set(closed.loc[closed["canteen"] == "", "date"])
    local = set(map(tuple, closed.loc[closed["canteen"] != "", ["date", "canteen"]].values))
    return np.array(
        [d in city or (d, c) in local for d, c in zip(X["date"], X["canteen"], strict=True)],
        dtype=bool,
    )


def _manual_deltas(X: pd.DataFrame, context: CanteenData) -> np.ndarray:
    """Meals added/removed by the manager for an event (e.g. a school trip: -45)."""
    ev = context.events
    if ev is None or not len(ev) or "delta" not in ev.columns:
        return np.zeros(len(X))
    ev = ev[ev["delta"].notna() & (ev["canteen"] != "")]
    table = {(d, c): v for d, c, v in ev[["date", "canteen", "delta"]].values}
    return np.array(
        [table.get((d, c), 0.0) for d, c in zip(X["date"], X["canteen"], strict=True)], dtype=float
    )


_QUANTILE_GRID = np.round(
    np.concatenate([np.arange(0.5, 0.99, 0.01), np.arange(0.99, 0.9995, 0.001)]), 4
)
_SCALE_POWER = 0.5  # error spread grows like the square root of the expected meals
_MIN_TERM_ROWS = 500  # held-out canteen-days needed for a term's own error quantiles


_MIN_HELD_OUT_ROWS = 100  # the 95 % quantile of fewer errors rests on fewer than 5 of them


def _held_out_year(years: pd.Series, y: np.ndarray) -> int:
    """The school year whose errors calibrate the orders: the last one, unless it has fewer
    than ``_MIN_HELD_OUT_ROWS`` canteen-days served (the first days of September imported),
    then the one before. Its error quantiles would be nearly flat: every service level would
    give the same order, and every shortage risk would read 0 %."""
    served = pd.Series(years.to_numpy()[np.isfinite(y) & (y > 0)])
    counts = served.value_counts().sort_index()
    last = int(counts.index.max())
    if counts[last] >= _MIN_HELD_OUT_ROWS or len(counts) < 2:
        return last
    return int(counts.index[-2])


def _spread(point: np.ndarray) -> np.ndarray:
    return np.maximum(np.asarray(point, dtype=float), 1.0) ** _SCALE_POWER


def _terms(dates) -> np.ndarray:
    """``"autumn"`` (August to December) or ``"spring"`` (January to July) for each date."""
    months = pd.DatetimeIndex(pd.to_datetime(np.asarray(dates))).month
    return np.where(months >= 8, "autumn", "spring")


def _quantile_table(y: np.ndarray, pred: np.ndarray, dates, *, widen: float = 1.0) -> dict:
    """Error model for orders: quantiles of ``(served - forecast) / sqrt(forecast)`` (the
    spread of a count grows like its square root), for the whole year and for each term
    (errors grow with the horizon: the spring is forecast further ahead than the autumn).
    A per-canteen scale measured on one held-out year was tried and dropped: it is mostly
    that year's level error, which does not repeat (validation periods)."""
    ok = np.isfinite(y) & np.isfinite(pred) & (pred > 0)
    z = (y[ok] - pred[ok]) / _spread(pred[ok])
    terms = _terms(dates)[ok]

    def table(values: np.ndarray) -> list[float]:
        q = np.quantile(values, _QUANTILE_GRID) * widen
        return np.maximum.accumulate(q).tolist()

    return {
        "kind": "sqrt",
        "grid": _QUANTILE_GRID.tolist(),
        "quantiles": table(z),
        "by_term": {
            term: table(z[terms == term])
            for term in ("autumn", "spring")
            if (terms == term).sum() >= _MIN_TERM_ROWS
        },
    }


def _quantiles_for(table: dict, dates) -> np.ndarray:
    """The quantile curve of each row's term (the whole year's when the term had too few
    held-out rows): shape (rows, grid)."""
    whole = np.asarray(table["quantiles"])
    out = np.tile(whole, (len(dates), 1))
    terms = _terms(dates)
    for term, curve in table.get("by_term", {}).items():
        out[terms == term] = np.asarray(curve)
    return out


def order_from_quantiles(point: np.ndarray, dates, table: dict, level: float) -> np.ndarray:
    """Meals to order: the forecast plus ``quantile(level) × sqrt(forecast)``, rounded up,
    never below the forecast."""
    grid = np.asarray(table["grid"])
    curves = _quantiles_for(table, dates)
    z = np.array([np.interp(level, grid, curve) for curve in curves]) if len(curves) else 0.0
    point = np.asarray(point, dtype=float)
    order = point + z * _spread(point)
    return np.where(np.isfinite(order), np.ceil(np.maximum(order, point)), np.nan)


def shortage_risk(model, X: pd.DataFrame, point: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Probability that more meals than ``order`` are needed, from the error model."""
    table = model.residual_quantiles_
    point = np.asarray(point, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (np.asarray(order, float) - point) / _spread(point)
    grid = np.asarray(table["grid"])
    curves = _quantiles_for(table, pd.to_datetime(X["date"]).to_numpy())
    level = np.array(
        [np.interp(v, curve, grid, left=0.0, right=1.0) for v, curve in zip(z, curves, strict=True)]
    )
    return np.clip(1 - level, 0, 1)
