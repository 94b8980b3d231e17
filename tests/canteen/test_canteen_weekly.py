"""The weekly workflow (horizon one week): the model's forecast corrected by its recent error,
and the benchmark's separate table for it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)

PERIOD = {"train_end": "2017-07-07", "test_start": "2017-09-01", "test_end": "2017-12-22"}


def test_recent_factor_uses_the_last_days_before_the_cutoff_of_the_same_school_year():
    from communia.modules.canteen.evaluate import recent_factors

    days = pd.to_datetime(
        ["2017-06-29", "2017-09-04", "2017-09-05", "2017-09-07", "2017-09-08", "2017-09-11"]
    )
    recent = pd.DataFrame(
        {
            "date": list(days) + [days[1]],
            "canteen": ["A"] * 6 + ["B"],
            # June (previous school year) and after the cutoff: huge, must not count.
            "served": [900.0, 100.0, 120.0, 110.0, 130.0, 900.0, 0.0],
            "forecast": [100.0] * 7,
        }
    )
    cutoff = pd.Timestamp("2017-09-08")
    full = recent_factors(recent, cutoff, 2017, days=3, weight=1.0)
    assert full.to_dict() == pytest.approx({"A": (120 + 110 + 130) / 300})  # B: no service
    half = recent_factors(recent, cutoff, 2017, days=3, weight=0.5)
    assert half["A"] == pytest.approx(np.sqrt(1.2))
    # Clipped: a canteen serving four times its forecast is corrected by 2 at most.
    wild = recent.assign(served=400.0)
    assert recent_factors(wild, cutoff, 2017, days=3, weight=1.0)["A"] == 2.0
    # No day of the school year before the cutoff: no correction.
    assert recent_factors(recent, pd.Timestamp("2017-09-01"), 2017).empty


@pytest.fixture(scope="module")
def weekly(slice_data, slice_model):
    from communia.modules.canteen.evaluate import weekly_backtest

    return weekly_backtest(slice_data, slice_model, **PERIOD)


def test_weekly_workflow_scores_every_method_and_corrects_the_model(weekly):
    by_name = {m.method: m for m in weekly.rows}
    model = by_name["Modèle (gradient boosting), prévision"]
    plain = by_name["Modèle sans correction par l'écart récent"]
    assert model.n == plain.n == weekly.rows[0].n > 250
    # The correction moves the forecast (weeks after the first have recent days) and, on
    # this autumn, brings it closer to what was served.
    frame = weekly.frame
    first_week = frame["date"] < pd.Timestamp("2017-09-11")
    assert (frame.loc[first_week, "forecast"] == frame.loc[first_week, "plain"]).all()
    assert (frame.loc[~first_week, "forecast"] != frame.loc[~first_week, "plain"]).any()
    assert model.mae < plain.mae
    assert np.isfinite(frame["same_week"]).all()
    assert 0 < weekly.equal_shortage["ratio"] < 10


def test_weekly_forecast_uses_nothing_served_after_the_friday_before(
    slice_data, slice_model, weekly
):
    from communia.modules.canteen.evaluate import weekly_backtest

    # Double what was served in the week of 9 October: the forecasts of that week and of
    # the weeks before must not move; the next week's must.
    att = slice_data.attendance
    week = (att["date"] >= "2017-10-09") & (att["date"] <= "2017-10-13")
    changed = dataclasses.replace(
        slice_data, attendance=att.assign(served=att["served"].where(~week, att["served"] * 2))
    )
    other = weekly_backtest(changed, slice_model, **PERIOD)
    before = weekly.frame["date"] <= pd.Timestamp("2017-10-13")
    following = weekly.frame["date"].between("2017-10-16", "2017-10-20")
    assert np.array_equal(other.frame.loc[before, "forecast"], weekly.frame.loc[before, "forecast"])
    assert np.array_equal(
        other.frame.loc[before, "same_week"], weekly.frame.loc[before, "same_week"]
    )
    assert (other.frame.loc[following, "forecast"] > weekly.frame.loc[following, "forecast"]).all()


def test_bench_tables_keep_the_two_horizons_apart(slice_data, weekly):
    from communia.modules.canteen.bench import summary, weekly_summary
    from communia.modules.canteen.evaluate import backtest, fmt_number

    main = backtest(slice_data, model_params={"n_estimators": 60}, **PERIOD)
    table = summary([("test", "automne 2017", main)])
    assert table.count("\n") == 2 and "jours servis > 0" in table
    served = main.frame[main.frame["served"] > 0]
    mae = np.mean(np.abs(served["forecast"] - served["served"]))
    assert fmt_number(mae, 2) in table.splitlines()[-1]
    week_table = weekly_summary([("test", "automne 2017", weekly)])
    plain = next(m for m in weekly.rows if m.method.startswith("Modèle sans correction"))
    assert "modèle + correction récente" in week_table
    assert fmt_number(plain.mae, 2) in week_table.splitlines()[-1]
