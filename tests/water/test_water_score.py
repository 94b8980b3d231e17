"""Network distances and the BattLeDIM scorer on the real L-Town files."""

from __future__ import annotations

from pathlib import Path

import pytest

from communia.core.errors import InvalidInput

pd = pytest.importorskip("pandas")
pytest.importorskip("wntr")

from communia.modules.water.network import read_network  # noqa: E402
from communia.modules.water.score import (  # noqa: E402
    read_detections,
    read_leak_flows,
    read_leaks,
    score_detections,
    write_detections,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def net(ltown):
    return read_network(ltown / "L-TOWN.inp")


@pytest.fixture(scope="module")
def truth(ltown):
    return read_leaks(ltown / "leaks.csv"), read_leak_flows(ltown / "leak_flows.csv.gz")


def test_network_zones_and_distances(net):
    assert len(net.pipes) == 905
    dist = net.pipe_distances()
    i, j = net.pipe_index["p257"], net.pipe_index["p461"]
    assert dist[i, i] == 0
    assert dist[i, j] == float("inf")  # area C vs area A: different pressure zones
    k = net.pipe_index["p425"]
    assert 0 < dist[net.pipe_index["p427"], k] < 300
    assert dist[i, k] == dist[k, i] or (dist[i, k] == float("inf") and dist[k, i] == float("inf"))


def test_perfect_detector_reaches_the_published_maximum(net, truth):
    leaks, flows = truth
    det = pd.DataFrame({"pipe": leaks["pipe"], "detection_time": leaks["start"]})
    res = score_detections(det, leaks, flows, net)
    assert res.max_eur == pytest.approx(179115.98, abs=0.01)
    assert res.score_eur == pytest.approx(res.max_eur, abs=0.01)
    assert (res.tp, res.fp, res.fn) == (14, 0, 0)


def test_delay_distance_false_positive_and_repeat(net, truth):
    leaks, flows = truth
    row = leaks[leaks["leak_id"] == "p673"].iloc[0]
    late = row["start"] + pd.Timedelta(days=2)
    det = pd.DataFrame(
        {
            "pipe": ["p673", "p673", "p1"],
            "detection_time": [
                late,
                late + pd.Timedelta(hours=1),
                pd.Timestamp("2018-01-02 00:00"),
            ],
        }
    )
    res = score_detections(det, leaks, flows, net)
    assert (res.tp, res.fp, res.repeats, res.fn) == (1, 1, 1, 13)
    q = flows["p673"]
    k = q.index.searchsorted(late) - 1
    expected = 0.8 * q.iloc[k:].sum() / 12 - 500
    assert res.score_eur == pytest.approx(expected, abs=0.01)
    assert res.mean_delay_h == pytest.approx(48.0)


def test_period_counts_running_leaks_from_its_start(net, truth):
    leaks, flows = truth
    period = (pd.Timestamp("2018-07-01"), pd.Timestamp("2018-12-31 23:55"))
    det = pd.DataFrame({"pipe": ["p257"], "detection_time": [pd.Timestamp("2018-07-02 00:00")]})
    res = score_detections(det, leaks, flows, net, period=period)
    assert res.tp == 1 and res.mean_delay_h == pytest.approx(24.0)


def test_detection_file_round_trip_and_bad_input(tmp_path, net, truth):
    det = pd.DataFrame(
        {
            "pipe": ["p1", "p2"],
            "detection_time": pd.to_datetime(["2018-01-01 10:05", "2018-02-01 00:00"]),
        }
    )
    path = write_detections(det, tmp_path / "d.csv")
    assert path.read_text().splitlines()[1] == "p1,2018-01-01 10:05"
    pd.testing.assert_frame_equal(read_detections(path), det)
    (tmp_path / "bad.csv").write_text("pipe,detection_time\np1,hier\n")
    with pytest.raises(InvalidInput, match="illisible"):
        read_detections(tmp_path / "bad.csv")
    unknown = pd.DataFrame({"pipe": ["nope"], "detection_time": [pd.Timestamp("2018-03-01")]})
    with pytest.raises(InvalidInput, match="inconnue"):
        score_detections(unknown, *truth, net)


def test_net1_and_unparsable_inp(tmp_path):
    net1 = read_network(FIXTURES / "Net1.inp")
    assert len(net1.pipes) == 12
    assert net1.pipe_distances().shape == (12, 12)
    bad = tmp_path / "bad.inp"
    bad.write_text("[JUNCTIONS]\n J1 abc\n[PIPES]\n P1 J1 J9 x y z\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="EPANET"):
        read_network(bad)
    with pytest.raises(InvalidInput, match="introuvable"):
        read_network(tmp_path / "absent.inp")


def test_shipped_calibration_matches_only_its_network(net):
    from communia.modules.water.cli import calibration_dirs
    from communia.modules.water.detect import find_calibration

    cal, origin = find_calibration(net, calibration_dirs()[1:])
    assert cal is not None and origin.endswith("ltown-2018.json")
    assert set(cal.k) == {"zone1", "zone2"} and len(cal.pressure) == 33
    # the leak-free pressure model: 1, consumption, its square and the three metered flows
    assert cal.model_flows == ["PUMP_1", "p227", "p235"] and len(cal.pressure_model) == 33
    assert all(len(c) == 6 for c in cal.pressure_model.values())
    net1 = read_network(FIXTURES / "Net1.inp")
    assert find_calibration(net1, calibration_dirs()[1:]) == (None, "")
