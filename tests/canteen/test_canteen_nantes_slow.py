"""On the real Nantes data (../shared/data): the validation backtest used for tuning."""

from __future__ import annotations

import pytest

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def nantes(nantes_dir):
    from communia.modules.canteen.io import load_nantes

    return load_nantes(nantes_dir)


def test_nantes_import_report(nantes):
    assert nantes.canteens["canteen"].nunique() >= 87
    assert nantes.attendance["canteen"].nunique() == 87
    reasons = {r.reason.split("«")[0] for r in nantes.report.rejected}
    assert reasons == {"cantine inconnue "}  # only the five unmapped "foyer" sites


def test_model_beats_humans_and_baselines_on_autumn_2016(nantes):
    from communia.modules.canteen.evaluate import backtest

    result = backtest(
        nantes, train_end="2016-06-30", test_start="2016-09-01", test_end="2016-12-31"
    )
    by_name = {m.method.split(" ")[0]: m for m in result.rows}
    human, same_week, prev_year, model, order = result.rows[:5]
    assert model.mae < human.mae - 1.5
    assert model.mae < min(same_week.mae, prev_year.mae)
    # Orders at 95 %: short on roughly 5 % of canteen-days (calibrated out of time).
    assert order.short_days / order.n < 0.09
    assert result.equal_shortage["model_over"] < result.equal_shortage["human_over"]
    assert by_name


def test_strike_lowers_the_forecast(nantes):
    import pandas as pd

    from communia.modules.canteen.evaluate import fit_model

    data = nantes.until("2017-06-30")
    model = fit_model(data, calibrate=False)
    day = pd.Timestamp("2017-11-09")
    canteens = sorted(data.attendance["canteen"].unique())
    keys = pd.DataFrame({"date": [day] * len(canteens), "canteen": canteens})
    normal = model.predict(keys)
    ctx = data.context()
    ctx.events = pd.concat(
        [
            ctx.events,
            pd.DataFrame({"date": [day], "canteen": [""], "kind": ["greve"], "comment": [""]}),
        ],
        ignore_index=True,
    )
    model.set_params(context=ctx)
    # City-wide, a strike lowers the meals (by canteen it depends on past strikes there).
    assert model.predict(keys).sum() < normal.sum() * 0.995
