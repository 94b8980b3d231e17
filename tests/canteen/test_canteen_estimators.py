from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from communia.core.errors import InvalidInput
from communia.modules.canteen.estimators import (
    GradientBoostingForecaster,
    PreviousYearBaseline,
    SameWeekdayBaseline,
)
from communia.modules.canteen.evaluate import fit_model, forecast_period, service_rows

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)


def _history(data):
    h = data.attendance
    return h[["date", "canteen"]], h["served"].to_numpy()


@pytest.mark.parametrize(
    "cls", [SameWeekdayBaseline, PreviousYearBaseline, GradientBoostingForecaster]
)
def test_estimator_contract(cls, slice_data):
    est = cls(context=slice_data.context())
    params = est.get_params()
    assert "context" in params
    clone(est)  # __init__ only stores parameters
    assert not [k for k in vars(est) if k.endswith("_")]
    with pytest.raises(InvalidInput):
        est.fit(pd.DataFrame({"date": [], "canteen": []}), [])


def test_same_weekday_baseline_uses_last_comparable_week():
    X = pd.DataFrame(
        {
            "date": pd.to_datetime(["2018-09-03", "2018-09-10", "2018-09-11", "2018-09-17"]),
            "canteen": ["A", "A", "A", "A"],
        }
    )
    y = [100, 110, 90, 0]  # the last Monday had no service: not comparable
    est = SameWeekdayBaseline().fit(X, y)
    assert est is not None
    pred = est.predict(
        pd.DataFrame({"date": pd.to_datetime(["2018-10-01", "2018-10-02"]), "canteen": "A"})
    )
    assert pred.tolist() == [110, 90]


def test_previous_year_baseline_means_same_weekday():
    X = pd.DataFrame(
        {
            "date": pd.to_datetime(["2017-09-04", "2017-09-11", "2017-09-05", "2018-09-03"]),
            "canteen": "A",
        }
    )
    est = PreviousYearBaseline().fit(X, [100, 120, 80, 500])
    pred = est.predict(
        pd.DataFrame({"date": pd.to_datetime(["2018-10-01", "2018-10-03"]), "canteen": "A"})
    )
    # Mondays of 2017-18 -> 110; no Wednesday then -> year mean 100. 2018-19 data is not
    # the previous year of 2018-19, so the 500 is never used.
    assert pred.tolist() == [110, 100]


def test_gradient_boosting_forecasts_and_orders(slice_model, slice_data):
    rows = service_rows(
        slice_data, pd.Timestamp("2017-09-04").date(), pd.Timestamp("2017-10-20").date()
    )
    point = slice_model.predict(rows)
    assert np.isfinite(point).all() and (point > 0).all()
    low = slice_model.predict_quantile(rows, 0.6, point=point)
    high = slice_model.predict_quantile(rows, 0.98, point=point)
    assert (low >= np.floor(point)).all() and (high >= low).all() and high.sum() > low.sum()
    assert not hasattr(GradientBoostingForecaster(), "booster_")
    with pytest.raises(InvalidInput, match="niveau de service"):
        slice_model.predict_quantile(rows, 1.5)


def test_model_beats_naive_on_the_slice(slice_model, slice_data):
    test = slice_data.attendance
    test = test[(test["date"] >= "2017-09-01") & test["served"].notna()]
    X, y = _history(slice_data.until("2017-07-07"))
    keys = test[["date", "canteen"]]
    mae = lambda p: np.mean(np.abs(p - test["served"].to_numpy()))  # noqa: E731
    model = mae(slice_model.predict(keys))
    naive = mae(SameWeekdayBaseline(context=slice_data.context()).fit(X, y).predict(keys))
    assert model < naive


def test_strike_closure_and_manual_delta(slice_data, slice_model):
    day = pd.Timestamp("2017-11-09")
    keys = pd.DataFrame({"date": [day, day], "canteen": ["AGENETS", "COUDRAY E."]})
    base = slice_model.predict(keys)
    ctx = slice_data.context()
    events = pd.DataFrame(
        {
            "date": [day, day, day],
            "canteen": ["", "COUDRAY E.", "AGENETS"],
            "kind": ["greve", "fermeture", "sortie"],
            "comment": ["", "travaux", "sortie de 2 classes"],
            "delta": [np.nan, np.nan, -40.0],
        }
    )
    ctx.events = pd.concat([ctx.events, events], ignore_index=True)
    model = clone(slice_model).set_params(context=ctx)
    for attr in (
        "booster_",
        "ref_stats_",
        "codes_",
        "residual_quantiles_",
        "last_date_",
        "recent_history_",
    ):
        setattr(model, attr, getattr(slice_model, attr))
    after = model.predict(keys)
    assert after[1] == 0  # closed
    assert after[0] <= base[0] - 40 + 1e-9  # 40 pupils away (+ the strike, if learned)


