"""The weekly workflow (horizon one week): the model's forecast corrected by its recent error
(fit without the latest service days, correction soon after the history only), replayed by
the benchmark; the product's forecasts stay those of the model fitted on the whole history."""

from __future__ import annotations

import dataclasses
import datetime as dt

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
    from communia.core.formatting import fr_number
    from communia.modules.canteen.bench import summary, weekly_summary
    from communia.modules.canteen.evaluate import backtest

    main = backtest(slice_data, model_params={"n_estimators": 60}, **PERIOD)
    table = summary([("test", "automne 2017", main)])
    assert table.count("\n") == 2 and "jours servis > 0" in table
    served = main.frame[main.frame["served"] > 0]
    mae = np.mean(np.abs(served["forecast"] - served["served"]))
    assert fr_number(mae, 2) in table.splitlines()[-1]
    week_table = weekly_summary([("test", "automne 2017", weekly)])
    plain = next(m for m in weekly.rows if m.method.startswith("Modèle sans correction"))
    assert "modèle + correction récente" in week_table
    assert fr_number(plain.mae, 2) in week_table.splitlines()[-1]


# --------------------------------------------------------------------------- product path


def _normal_dates(data, after, until):
    att = data.attendance.dropna(subset=["served"])
    strikes = set(data.events.loc[data.events["kind"] == "greve", "date"])
    att = att[(att["served"] > 0) & ~att["date"].isin(strikes)]
    return sorted(set(att.loc[(att["date"] > after) & (att["date"] <= until), "date"]))


def test_correction_applies_only_soon_after_the_history_in_the_same_school_year(slice_data):
    from communia.modules.canteen.evaluate import fit_until, recent_school_year

    history = slice_data.until("2017-10-13")  # a Friday
    assert recent_school_year(history, "2017-10-16") == 2017
    assert recent_school_year(history, "2017-11-03") == 2017  # 21 days: a two-week holiday
    assert recent_school_year(history, "2017-11-06") is None  # 24 days: too far
    assert recent_school_year(history, "2018-01-08") is None  # 8+ weeks: the target
    # A period that does not start after the history would be corrected by its own days.
    assert recent_school_year(history, "2017-10-13") is None
    assert fit_until(history, "2017-10-13") is None
    # Summer: the recent days belong to the previous school year.
    assert recent_school_year(slice_data.until("2017-07-07"), "2017-09-04") is None
    assert fit_until(slice_data.until("2017-07-07"), "2017-09-04") is None

    # The fit stops before the last 10 dates with normal service of the school year...
    cutoff = fit_until(history, "2017-10-16")
    assert len(_normal_dates(history, cutoff, history.last_date)) == 10
    # ...or before all of them when the school year has fewer.
    early = slice_data.until("2017-09-08")
    cutoff = fit_until(early, "2017-09-11")
    held = _normal_dates(early, cutoff, early.last_date)
    assert 0 < len(held) < 10 and held[0] >= pd.Timestamp("2017-09-01")
    assert not _normal_dates(early, pd.Timestamp("2017-07-31"), cutoff)


def test_the_correction_is_the_models_error_on_the_days_kept_out_of_its_fit(slice_data):
    from communia.modules.canteen.evaluate import (
        RECENT_WEIGHT,
        fit_model,
        fit_until,
        recent_correction,
    )

    history = slice_data.until("2017-10-13")
    cutoff = fit_until(history, "2017-10-16")
    model = fit_model(history.until(cutoff), n_estimators=60)
    correction = recent_correction(history, model, "2017-10-16")
    assert model.last_date_ <= cutoff
    assert set(correction.index) == set(history.attendance["canteen"])
    assert (correction != 1).all()
    # By hand: served over forecast on the held-out days only (after the fit, up to the end
    # of history), to the power 0.75.
    att = history.attendance.dropna(subset=["served"])
    held = att[att["date"].isin(_normal_dates(history, cutoff, history.last_date))]
    held = held[held["served"] > 0].assign(forecast=model.predict(held))
    sums = held.groupby("canteen")[["served", "forecast"]].sum()
    expected = (sums["served"] / sums["forecast"]).clip(0.5, 2) ** RECENT_WEIGHT
    assert correction.to_dict() == pytest.approx(expected.to_dict())
    # Whatever is served after the history's last day changes nothing.
    att = slice_data.attendance
    later = att["date"] > history.last_date
    changed = dataclasses.replace(
        slice_data, attendance=att.assign(served=att["served"].where(~later, 0.0))
    ).until(history.last_date)
    assert recent_correction(changed, model, "2017-10-16").equals(correction)
    # With the days of the period in the history, no correction: it would use its own days.
    assert recent_correction(slice_data, model, "2017-10-16").empty


