from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from communia.cli.main import cli
from communia.core.errors import InvalidInput
from communia.modules.canteen.artifact import FORMAT_VERSION, load_model, save_model

pytest_plugins = ["canteen_fixtures"]  # shared fixtures (see canteen_fixtures.py)


def test_model_round_trip(tmp_path, slice_model, slice_data):
    from sklearn.base import clone

    model = clone(slice_model)
    for attr in ("booster_", "codes_", "residual_quantiles_", "last_date_", "recent_history_"):
        setattr(model, attr, getattr(slice_model, attr))
    model.ref_stats_ = slice_model.ref_stats_.copy()
    model.ref_stats_.loc[0, "ref_pupils"] = np.nan  # a canteen without enrolment survives JSON
    slice_model = model
    path = save_model(slice_model, tmp_path / "m" / "model.json")
    assert [p.name for p in path.parent.iterdir()] == ["model.json"]  # no temp file left
    header = json.loads(path.read_text())["header"]
    assert header["format_version"] == FORMAT_VERSION and header["libraries"]["lightgbm"]
    loaded = load_model(path, context=slice_data.context())
    pd.testing.assert_frame_equal(loaded.ref_stats_, slice_model.ref_stats_, check_dtype=False)
    keys = pd.DataFrame(
        {"date": pd.to_datetime(["2017-10-02", "2017-10-03"]), "canteen": "AGENETS"}
    )
    np.testing.assert_allclose(loaded.predict(keys), slice_model.predict(keys))
    np.testing.assert_allclose(
        loaded.predict_quantile(keys, 0.9), slice_model.predict_quantile(keys, 0.9)
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("format_version", 0, "réentraînez"), ("libraries", {"lightgbm": "1.0"}, "réentraînez")],
)
def test_incompatible_model_means_retrain(tmp_path, slice_model, field, value, message):
    path = save_model(slice_model, tmp_path / "model.json")
    payload = json.loads(path.read_text())
    payload["header"][field] = value
    path.write_text(json.dumps(payload))
    with pytest.raises(InvalidInput, match=message):
        load_model(path)
    path.write_text("pas du json")
    with pytest.raises(InvalidInput, match="n'est pas un modèle"):
        load_model(path)


def test_cli_forecast_writes_the_benchmark_csv(tmp_path, nantes_slice):
    out = tmp_path / "f.csv"
    result = CliRunner().invoke(
        cli,
        [
            "canteen",
            "forecast",
            "--data",
            str(nantes_slice),
            "--start",
            "2018-01-08",
            "--end",
            "2018-01-19",
            "--out",
            str(out),
            "--service-level",
            "0.9",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["date", "canteen", "forecast", "order"]
    assert table["date"].nunique() == 8 and table["canteen"].nunique() == 6
    assert (table["order"] >= table["forecast"].round() - 1).all()
    assert "lignes écrites" in result.output


def test_cli_backtest_prints_all_methods(nantes_slice):
    result = CliRunner().invoke(
        cli,
        [
            "canteen",
            "backtest",
            "--data",
            str(nantes_slice),
            "--train-end",
            "2017-06-30",
            "--test-start",
            "2017-09-01",
            "--test-end",
            "2017-12-22",
        ],
    )
    assert result.exit_code == 0, result.output
    for text in (
        "Commandes humaines",
        "même jour",
        "année précédente",
        "gradient boosting",
        "MAE",
        "À manque égal",
    ):
        assert text in result.output


def test_cli_errors_are_french(tmp_path, nantes_slice):
    result = CliRunner().invoke(
        cli,
        [
            "canteen",
            "forecast",
            "--data",
            str(nantes_slice),
            "--start",
            "2018-08-01",
            "--end",
            "2018-08-10",
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert result.exit_code == 2
    assert "Période vide" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_cli_train_then_forecast_with_model(tmp_path, nantes_slice):
    runner = CliRunner()
    model = tmp_path / "model.json"
    r = runner.invoke(cli, ["canteen", "train", "--data", str(nantes_slice), "--out", str(model)])
    assert r.exit_code == 0, r.output
    out = tmp_path / "f.csv"
    r = runner.invoke(
        cli,
        [
            "canteen",
            "forecast",
            "--data",
            str(nantes_slice),
            "--start",
            "2018-01-08",
            "--end",
            "2018-01-12",
            "--out",
            str(out),
            "--model",
            str(model),
        ],
    )
    assert r.exit_code == 0, r.output
    assert len(pd.read_csv(out)) == 4 * 6


def test_module_is_registered_and_light():
    from communia.core.registry import get_module

    module = get_module("canteen")
    assert "gradient boosting" in module.card.logic
    code = (
        "import sys; from communia.cli.main import cli; from communia.core.registry import "
        "load_modules; load_modules(); "
        "bad = [m for m in ('pandas', 'lightgbm', 'sklearn') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