def test_new_canteen_from_enrolment(slice_data, slice_model):
    data = slice_data.until("2017-07-07")
    ctx = data.context()
    ctx.canteens = pd.concat(
        [ctx.canteens, pd.DataFrame({"canteen": ["NOUVELLE"], "kind": ["M/E"], "sector": ["Sud"]})],
        ignore_index=True,
    )
    ctx.enrolment = pd.concat(
        [
            ctx.enrolment,
            pd.DataFrame({"canteen": ["NOUVELLE"], "school_year": [2017], "pupils": [300.0]}),
        ],
        ignore_index=True,
    )
    model = GradientBoostingForecaster(context=ctx, n_estimators=40)
    X, y = _history(data)
    model.fit(X, y)
    rows = pd.DataFrame({"date": pd.to_datetime(["2017-09-12"]), "canteen": ["NOUVELLE"]})
    pred = model.predict(rows)[0]
    assert 100 < pred < 300  # 300 pupils, most of whom eat at the canteen


def test_a_canteen_back_after_a_year_of_works_is_forecast(slice_data):
    """AGENETS served nothing in 2016-17 (closed for works) but has pupils enrolled for
    2017-18: it is forecast again, from its 2015-16 level and the enrolment change; a canteen
    without pupils for the period and without service in the latest year is not."""
    data = slice_data.until("2017-07-07")
    att = data.attendance
    closed = (att["canteen"] == "AGENETS") & (att["date"] >= "2016-08-01")
    data.attendance = att[~closed].reset_index(drop=True)
    rows = service_rows(data, dt.date(2017, 9, 11), dt.date(2017, 9, 15))
    assert "AGENETS" in set(rows["canteen"])
    model = fit_model(data, n_estimators=40)
    forecast = forecast_period(data, "2017-09-11", "2017-09-15", model=model)
    back = forecast[forecast["canteen"] == "AGENETS"]
    assert len(back) == 4 and (back["forecast"] > 0).all()
    data.enrolment = data.enrolment[data.enrolment["canteen"] != "AGENETS"]
    rows = service_rows(data, dt.date(2017, 9, 11), dt.date(2017, 9, 15))
    assert "AGENETS" not in set(rows["canteen"])


def test_forecast_uses_nothing_after_history(slice_data):
    cut = slice_data.until("2017-07-07")
    a = forecast_period(cut, "2017-09-04", "2017-09-29", model=None)
    # Change every served count after the cut: the forecast must not move.
    tampered = slice_data.until("2099-01-01")
    tampered.attendance = tampered.attendance.copy()
    late = tampered.attendance["date"] > "2017-07-07"
    tampered.attendance.loc[late, "served"] = 1.0
    b = forecast_period(tampered.until("2017-07-07"), "2017-09-04", "2017-09-29")
    pd.testing.assert_frame_equal(a, b)
    assert set(a.columns) == {"date", "canteen", "forecast", "order"}
    assert (a["date"].dt.day_of_week != 2).all()
    assert len(a) == len(a.drop_duplicates(["date", "canteen"]))


def test_empty_period_is_refused(slice_data):
    with pytest.raises(InvalidInput, match="Période vide"):
        forecast_period(slice_data, "2018-08-01", "2018-08-15")
    with pytest.raises(InvalidInput, match="précède"):
        forecast_period(slice_data, "2018-09-15", "2018-09-01")
    with pytest.raises(InvalidInput, match="AAAA-MM-JJ"):
        forecast_period(slice_data, "15/09/2018", "2018-09-01")


def test_explain_gives_french_drivers(slice_model):
    keys = pd.DataFrame({"date": pd.to_datetime(["2017-12-21"]), "canteen": ["AGENETS"]})
    drivers = slice_model.explain(keys)[0]
    assert len(drivers) == 3
    labels = {
        "jour de la semaine",
        "vacances et jours fériés proches",
        "menu",
        "grève",
        "période de l'année",
        "effectifs et tendance",
        "habitudes de la cantine",
    }
    assert all(label in labels and np.isfinite(v) for label, v in drivers)


def test_recent_level_option_round_trips(slice_data, tmp_path):
    from communia.modules.canteen.artifact import load_model, save_model

    data = slice_data.until("2017-11-10")
    X, y = _history(data)
    model = GradientBoostingForecaster(context=data.context(), recent=True, n_estimators=30)
    model.fit(X, y)
    assert model.recent_history_["date"].max() == model.last_date_
    keys = pd.DataFrame(
        {"date": pd.to_datetime(["2017-11-20", "2018-01-15"]), "canteen": "AGENETS"}
    )
    loaded = load_model(save_model(model, tmp_path / "m.json"), context=data.context())
    np.testing.assert_allclose(loaded.predict(keys), model.predict(keys))