def test_forecast_8_weeks_ahead_is_the_plain_model(tmp_path, nantes_slice):
    """The issue's interface with history ending 8+ weeks before the period: the model
    fitted on the whole history, its forecast and order, no correction."""
    from click.testing import CliRunner

    from communia.cli.main import cli
    from communia.modules.canteen.evaluate import fit_model, service_rows
    from communia.modules.canteen.io import load_data

    out = tmp_path / "f.csv"
    result = CliRunner().invoke(
        cli,
        ["canteen", "forecast", "--data", str(nantes_slice), "--start", "2018-02-19"]
        + ["--end", "2018-03-02", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, parse_dates=["date"])
    data = load_data(nantes_slice)  # history to 22 December 2017: 8 weeks before
    model = fit_model(data)
    rows = service_rows(data, dt.date(2018, 2, 19), dt.date(2018, 3, 2))
    point = model.predict(rows)
    assert list(table["canteen"]) == list(rows["canteen"]) and len(table) == len(rows)
    assert np.array_equal(table["forecast"], np.round(point, 1))
    assert np.array_equal(table["order"], model.predict_quantile(rows, 0.95, point=point))


def test_product_replay_refits_as_a_retraining_job_would(slice_data):
    from communia.modules.canteen.evaluate import fit_until, weekly_backtest

    period = {"train_end": "2017-07-07", "test_start": "2017-09-01", "test_end": "2017-10-20"}
    params = {"n_estimators": 40}
    weekly = weekly_backtest(slice_data, refit_every=3, model_params=params, **period)
    before = weekly_backtest(
        slice_data, refit_every=3, correct=False, model_params=params, **period
    )
    # Weeks of 4, 11, 18, 25 September, 2, 9, 16 October: refits on the Fridays before the
    # 4th of September, the 25th and the 16th of October; the last model is the last refit's.
    friday = slice_data.until("2017-10-13")
    assert weekly.model.last_date_ <= fit_until(friday, "2017-10-16") < friday.last_date
    assert before.model.last_date_ == friday.last_date  # the product before: all history
    frame, plain = weekly.frame, before.frame
    first_week = frame["date"] < pd.Timestamp("2017-09-11")
    assert np.array_equal(frame.loc[first_week, "forecast"], plain.loc[first_week, "forecast"])
    assert (frame.loc[~first_week, "forecast"] != frame.loc[~first_week, "plain"]).any()
    assert (plain["forecast"] == plain["plain"]).all()
    # Nothing served after the Friday before a week moves that week's forecast.
    att = slice_data.attendance
    week = (att["date"] >= "2017-10-09") & (att["date"] <= "2017-10-13")
    changed = dataclasses.replace(
        slice_data, attendance=att.assign(served=att["served"].where(~week, att["served"] * 2))
    )
    other = weekly_backtest(changed, refit_every=3, model_params=params, **period)
    upto = frame["date"] <= pd.Timestamp("2017-10-13")
    assert np.array_equal(other.frame.loc[upto, "forecast"], frame.loc[upto, "forecast"])
    assert not np.array_equal(other.frame.loc[~upto, "forecast"], frame.loc[~upto, "forecast"])
