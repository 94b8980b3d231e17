"""Scenario generator: random leak scenarios and a short real EPANET simulation of L-Town."""

from __future__ import annotations

import pytest

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")
pytest.importorskip("wntr")

from communia.core.errors import InvalidInput  # noqa: E402
from communia.modules.water.io import read_scada_dir  # noqa: E402
from communia.modules.water.network import read_network  # noqa: E402
from communia.modules.water.scenarios import (  # noqa: E402
    LeakSpec,
    draw_leaks,
    generate,
    sensors_from,
)
from communia.modules.water.score import (  # noqa: E402
    read_leak_flows,
    read_leaks,
    score_detections,
)


def test_leak_scenarios_are_reproducible_and_some_run_at_the_start():
    pipes = [f"p{i}" for i in range(1, 906)]
    t0 = pd.Timestamp("2021-01-01")
    a = draw_leaks(pipes, t0, 365, seed=11)
    assert a == draw_leaks(pipes, t0, 365, seed=11)
    assert a != draw_leaks(pipes, t0, 365, seed=12)
    assert len({lk.pipe for lk in a}) == len(a)  # one leak per pipe
    running = [lk for lk in a if pd.Timestamp(lk.start) < t0]
    assert 1 <= len(running) <= 2
    for lk in a:
        start, end, peak = (pd.Timestamp(x) for x in (lk.start, lk.end, lk.peak_time))
        assert start <= peak <= end
        assert 0.005 < lk.diameter_m < 0.03
        if lk.type == "abrupt":
            assert peak == start
    kinds = [lk.type for seed in range(5) for lk in draw_leaks(pipes, t0, 365, seed=seed)]
    assert 0.2 < kinds.count("abrupt") / len(kinds) < 0.7
    excluded = draw_leaks(pipes, t0, 365, seed=11, exclude={lk.pipe for lk in a})
    assert not {lk.pipe for lk in excluded} & {lk.pipe for lk in a}


@pytest.mark.slow
def test_generated_days_follow_the_dataset_format_and_the_leak_truth(ltown, tmp_path):
    sensors = sensors_from(ltown)
    leaks = [
        # abrupt, repaired on the second day
        LeakSpec("p158", "p158", "2019-01-01 06:00", "2019-01-02 06:00", "2019-01-01 06:00",
                 "abrupt", 0.02),
        # incipient, started before the period, still growing
        LeakSpec("p31", "p31", "2018-12-30 00:00", "2019-03-01 00:00", "2019-01-05 00:00",
                 "incipient", 0.015),
    ]  # fmt: skip
    out = tmp_path / "gen"
    meta = generate(ltown / "L-TOWN.inp", out, sensors=sensors, year=2019, days=3, leaks=leaks)
    assert meta["steps"] == 3 * 288
    data = read_scada_dir(out)
    assert len(data.index) == 3 * 288 and data.index[0] == pd.Timestamp("2019-01-01")
    assert list(data.pressures.columns) == sensors["pressures"]
    assert list(data.demands.columns) == sensors["demands"]
    assert not data.report.messages  # no gap, no frozen sensor, no unit problem
    # plausible hydraulics: tank between the pump control levels, pressures like 2018's
    assert data.levels["T1"].between(2.0, 4.1).all()
    ref = read_scada_dir(ltown).pressures.iloc[: 3 * 288]
    assert (data.pressures.mean() - ref.mean()).abs().max() < 1.5
    flows = read_leak_flows(out / "leak_flows.csv.gz")
    truth = read_leaks(out / "leaks.csv")
    abrupt = flows["p158"]
    assert (abrupt.loc[:"2019-01-01 05:55"] == 0).all()
    assert 15 < abrupt.loc["2019-01-01 07:00":"2019-01-02 05:00"].mean() < 40  # orifice law
    # the repair really stops it (EPANET needs two or three steps to drain the emitter)
    assert (abrupt.loc["2019-01-02 06:30":] < 0.01).all()
    growing = flows["p31"].resample("1D").mean()
    assert 0 < growing.iloc[0] < growing.iloc[1] < growing.iloc[2]
    row = truth.set_index("leak_id").loc["p158"]
    assert row["volume_m3"] == pytest.approx(abrupt.sum() / 12, rel=0.01)
    # the truth is scorable: a detection on the pipe at the start earns (almost) the maximum
    net = read_network(out / "L-TOWN.inp")
    dets = pd.DataFrame(
        {"pipe": ["p158", "p31"], "detection_time": pd.to_datetime(["2019-01-01 06:05"] * 2)}
    )
    res = score_detections(dets, truth, flows, net)
    assert res.tp == 2 and res.fp == 0
    assert res.score_eur > 0.95 * res.max_eur


def test_generator_refuses_a_missing_network(tmp_path):
    with pytest.raises(InvalidInput, match="introuvable"):
        generate(tmp_path / "none.inp", tmp_path / "out", sensors={}, days=1)