def test_default_model_averages_a_huber_and_a_median_booster(slice_model, slice_data):
    from communia.modules.canteen.estimators import BoosterAverage

    assert isinstance(slice_model.booster_, BoosterAverage)
    assert len(slice_model.booster_.boosters) == 2
    history = slice_data.until("2017-07-07")
    X, y = _history(history)
    keys = pd.DataFrame(
        {"date": pd.to_datetime(["2017-10-02", "2017-10-03", "2017-10-05"]), "canteen": "AGENETS"}
    )
    single = [
        GradientBoostingForecaster(
            context=history.context(), objective=loss, n_estimators=60, calibrate=False
        )
        .fit(X, y)
        .predict(keys)
        for loss in ("huber", "l1")
    ]
    assert not np.allclose(single[0], single[1])  # two different losses, two forecasts
    np.testing.assert_allclose(slice_model.predict(keys), (single[0] + single[1]) / 2)


def _synthetic_errors(rng, n):
    """Counts whose spread grows like the square root of the level, as meals do."""
    pred = rng.choice([30.0, 120.0, 600.0], size=n)
    served = pred + 1.5 * np.sqrt(pred) * rng.standard_normal(n)
    return pred, served


def test_orders_are_calibrated_for_small_and_large_canteens():
    from communia.modules.canteen.estimators import _quantile_table, order_from_quantiles

    rng = np.random.default_rng(0)
    pred, served = _synthetic_errors(rng, 6000)
    dates = np.full(len(pred), np.datetime64("2016-10-03"))
    table = _quantile_table(served, pred, dates)
    pred, served = _synthetic_errors(rng, 6000)  # new days, same kind of errors
    order = order_from_quantiles(pred, dates, table, 0.9)
    for size in (30.0, 120.0, 600.0):
        short = (served > order)[pred == size].mean()
        assert 0.06 < short < 0.14, (size, short)  # ~10 % of days short, whatever the size


def test_orders_widen_for_the_term_forecast_further_ahead():
    from communia.modules.canteen.estimators import _quantile_table, order_from_quantiles

    rng = np.random.default_rng(1)
    pred, served = _synthetic_errors(rng, 4000)
    dates = np.where(
        np.arange(len(pred)) % 2 == 0, np.datetime64("2016-10-03"), np.datetime64("2017-03-06")
    )
    spring = dates == np.datetime64("2017-03-06")
    served = np.where(spring, pred + 2 * (served - pred), served)  # spring errors twice as wide
    table = _quantile_table(served, pred, dates)
    assert set(table["by_term"]) == {"autumn", "spring"}
    point = np.array([100.0, 100.0])
    order = order_from_quantiles(
        point, np.array(["2018-10-01", "2019-03-04"], dtype="datetime64[ns]"), table, 0.95
    )
    assert 100 < order[0] < order[1]
    # Too few held-out days of a term: the whole year's quantiles are used for it.
    few = _quantile_table(served[:600], pred[:600], dates[:600])
    assert few["by_term"] == {}


def test_explain_names_a_strike_on_strike_days_only_and_the_managers_own_delta(slice_model):
    """« grève : -5 repas » on a day without strike (the canteen's usual strike turnout
    is a trait of the canteen) misled the manager, and the -45 meals typed for a school trip
    moved the forecast without a word in « Pourquoi »."""
    import copy
    import dataclasses

    ctx = slice_model.context
    typed = pd.DataFrame(
        {
            "date": pd.to_datetime(["2017-09-14", "2017-09-15"]),
            "canteen": ["", "AGENETS"],
            "kind": ["greve", "sortie"],
            "comment": ["grève annoncée", "sortie des CM2"],
            "delta": [np.nan, -45.0],
        }
    )
    model = copy.copy(slice_model)
    model.context = dataclasses.replace(ctx, events=pd.concat([ctx.events, typed]))
    canteens = sorted(ctx.canteens["canteen"])
    days = pd.to_datetime(["2017-09-14", "2017-09-15", "2017-09-18"])
    keys = pd.DataFrame({"date": np.repeat(days, len(canteens)), "canteen": canteens * len(days)})
    strikes = set(ctx.events.loc[ctx.events["kind"] == "greve", "date"])
    assert not strikes & set(days[1:])
    for (day, canteen), drivers in zip(keys.itertuples(index=False), model.explain(keys)):
        labels = dict(drivers)
        assert ("grève" in labels) == (day == days[0]), (day, canteen, drivers)
        if (day, canteen) == (days[1], "AGENETS"):
            assert labels["écart saisi par le gestionnaire"] == -45.0
        else:
            assert "écart saisi par le gestionnaire" not in labels


