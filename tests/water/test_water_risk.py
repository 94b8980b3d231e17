"""Pipe break risk: generator, import, LEYP-like model against baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communia.core.errors import InvalidInput

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")
pytest.importorskip("wntr")

from communia.modules.water.risk import (  # noqa: E402
    LeypModel,
    backtest,
    capture_metrics,
    generate_history,
    pipe_years,
    read_inventory,
    read_repairs,
    renewal_plan,
)

FIXTURES = Path(__file__).parent / "fixtures"


def _inventory(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "pipe": [f"p{i}" for i in range(n)],
            "length_m": rng.uniform(20, 400, n),
            "diameter_mm": rng.choice([80, 100, 150, 200, 300], n),
        }
    )


def test_generator_is_self_exciting(any_seed=3):
    inv, breaks = generate_history(_inventory(1500), seed=any_seed, first_year=1990, last_year=2024)
    assert len(breaks) > 200
    rows = pipe_years(inv, breaks, range(2015, 2025))
    rate_prev = rows[rows.n_prev > 0].eval("n / length_m").mean()
    rate_none = rows[rows.n_prev == 0].eval("n / length_m").mean()
    assert rate_prev > 1.5 * rate_none


@pytest.mark.slow
def test_leyp_beats_age_only_on_a_time_split():
    inv, breaks = generate_history(_inventory(1500), seed=11)
    res = backtest(inv, breaks, test_years=range(2022, 2025))
    mean = res.groupby("model")["top10_count"].mean()
    assert mean["LEYP"] > mean["âge seul"]
    assert 0 <= LeypModel().fit(pipe_years(inv, breaks, range(2010, 2020))).alpha_ <= 3


def test_capture_metrics_by_hand():
    m = capture_metrics(
        score=[4, 3, 2, 1] + [0] * 6, n_next=[2, 0, 1, 0, 0, 0, 0, 0, 0, 1], length_m=[10] * 10
    )
    assert m["top10_count"] == pytest.approx(0.5)
    assert m["top10_length"] == pytest.approx(0.5)
    assert m["length_for_80"] == pytest.approx(1.0)


def test_import_inp_csv_geojson_and_repairs(tmp_path):
    (tmp_path / "attrs.csv").write_text(
        "pipe;material;install_year\n10;fonte_grise;1950\n11;pvc;1985\n"
    )
    inv = read_inventory(FIXTURES / "Net1.inp", tmp_path / "attrs.csv")
    assert len(inv) == 12
    assert inv.set_index("pipe").loc["10", "material"] == "fonte_grise"
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"pipe": "a", "diameter_mm": 100, "install_year": 1970},
                "geometry": {"type": "LineString", "coordinates": [[0, 0], [30, 40]]},
            }
        ],
    }
    (tmp_path / "p.geojson").write_text(json.dumps(geo))
    inv2 = read_inventory(None, tmp_path / "p.geojson")
    assert inv2.loc[0, "length_m"] == pytest.approx(50.0)
    (tmp_path / "rep.csv").write_text("date,x,y\n03/02/2020,1,1\n")
    rep = read_repairs(tmp_path / "rep.csv", coords={"a": (0.0, 0.0), "b": (100.0, 100.0)})
    assert rep.loc[0, "pipe"] == "a" and rep.loc[0, "date"] == pd.Timestamp("2020-02-03")
    (tmp_path / "bad.csv").write_text("when,where\n1,2\n")
    with pytest.raises(InvalidInput, match="date"):
        read_repairs(tmp_path / "bad.csv")


def test_renewal_plan_respects_budget():
    inv = _inventory(100)
    plan = renewal_plan(inv, np.linspace(1, 0, 100), km_per_year=1.0, years=3)
    per_year = plan.groupby("plan_year")["length_m"].sum() / 1000
    assert (per_year <= 1.0 + 0.4).all() and set(per_year.index) <= {1, 2, 3}