def test_strike_day_order_covers_the_canteens_that_serve_as_usual(slice_model):
    """On a strike day the forecast drops (the usual turnout), but who follows the strike is
    unknown: the order is at least the one of the same day without strike. Another day, a
    lower forecast gives a lower order."""
    import copy
    import dataclasses

    ctx = slice_model.context
    day = pd.Timestamp("2017-09-14")
    announced = pd.DataFrame(
        {"date": [day], "canteen": [""], "kind": ["greve"], "comment": ["grève annoncée"]}
    )
    on_strike = copy.copy(slice_model)
    on_strike.context = dataclasses.replace(ctx, events=pd.concat([ctx.events, announced]))
    canteens = sorted(ctx.canteens["canteen"])
    days = pd.to_datetime([day, "2017-09-15"])
    keys = pd.DataFrame({"date": np.repeat(days, len(canteens)), "canteen": canteens * 2})
    strike = (keys["date"] == day).to_numpy()
    usual = slice_model.predict(keys)  # no strike known
    calm = on_strike.calm_point(keys)
    assert np.allclose(calm[strike], usual[strike]) and np.isnan(calm[~strike]).all()
    usual_order = slice_model.predict_quantile(keys, 0.95, point=usual)
    assert (usual_order[strike] > usual[strike]).all()
    lower = usual - 30  # a forecast lowered by 30 meals, on the strike day and the day after
    order = on_strike.predict_quantile(keys, 0.95, point=lower)
    assert np.array_equal(order[strike], usual_order[strike])
    assert (order[~strike] < usual_order[~strike]).all()
    assert (slice_model.predict_quantile(keys, 0.95, point=lower) < usual_order).all()


def test_first_days_of_a_new_school_year_do_not_flatten_the_orders(slice_data, slice_model):
    """Imported in September, a few days of the new school year are too few errors to
    calibrate the orders on (one row left every service level with the same order and
    every shortage risk at 0 %): the year before calibrates them, as before the import."""
    from communia.modules.canteen.estimators import shortage_risk

    data = slice_data.until("2017-09-08")  # the first week of 2017-18
    assert 0 < (data.attendance["date"] > "2017-08-01").sum() < 100
    model = fit_model(data, n_estimators=60)
    np.testing.assert_allclose(
        model.residual_quantiles_["quantiles"], slice_model.residual_quantiles_["quantiles"]
    )
    rows = service_rows(data, dt.date(2017, 9, 11), dt.date(2017, 9, 15))
    point = model.predict(rows)
    low, high = (
        model.predict_quantile(rows, 0.8, point=point),
        model.predict_quantile(rows, 0.99, point=point),
    )
    assert (high > low).mean() > 0.9
    risk = shortage_risk(model, rows, point, low)
    assert 0.05 < risk.mean() < 0.35  # about one day in five at the 80 % level


def test_unusual_days_are_left_out_of_training(slice_data):
    """A typing error (10 × the usual meals) or a partial closure (a tenth of them) does not
    move the model: it is trained as if the day were missing. Strike days stay in, whether
    the strike is the city's or one canteen's."""
    from dataclasses import replace

    from communia.modules.canteen.estimators import _unusual_days
    from communia.modules.canteen.features import strike_mask

    history = slice_data.until("2017-07-07")
    X, y = _history(history)
    y = y.astype(float)
    agenets = (X["canteen"] == "AGENETS").to_numpy()
    strikes = strike_mask(X, history.context())
    calm = np.flatnonzero(agenets & ~strikes & (y > 0))
    typo, partial, local = calm[100], calm[200], calm[300]
    strike = np.flatnonzero(agenets & strikes & (y > 0))[0]
    local_strike = pd.DataFrame(
        {"date": [X["date"].iloc[local]], "canteen": ["AGENETS"], "kind": ["greve"]}
    )
    history = replace(history, events=pd.concat([history.events, local_strike]))
    ctx = history.context()
    corrupted = y.copy()
    corrupted[typo] *= 10
    corrupted[partial] = max(1.0, round(y[partial] / 10))
    corrupted[[strike, local]] = 1.0  # strike days that served almost nothing: kept
    flagged = np.flatnonzero(_unusual_days(X, corrupted, ctx))
    assert typo in flagged and partial in flagged
    assert strike not in flagged and local not in flagged
    keys = pd.DataFrame(
        {"date": pd.to_datetime(["2017-10-02", "2017-10-03", "2017-10-05"]), "canteen": "AGENETS"}
    )
    missing = corrupted.copy()
    missing[[typo, partial]] = np.nan

    def fit(values):
        params = dict(context=ctx, n_estimators=30, calibrate=False)
        return GradientBoostingForecaster(**params).fit(X, values).predict(keys)

    np.testing.assert_allclose(fit(corrupted), fit(missing))
