"""Detectors on real L-Town data (slow: a few weeks or the whole year)."""

from __future__ import annotations

import copy
import json

import pytest

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")
pytest.importorskip("wntr")

from communia.modules.water.detect import (  # noqa: E402
    BalanceCusumDetector,
    alarms_frame,
    area_balances,
    check_flow_units,
    detect_leaks,
    detect_mnf,
)
from communia.modules.water.io import QualityReport, read_scada_dir  # noqa: E402
from communia.modules.water.network import read_network  # noqa: E402
from communia.modules.water.score import read_leak_flows, read_leaks, score_detections  # noqa: E402


@pytest.fixture(scope="module")
def year(ltown):
    return read_scada_dir(ltown)


@pytest.fixture(scope="module")
def net(ltown):
    return read_network(ltown / "L-TOWN.inp")


def _slice(data, start, end):
    out = copy.copy(data)
    for key in ("pressures", "flows", "levels", "demands"):
        setattr(out, key, getattr(data, key).loc[start:end])
    out.report = QualityReport()
    return out


@pytest.mark.slow
def test_balances_follow_the_true_leak_flows(year, net, ltown):
    bal = area_balances(_slice(year, "2018-01-01", "2018-01-31"), net)
    assert set(bal.consumption.columns) == {"zone1", "zone2"}
    # area C (tank-fed, all AMR): unmetered part rises with the p257 leak
    flows = read_leak_flows(ltown / "leak_flows.csv.gz")["p257"].resample("1h").mean()
    resid = (bal.consumption["zone2"] - bal.metered["zone2"]).loc["2018-01-01":"2018-01-31"]
    growth = (
        resid.loc["2018-01-25":"2018-01-31"].mean() - resid.loc["2018-01-01":"2018-01-07"].mean()
    )
    assert growth == pytest.approx(flows.loc["2018-01-25":"2018-01-31"].mean(), rel=0.15)


@pytest.mark.slow
def test_flow_units_in_litres_per_second_are_detected(year, net):
    data = _slice(year, "2018-01-01", "2018-01-07")
    data.flows = data.flows / 3.6
    report = QualityReport()
    check_flow_units(data, net, report)
    assert any("L/s" in m for m in report.messages)
    assert data.flows["p227"].mean() == pytest.approx(
        year.flows["p227"].loc["2018-01-01":"2018-01-07"].mean(), rel=1e-6
    )


@pytest.mark.slow
def test_abrupt_leak_found_within_a_day_and_300m(year, net, ltown, tmp_path):
    data = _slice(year, "2018-02-19", "2018-03-12 23:55")
    alarms, _ = detect_leaks(data, net, cache_dir=tmp_path)
    leaks = read_leaks(ltown / "leaks.csv")
    start = leaks.set_index("leak_id").loc["p673", "start"]
    dist = net.pipe_distances()[:, net.pipe_index["p673"]]
    hits = [
        a
        for a in alarms
        if start <= a.detection_time <= start + pd.Timedelta(hours=24)
        and dist[net.pipe_index[a.pipe]] <= 300
    ]
    assert hits, [(a.pipe, str(a.detection_time)) for a in alarms]
    assert hits[0].flow_m3h > 10  # true leak ≈ 28 m³/h
    ev = hits[0].evidence
    assert len(ev["times"]) == len(ev["residual_m3h"]) > 72
    from communia.modules.water.service import evidence_svg

    assert evidence_svg(ev).startswith("<svg")


@pytest.mark.slow
def test_held_abrupt_leak_alarm_leaves_within_a_day(year, net, ltown, tmp_path):
    """Every place held as too uncertain, for up to two days: an abrupt leak's alarm is still
    sent within 24 h of its start."""
    data = _slice(year, "2018-02-19", "2018-03-12 23:55")
    strict = BalanceCusumDetector(min_alarm_conf=1.01, max_hold_days=2.0)
    alarms, _ = detect_leaks(data, net, cache_dir=tmp_path, detector=strict)
    start = read_leaks(ltown / "leaks.csv").set_index("leak_id").loc["p673", "start"]
    first = min((a for a in alarms if a.detection_time >= start), key=lambda a: a.detection_time)
    assert first.detection_time <= start + pd.Timedelta(hours=24), first
    assert first.detection_time >= start + pd.Timedelta(hours=12)  # it was held


@pytest.mark.slow
def test_full_year_beats_the_mnf_baseline(year, net, ltown, tmp_path):
    leaks, flows = read_leaks(ltown / "leaks.csv"), read_leak_flows(ltown / "leak_flows.csv.gz")
    ours, _ = detect_leaks(year, net, cache_dir=tmp_path, detector=BalanceCusumDetector())
    base = detect_mnf(year, net)
    s_ours = score_detections(alarms_frame(ours), leaks, flows, net)
    s_base = score_detections(alarms_frame(base), leaks, flows, net)
    assert s_ours.score_eur > s_base.score_eur + 20000
    assert s_ours.tp > s_base.tp


@pytest.mark.slow
def test_detection_survives_damaged_files(ltown, net, tmp_path):
    """Gaps, duplicated rows, a frozen sensor, spikes: detection runs and says what it skipped."""
    import gzip

    from communia.modules.water.io import read_scada_dir

    for stem in ("Pressures", "Flows", "Levels", "Demands"):
        with gzip.open(ltown / f"{stem}.csv.gz", "rt", encoding="utf-8") as fh:
            lines = [next(fh) for _ in range(21 * 288 + 1)]
        header, rows = lines[0], lines[1:]
        if stem == "Flows":
            rows = rows[:3000] + rows[3000 : 3000 + 40][::2] + rows[3040:]  # 20 steps missing
            rows = rows[:100] + [rows[100]] + rows[100:]  # one duplicated timestamp
            parts = rows[500].rstrip("\n").split(";")
            parts[2] = "9999,00"  # spike on p227
            rows[500] = ";".join(parts) + "\n"
        if stem == "Pressures":
            first = rows[2000].split(";")[1]
            rows = [
                (";".join([r.split(";")[0], first, *r.split(";")[2:]]) if 2000 <= i < 2200 else r)
                for i, r in enumerate(rows)
            ]  # first pressure sensor frozen for ~17 h
        (tmp_path / f"{stem}.csv").write_text(header + "".join(rows), encoding="utf-8")
    data = read_scada_dir(tmp_path)
    text = " ".join(data.report.messages)
    assert "double" in text and "manquant" in text and "figé" in text and "pic" in text
    alarms, notes = detect_leaks(data, net, cache_dir=tmp_path / "sig")
    assert any("figé" in n for n in notes)
    assert all(a.detection_time <= data.index[-1] + pd.Timedelta(hours=2) for a in alarms)


@pytest.fixture(scope="module")
def sig_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("signatures")


@pytest.mark.slow
def test_calibration_adds_back_the_drop_of_a_known_leak(year, net, ltown, sig_cache):
    """p257 (area C) runs through 9–22 January 2018: without the correction area C has no
    leak-free hour and no pressure profile; with it the profile matches the leak-free week."""
    from communia.modules.water.detect import calibrate, fit_calibration

    leaks, flows = read_leaks(ltown / "leaks.csv"), read_leak_flows(ltown / "leak_flows.csv.gz")
    part = _slice(year, "2018-01-09", "2018-01-22 23:55")
    known = leaks[leaks["leak_id"] == "p257"]
    plain = calibrate(part, net, leaks=known, leak_flows=flows.loc["2018-01-09":"2018-01-22"])
    assert "n1" not in plain.pressure and "n105" in plain.pressure  # area A is unaffected
    fixed = calibrate(
        part,
        net,
        leaks=known,
        leak_flows=flows.loc["2018-01-09":"2018-01-22"],
        cache_dir=sig_cache,
    )
    clean_week = _slice(year, "2018-01-01", "2018-01-07 23:55")
    ref = fit_calibration(
        area_balances(clean_week, net), pressures=clean_week.pressures, levels=clean_week.levels
    )
    for sensor in ("n1", "n4", "n31"):
        got, want = np.asarray(fixed.pressure[sensor]), np.asarray(ref.pressure[sensor])
        assert np.abs(got - want)[0].mean() < 0.15, sensor  # weekdays, metres


@pytest.mark.slow
def test_localisation_weighs_the_leak_size(net, year, sig_cache):
    from communia.modules.water.localise import HOURS, load_or_build_signatures, locate

    lib = load_or_build_signatures(net, list(year.pressures.columns), cache_dir=sig_cache)
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    bal = area_balances(_slice(year, "2018-01-01", "2018-01-02"), net)
    area = [a for a, pipes in bal.area_pipes.items() if net.pipe_index["p673"] in pipes][0]
    sensors = [s for s in bal.area_sensors[area] if s in lib.sensors]
    cols = [lib.sensors.index(s) for s in sensors]
    j = net.pipe_index["p673"]
    # a 20 m³/h leak on p673 as the model sees it, plus a demand-wide drop
    delta = 20.0 * sig[:, j, cols].mean(axis=0) + 0.5 * lib.uniform[:, cols].mean(axis=0)
    obs = pd.Series(delta, index=sensors)
    dist = net.pipe_distances()[j]
    best, post = locate(obs, weights, lib, net, bal.area_pipes[area], flow=20.0)
    assert dist[best] <= 300 and post[dist <= 300].sum() > 0.5
    # the same pattern 20 times weaker: a 20 m³/h leak cannot be that discreet at p673's
    # place, so the fit now prefers other places (the cosine alone would not notice)
    best_cos, _ = locate(obs / 20.0, weights, lib, net, bal.area_pipes[area])
    best_small, _ = locate(obs / 20.0, weights, lib, net, bal.area_pipes[area], flow=20.0)
    assert best_cos == locate(obs, weights, lib, net, bal.area_pipes[area])[0]
    assert best_small != best


@pytest.mark.slow
def test_localisation_sets_reported_leaks_aside(net, year, sig_cache):
    """A small new leak next to a big one already reported: the change points at the big
    one; with its signature set aside, at the new one."""
    from communia.modules.water.localise import HOURS, load_or_build_signatures, locate

    lib = load_or_build_signatures(net, list(year.pressures.columns), cache_dir=sig_cache)
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    bal = area_balances(_slice(year, "2018-01-01", "2018-01-02"), net)
    area = [a for a, pipes in bal.area_pipes.items() if net.pipe_index["p673"] in pipes][0]
    assert net.pipe_index["p427"] in bal.area_pipes[area]
    sensors = [s for s in bal.area_sensors[area] if s in lib.sensors]
    cols = [lib.sensors.index(s) for s in sensors]
    big, small = net.pipe_index["p673"], net.pipe_index["p427"]
    dist = net.pipe_distances()
    assert dist[big, small] > 1000
    # 10 m³/h more on the reported p673 leak (it grew) and a new 5 m³/h leak on p427
    delta = 10.0 * sig[:, big, cols].mean(axis=0) + 5.0 * sig[:, small, cols].mean(axis=0)
    obs = pd.Series(delta, index=sensors)
    best, post0 = locate(obs, weights, lib, net, bal.area_pipes[area])
    assert dist[best, big] <= 300
    best, post = locate(obs, weights, lib, net, bal.area_pipes[area], nuisance=[big])
    near = dist[small] <= 300
    assert dist[best, small] <= 300 and post[near].sum() > 5 * post0[near].sum()
    # nothing set aside: the same place as before
    assert (
        locate(obs, weights, lib, net, bal.area_pipes[area], nuisance=[])[0]
        == (locate(obs, weights, lib, net, bal.area_pipes[area])[0])
    )


def _area_of(net, year, sig_cache, pipe="p634"):
    """Signature library of the 2018 sensors, the area of ``pipe`` and its sensors' columns."""
    from communia.modules.water.localise import load_or_build_signatures

    lib = load_or_build_signatures(net, list(year.pressures.columns), cache_dir=sig_cache)
    bal = area_balances(_slice(year, "2018-01-01", "2018-01-02"), net)
    area = [a for a, pipes in bal.area_pipes.items() if net.pipe_index[pipe] in pipes][0]
    sensors = [s for s in bal.area_sensors[area] if s in lib.sensors]
    return lib, bal.area_pipes[area], sensors, [lib.sensors.index(s) for s in sensors]


@pytest.mark.slow
def test_joint_fit_places_two_leaks_running_together(net, year, sig_cache):
    """gen24's start: p634 (23 m³/h) and p468 (8 m³/h) already running. The best single
    signature lies between them (> 300 m from both); the two-leak fit finds both places and
    their shares of the flow, and explains the change the single leak cannot."""
    from communia.modules.water.localise import HOURS, fit_two_leaks, locate

    lib, cands, sensors, cols = _area_of(net, year, sig_cache)
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    big, small = net.pipe_index["p634"], net.pipe_index["p468"]
    dist = net.pipe_distances()
    delta = (
        23.0 * sig[:, big, cols].mean(axis=0)
        + 8.0 * sig[:, small, cols].mean(axis=0)
        + 0.4 * lib.uniform[:, cols].mean(axis=0)  # demand a little above the reference
    )
    obs = pd.Series(delta, index=sensors)
    single, _ = locate(obs, weights, lib, net, cands)
    assert dist[single, big] > 300 and dist[single, small] > 300
    fit = fit_two_leaks(obs, weights, lib, net, cands)
    assert fit is not None
    assert dist[fit.pipes[0], big] <= 300 and dist[fit.pipes[1], small] <= 300
    assert fit.shares[0] == pytest.approx(23 / 31, abs=0.05)
    assert fit.flow == pytest.approx(31.0, rel=0.1)
    assert fit.unexplained_two < 0.01 < 0.05 < fit.unexplained_one
    # read by blocks of a few rows of the pair table (bounded memory): the same fit
    blocks = fit_two_leaks(obs, weights, lib, net, cands, block_size=5000)
    assert blocks.pipes == fit.pipes
    assert blocks.confidence == pytest.approx(fit.confidence)
    assert blocks.unexplained_two == pytest.approx(fit.unexplained_two)
    # the detector's rule (defaults of BalanceCusumDetector) reports both
    det = BalanceCusumDetector()
    assert det.accepts_pair(fit)
    # a 2 m³/h second leak next to 23 m³/h is below the share the rule asks for
    delta = 23.0 * sig[:, big, cols].mean(axis=0) + 2.0 * sig[:, small, cols].mean(axis=0)
    fit = fit_two_leaks(pd.Series(delta, index=sensors), weights, lib, net, cands)
    assert dist[fit.pipes[0], big] <= 300
    assert min(fit.shares) < det.start_pair_min_share


def test_the_start_pair_rule_on_gen24s_two_references(net):
    """gen24's start (p634 23 m³/h and p468 8 m³/h already running), the two pair fits v7
    logged: against the flow model (the more confident reference for the single place),
    p624 + p507, each within 260 m of a leak but with a confidence of 0.26 on p507, below
    the rule; against the pressure profile, p650 + p469, clear. v6 tried the first one only
    and reported one leak; v7 tries both references and reports the profile's pair. The
    rule's own thresholds still apply to each."""
    from communia.modules.water.localise import JointFit

    idx, dist = net.pipe_index, net.pipe_distances()

    def fit(a, b, shares, conf, one, two):
        return JointFit((idx[a], idx[b]), shares, 30.0, conf, one, two)

    model = fit("p624", "p507", (0.61, 0.39), (0.65, 0.26), 0.345, 0.166)
    profile = fit("p650", "p469", (0.66, 0.34), (0.54, 0.54), 0.189, 0.040)
    for pair in (model, profile):
        assert dist[pair.pipes[0], idx["p634"]] <= 300 and dist[pair.pipes[1], idx["p468"]] <= 300
    det = BalanceCusumDetector()
    assert not det.accepts_pair(model) and det.accepts_pair(profile)
    # the single leak explains too little, the pair too little more, a share too small
    for weak in (
        fit("p650", "p469", (0.66, 0.34), (0.54, 0.54), 0.6, 0.040),
        fit("p650", "p469", (0.66, 0.34), (0.54, 0.54), 0.189, 0.150),
        fit("p650", "p469", (0.85, 0.15), (0.54, 0.54), 0.189, 0.040),
    ):
        assert not det.accepts_pair(weak)


def test_a_reported_leak_is_set_aside_only_for_events_that_began_after_its_alarm():
    """gen95, zone A (v10): an event that began on 01-28 waited, too small to be located,
    until p744 (18 m³/h, abrupt) started on 02-04 07:20; it was then sent at p776, 50 m from
    p744, at 02-04 14:55. p744's own event (start 02-04 07h) fell within 300 m of that
    alarm; v9 set p776's signature aside and sent the rest of the change to p124, a false
    alarm. The alarm left after the event began: the event is that leak itself, the place
    stands. A later event near it (a growing leak, or one it hides) is searched again."""
    det = BalanceCusumDetector()
    sent = pd.Timestamp("2115-02-04 14:55")
    assert not det.sets_aside([sent], pd.Timestamp("2115-02-04 07:00"))
    assert det.sets_aside([sent], pd.Timestamp("2115-02-12 07:00"))
    # one alarm nearby that left after the start is enough
    assert not det.sets_aside([pd.Timestamp("2115-01-20"), sent], pd.Timestamp("2115-02-04"))
    assert not det.sets_aside([], pd.Timestamp("2115-02-04"))


@pytest.mark.slow
def test_joint_fit_of_a_single_leak_gives_no_second_leak(net, year, sig_cache):
    """One 20 m³/h leak on p673: one signature explains it all, the pair's second leak gets
    (almost) no flow, and the detector's rule reports one leak."""
    from communia.modules.water.localise import HOURS, fit_two_leaks

    lib, cands, sensors, cols = _area_of(net, year, sig_cache, pipe="p673")
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    j = net.pipe_index["p673"]
    delta = 20.0 * sig[:, j, cols].mean(axis=0) - 0.3 * lib.uniform[:, cols].mean(axis=0)
    fit = fit_two_leaks(pd.Series(delta, index=sensors), weights, lib, net, cands)
    assert fit is not None
    assert net.pipe_distances()[fit.pipes[0], j] <= 300
    assert fit.unexplained_one < 0.01
    assert fit.shares[1] < BalanceCusumDetector().start_pair_min_share


@pytest.mark.slow
def test_joint_fit_leaves_out_leaks_that_need_a_negative_flow(net, year, sig_cache):
    """A pressure *rise* at one place is not a leak: no pair may explain it by giving one of
    the two a negative flow (non-negative least squares), and a change that is only a
    demand-wide shift (projected out) leaves nothing to fit."""
    from communia.modules.water.localise import HOURS, fit_two_leaks

    lib, cands, sensors, cols = _area_of(net, year, sig_cache)
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    big, far = net.pipe_index["p634"], net.pipe_index["p468"]
    delta = 23.0 * sig[:, big, cols].mean(axis=0) - 8.0 * sig[:, far, cols].mean(axis=0)
    fit = fit_two_leaks(pd.Series(delta, index=sensors), weights, lib, net, cands)
    assert fit is not None and min(fit.shares) > 0
    assert net.pipe_distances()[fit.pipes[1], far] > 300  # the rise is not a leak place
    assert fit.unexplained_two > 0.01  # and cannot be explained away
    only_demand = pd.Series(lib.uniform[:, cols].mean(axis=0), index=sensors)
    assert fit_two_leaks(only_demand, weights, lib, net, cands) is None
    # zone C (3 sensors): any two leaks explain its change exactly, no pair is fitted
    lib, cands, sensors, cols = _area_of(net, year, sig_cache, pipe="p257")
    assert len(sensors) == 3
    delta = 7.0 * sig[:, net.pipe_index["p257"], cols].mean(axis=0)
    assert fit_two_leaks(pd.Series(delta, index=sensors), weights, lib, net, cands) is None


@pytest.mark.slow
def test_pressure_model_learned_on_leak_free_days_reveals_a_leak(year, net):
    """Zone A has no leak in the first half of January 2018: the model of each pressure on
    the metered flows explains another leak-free week to the centimetre, and shows the drop
    of the p461 + p673 leaks (~40 m³/h) in March."""
    from communia.modules.water.detect import calibrate, model_change

    cal = calibrate(_slice(year, "2018-01-01", "2018-01-14 23:55"), net)
    assert len(cal.pressure_model) == 33 and cal.model_flows == ["PUMP_1", "p227", "p235"]
    part = _slice(year, "2018-01-01", "2018-03-31")
    bal = area_balances(part, net)
    sensors = bal.area_sensors["zone1"]
    clean, weights = model_change(
        part, bal, "zone1", cal, sensors, pd.Timestamp("2018-01-16"), pd.Timestamp("2018-01-20")
    )
    assert clean.abs().max() < 0.05 and weights.sum() == pytest.approx(1.0)
    leak, _ = model_change(
        part, bal, "zone1", cal, sensors, pd.Timestamp("2018-03-06"), pd.Timestamp("2018-03-08")
    )
    assert leak.min() < -0.3 and (leak < -0.03).sum() >= len(sensors) // 2


def test_pressure_change_references_stay_after_the_previous_change():
    """Sensor a drops 1 m on day 10 (a first leak), sensor b 0.5 m on day 20 (a second one):
    the second change read against references after the first one is b's alone."""
    from communia.modules.water.localise import observed_change

    index = pd.date_range("2018-01-01", periods=30 * 288, freq="5min")
    daily = np.sin(2 * np.pi * np.asarray(index.hour) / 24)
    p = pd.DataFrame({"a": 50 + daily, "b": 40 + daily}, index=index)
    first, second = pd.Timestamp("2018-01-11"), pd.Timestamp("2018-01-21")
    p.loc[first:, "a"] -= 1.0
    p.loc[second:, "b"] -= 0.5
    empty = pd.DataFrame(index=index)
    end = second + pd.Timedelta(hours=6)
    mixed, _ = observed_change(p, empty, {}, second, end)
    assert mixed["a"] == pytest.approx(-0.5)  # the 14-day reference predates the first leak
    alone, _ = observed_change(p, empty, {}, second, end, since=first + pd.Timedelta(hours=2))
    assert alone["a"] == pytest.approx(0.0) and alone["b"] == pytest.approx(-0.5)
    # a slow leak read over days: the reference days start after the first change too
    late = second + pd.Timedelta(days=4)
    slow, _ = observed_change(p, empty, {}, second, late, since=first + pd.Timedelta(hours=2))
    assert slow["a"] == pytest.approx(0.0) and slow["b"] == pytest.approx(-0.5, abs=0.01)


def _alarms_near(data, net, cal, sig_cache, detector, pipe, after):
    """Detection times of the alarms sent after ``after`` within 300 m of ``pipe``."""
    alarms, _ = detect_leaks(data, net, calibration=cal, cache_dir=sig_cache, detector=detector)
    dist, j = net.pipe_distances(), net.pipe_index[pipe]
    return [
        a.detection_time
        for a in alarms
        if dist[net.pipe_index[a.pipe], j] <= 300.0 and a.detection_time > after
    ]


def _abrupt(*leaks):
    """Abrupt leaks (pipe, start, hole diameter in m) for the generator, still running on
    2020-03-01."""
    from communia.modules.water.scenarios import LeakSpec

    return [LeakSpec(p, p, t, "2020-03-01 00:00", t, "abrupt", d) for p, t, d in leaks]


@pytest.mark.slow
def test_two_leaks_running_at_the_start_are_both_reported(ltown, net, sig_cache, tmp_path):
    """End to end on simulated days (EPANET, with the generator's model mismatch): two weeks
    without leak to calibrate on, then a period that starts with two leaks already running in
    zone A (p634 ≈ 28 m³/h, p468 ≈ 17 m³/h). The single best place lies between them (both
    missed); the joint fit reports both, each within 300 m."""
    from communia.modules.water.detect import calibrate
    from communia.modules.water.scenarios import generate, sensors_from

    sensors = sensors_from(ltown)
    generate(ltown / "L-TOWN.inp", tmp_path / "cal", sensors=sensors, year=2019, days=14, leaks=[])
    leaks = _abrupt(("p634", "2019-12-01 00:00", 0.020), ("p468", "2019-12-10 00:00", 0.016))
    generate(
        ltown / "L-TOWN.inp", tmp_path / "run", sensors=sensors, year=2020, days=4, leaks=leaks
    )
    cal = calibrate(read_scada_dir(tmp_path / "cal"), net, cache_dir=sig_cache)
    dist, idx = net.pipe_distances(), net.pipe_index

    def found(detector):
        alarms, _ = detect_leaks(
            read_scada_dir(tmp_path / "run"), net, calibration=cal, detector=detector,
            cache_dir=sig_cache,
        )  # fmt: skip
        assert alarms
        return {p for p in ("p634", "p468") for a in alarms if dist[idx[a.pipe], idx[p]] <= 300}

    assert found(BalanceCusumDetector()) == {"p634", "p468"}
    assert found(BalanceCusumDetector(start_pair_ratio=None)) == set()  # v4: one place, wrong


@pytest.mark.slow
def test_calibration_learns_the_directions_its_reference_errs_along(year, net, tmp_path):
    """Six weeks of 2018 with a daily swing added to zone A's pressures along one fixed
    pattern over the sensors (the season moving the network unevenly): the calibration's
    first reference-error direction is (nearly) that pattern; it survives a save and a reload, and a
    calibration file written before these directions existed still loads. Two weeks are too
    few to learn directions from."""
    from communia.modules.water.detect import Calibration, calibrate

    part = _slice(year, "2018-01-01", "2018-02-11 23:55")
    sensors = area_balances(part, net).area_sensors["zone1"]
    rng = np.random.default_rng(3)
    pattern = pd.Series(rng.normal(size=len(sensors)), index=sensors)
    pattern /= np.linalg.norm(pattern)
    swing = pd.Series(rng.normal(scale=1.0, size=42), index=pd.date_range("2018-01-01", periods=42))
    day = swing.reindex(part.pressures.index.normalize()).to_numpy()
    part.pressures = part.pressures.copy()
    part.pressures[sensors] += np.outer(day, pattern.to_numpy())
    cal = calibrate(part, net)
    learned = np.array([pd.Series(d)[sensors] for d in cal.pressure_directions["zone1"]])
    assert len(learned) == 5 and np.linalg.norm(learned, axis=1) == pytest.approx(1.0)
    # how large the error is along each (the swing has a standard deviation of 1 m) and
    # along all the others
    rms, floor = cal.pressure_direction_rms["zone1"], cal.pressure_error_floor["zone1"]
    assert rms[0] == pytest.approx(float(np.sqrt(np.mean(swing**2))), rel=0.1)
    assert list(rms) == sorted(rms, reverse=True) and floor < rms[-1]
    # the pattern is the first direction (the leaks of those weeks, not removed here, blur
    # it a little) and lies in the span of the five
    assert abs(float(learned[0] @ pattern)) > 0.9
    assert np.linalg.norm(learned @ pattern.to_numpy()) > 0.97
    again = Calibration.load(cal.save(tmp_path / "cal.json"))
    assert again.pressure_directions == cal.pressure_directions
    assert again.pressure_direction_rms == cal.pressure_direction_rms
    assert again.pressure_error_floor == cal.pressure_error_floor
    raw = json.loads((tmp_path / "cal.json").read_text(encoding="utf-8"))
    for name in ("pressure_directions", "pressure_direction_rms", "pressure_error_floor"):
        del raw[name]
    (tmp_path / "old.json").write_text(json.dumps(raw), encoding="utf-8")
    old = Calibration.load(tmp_path / "old.json")
    assert old.pressure_directions == old.pressure_direction_rms == {}
    assert old.pressure_error_floor == {}
    short = calibrate(_slice(year, "2018-01-01", "2018-01-14 23:55"), net)
    assert short.pressure and not any(short.pressure_directions.values())
    assert not any(short.pressure_direction_rms.values()) and not short.pressure_error_floor


@pytest.mark.slow
def test_localisation_sets_the_reference_error_directions_aside(net, year, sig_cache):
    """A 10 m³/h leak on p634 read against a reference that errs along a direction seen on
    the calibration period (here shaped like a leak 1 km or more away, as the references'
    year-to-year error often is): the change points at the wrong place; with that direction
    set aside, at p634 again, alone and in the two-leak fit."""
    from communia.modules.water.localise import HOURS, fit_two_leaks, locate

    lib, cands, sensors, cols = _area_of(net, year, sig_cache)
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    leak, far = net.pipe_index["p634"], net.pipe_index["p176"]
    dist = net.pipe_distances()
    assert dist[leak, far] > 1000
    error = pd.Series(sig[:, far, cols].mean(axis=0), index=sensors)
    error /= np.linalg.norm(error)
    obs = pd.Series(10.0 * sig[:, leak, cols].mean(axis=0), index=sensors) + 0.3 * error
    near = dist[leak] <= 300
    best, post0 = locate(obs, weights, lib, net, cands)
    assert dist[best, leak] > 300
    best, post = locate(obs, weights, lib, net, cands, directions=[error])
    assert dist[best, leak] <= 300 and post[near].sum() > 3 * post0[near].sum()
    fit = fit_two_leaks(obs, weights, lib, net, cands, directions=[error])
    assert dist[fit.pipes[0], leak] <= 300 and fit.unexplained_one < 0.05


def test_localisation_weighs_the_reference_error_directions_by_their_size(net, year, sig_cache):
    """The same leak on p634 with a large reference error along a far leak's shape (rms
    0.3 m) and a second learned direction that happens to be the leak's own shape, but whose
    error is no larger than the floor (1 cm): set aside, the two directions take the leak
    with them; weighed by their size, the large one is set aside (nearly) and the small one
    barely, and the leak is found again."""
    from communia.modules.water.localise import HOURS, locate

    lib, cands, sensors, cols = _area_of(net, year, sig_cache)
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    leak, far = net.pipe_index["p634"], net.pipe_index["p176"]
    dist = net.pipe_distances()
    error = pd.Series(sig[:, far, cols].mean(axis=0), index=sensors)
    error /= np.linalg.norm(error)
    own = pd.Series(sig[:, leak, cols].mean(axis=0), index=sensors)
    own -= (own @ error) * error
    own /= np.linalg.norm(own)
    obs = pd.Series(10.0 * sig[:, leak, cols].mean(axis=0), index=sensors) + 0.3 * error
    near = dist[leak] <= 300
    best, post0 = locate(obs, weights, lib, net, cands, directions=[error, own])
    assert dist[best, leak] > 300
    best, post = locate(
        obs, weights, lib, net, cands, directions=[0.3 * error, 0.01 * own], floor=0.01
    )
    assert dist[best, leak] <= 300 and post[near].sum() > 3 * post0[near].sum()


@pytest.mark.slow
def test_the_pumped_outflow_is_taken_off_the_pressure_change(ltown, net, sig_cache, tmp_path):
    """Simulated days (EPANET, the generator's model mismatch): a leak of ≈ 22 m³/h in the
    tank-fed zone C (p312) makes PUMP_1 run longer to refill T1, and zone A's pressures fall
    near the pump's inlet as if a leak ran there; a smaller leak in zone A (p778) starts the
    next day. The pumped flow is metered: its change turned into pressure with the pump's
    signature explains most of zone A's change, and once it is taken off the zone A leak is
    found within 300 m; left in, the place falls near the pump, far from the leak."""
    from communia.modules.water.detect import outflow_pressure_effect
    from communia.modules.water.localise import load_or_build_signatures, locate, observed_change
    from communia.modules.water.scenarios import generate, sensors_from

    leaks = _abrupt(("p312", "2020-01-16 06:00", 0.018), ("p778", "2020-01-17 06:00", 0.013))
    generate(
        ltown / "L-TOWN.inp", tmp_path / "run", sensors=sensors_from(ltown), year=2020,
        days=19, leaks=leaks,
    )  # fmt: skip
    data = read_scada_dir(tmp_path / "run")
    bal = area_balances(data, net)
    (area,) = [a for a, links in bal.outflows.items() if ("PUMP_1", "n54") in links]
    sensors = bal.area_sensors[area]
    lib = load_or_build_signatures(net, list(data.pressures.columns), cache_dir=sig_cache)
    start, end = pd.Timestamp("2020-01-17 06:00"), pd.Timestamp("2020-01-18 06:00")
    delta, weights = observed_change(data.pressures[sensors], data.levels, bal.tank_sensors,
                                     start, end)  # fmt: skip
    effect = outflow_pressure_effect(
        data, bal, area, lib, delta.index, weights, start, end, post_days=3, since=None
    )
    uniform = pd.Series((lib.uniform * weights[:, None]).sum(axis=0), index=lib.sensors)
    u = uniform.reindex(sensors).to_numpy(dtype=float, copy=True)
    u /= np.linalg.norm(u)

    def size(x):
        x = x.reindex(sensors).to_numpy(dtype=float)
        return float(np.linalg.norm(x - (x @ u) * u))

    assert size(effect) > 0.5 * size(delta)  # the pump's share is most of the change
    assert size(delta - effect) < 0.6 * size(delta)
    dist, idx = net.pipe_distances(), net.pipe_index
    cands = bal.area_pipes[area]
    best, _ = locate(delta, weights, lib, net, cands)
    assert dist[best, idx["p778"]] > 300
    best, _ = locate(delta - effect, weights, lib, net, cands)
    assert dist[best, idx["p778"]] <= 300


def test_signature_library_has_each_pump_running_against_stopped(tmp_path):
    """Net1 (EPANET's example): pump 9 lifts the source into the network, so running it
    rather than stopped raises the pressures it feeds (per m³/h pumped); the cached library
    reads it back the same."""
    from pathlib import Path

    from communia.modules.water.localise import HOURS, load_or_build_signatures

    net1 = read_network(Path(__file__).parent / "fixtures" / "Net1.inp")
    sensors = ["10", "11", "21", "32"]
    lib = load_or_build_signatures(net1, sensors, cache_dir=tmp_path)
    weights = np.ones(len(HOURS)) / len(HOURS)
    assert lib.pump_names == ["9"]
    pump = lib.pump_signature("9", weights)
    assert np.all(np.isfinite(pump)) and pump[lib.sensors.index("10")] > 0
    assert lib.pump_signature("no-such-pump", weights) is None
    again = load_or_build_signatures(net1, sensors, cache_dir=tmp_path)
    assert again.pump_names == ["9"] and np.allclose(again.pump_signature("9", weights), pump)


def test_the_first_weeks_spread_raises_sigma_only_up_to_a_cap():
    """gen114, zone A (water-11): p823 (21 m³/h) and p514 (16 m³/h), two abrupt leaks, start
    on days 2 and 3; the first week's spread of the smoothed residual, 5.40 m³/h, was read as
    noise, three times the floor (1 % of 164 m³/h), and every event of the period came later
    (p823 after 24 h instead of 20, p116 and p188 three days later). The spread now
    raises sigma up to 2 % of the consumption; below the floor, as on most periods, nothing
    changes."""
    det = BalanceCusumDetector()
    assert det.cusum_sigma(5.40, 164.4) == pytest.approx(3.288)
    assert det.cusum_sigma(0.95, 191.0) == pytest.approx(1.91)  # the floor
    assert det.cusum_sigma(2.5, 164.4) == pytest.approx(2.5)  # between the two: the spread
    assert det.cusum_sigma(0.01, 0.0) == pytest.approx(0.05)
    assert BalanceCusumDetector(sigma_max_rel=None).cusum_sigma(5.40, 164.4) == 5.40


def test_an_abrupt_leak_during_another_leaks_tracking_is_seen_as_a_step():
    """gen203, area A (water-16): p816 (24 m³/h) started four days after p197's alarm, while
    the CUSUM tracked p197 with a threshold 4 times higher; it was alarmed after 29 h. The
    step of the last 6 hours against the same hours the day before raises it within hours;
    a slowly growing leak raises no step."""
    hours = pd.date_range("2030-01-01", periods=24 * 20, freq="h")
    rng = np.random.default_rng(0)
    daily = 3.0 * np.sin(2 * np.pi * np.arange(len(hours)) / 24)  # the demand model's error
    raw = daily + rng.normal(0.0, 0.5, len(hours))
    raw[24 * 8 :] += np.linspace(20.0, 26.0, len(hours) - 24 * 8)  # p197-like, then growing
    raw[24 * 13 :] += 24.0  # the new abrupt leak, day 13
    raw = pd.Series(raw, index=hours)
    smooth = raw.rolling(24, min_periods=12).mean()

    def leaks(det):
        jumps = det.step_jumps(raw) if det.step_hours else None
        events = det.run(smooth, 3.0, scale_m3h=165.0, jumps=jumps, step_limit=10.0)
        return [e for e in events if e["kind"] == "leak" and e["start"] >= hours[24 * 12]]

    late = leaks(BalanceCusumDetector(step_hours=None))
    assert not late or late[0]["time"] - hours[24 * 13] > pd.Timedelta(hours=24)
    (new,) = leaks(BalanceCusumDetector())
    assert pd.Timedelta(0) <= new["time"] - hours[24 * 13] <= pd.Timedelta(hours=8)
    assert abs(new["start"] - hours[24 * 13]) <= pd.Timedelta(hours=6)
    # the tracked leak's own growth (0.25 m³/h a day more) is no step
    assert all(
        e["start"] >= hours[24 * 13] - pd.Timedelta(hours=6) for e in leaks(BalanceCusumDetector())
    )


@pytest.mark.slow
def test_explained_share_tells_a_leak_from_sensor_noise(net, year, sig_cache):
    """The share of a pressure change the best single leak explains: all of a leak's own
    change, most of it under a little noise, little of a change made of sensor noise only
    (the balance's wander over a week has no leak's shape)."""
    from communia.modules.water.localise import HOURS, explained_share

    lib, cands, sensors, cols = _area_of(net, year, sig_cache)
    sig, _ok = lib.pipe_signatures(net)
    weights = np.ones(len(HOURS)) / len(HOURS)
    leak = pd.Series(10.0 * sig[:, net.pipe_index["p634"], cols].mean(axis=0), index=sensors)
    rng = np.random.default_rng(0)
    noise = [pd.Series(rng.normal(size=len(sensors)), index=sensors) for _ in range(20)]
    size = float(np.linalg.norm(leak))
    assert explained_share(leak, weights, lib, net, cands) == pytest.approx(1.0)
    shares = [
        explained_share(leak + 0.1 * size * n / np.linalg.norm(n), weights, lib, net, cands)
        for n in noise
    ]
    assert min(shares) > 0.8
    assert np.mean([explained_share(n, weights, lib, net, cands) for n in noise]) < 0.25
    assert explained_share(leak, weights, lib, net, []) == 0.0


def test_a_small_rise_the_pressures_do_not_show_as_a_leak_is_not_sent():
    """gen121 and gen123, zone A (water-12): a rise of the balance of 2–3 m³/h (1.8–2.0 % of
    the consumption) that never grew to a locatable size was sent after a week at p74, behind
    a valve, though the best single leak explained 0.16–0.17 of the pressure change: two
    false alarms. Such an event is now dropped below a quarter explained; a leak that grew
    big enough is always sent (the place may be poor, the water loss is real), and 2018's
    p654 (0.32 explained, never big enough, 10,124 €) still is."""
    det = BalanceCusumDetector()
    assert det.drops_unexplained(False, 0.16) and det.drops_unexplained(False, 0.17)
    assert not det.drops_unexplained(False, 0.32)
    assert not det.drops_unexplained(True, 0.05)
    assert not BalanceCusumDetector(min_explained=None).drops_unexplained(False, 0.0)


def test_a_slow_leak_event_after_a_repair_is_also_read_against_leak_free_pressures():
    """2018, zone 1 (water-13): p427 (5 m³/h) grew hidden under p461 (30 m³/h) until p461's
    repair; its event after the repair was read from the days since the repair, which held
    only its late growth (0.35–0.43 of the change explained): placed 1 km off and never
    found (25,314 € of the year). A slow leak's event after a repair that is explained by
    less than half is now also read against the leak-free pressures; an abrupt leak's event
    (window under 3 days) or a well explained one is not."""
    det = BalanceCusumDetector()
    start = pd.Timestamp("2018-04-11 19:00")
    slow, abrupt = pd.Timestamp("2018-04-20 10:00"), pd.Timestamp("2018-04-12 03:00")
    assert det.hidden_after_repair(0.35, start, slow)
    assert det.hidden_after_repair(0.43, start, slow)
    assert not det.hidden_after_repair(0.94, start, slow)
    assert not det.hidden_after_repair(0.35, start, abrupt)
    assert not BalanceCusumDetector(repair_ref_max_explained=None).hidden_after_repair(
        0.0, start, slow
    )


def test_a_slow_leaks_window_is_read_over_its_last_days():
    """One rule for the pressure change, the leak flow and the hidden-leak checks: a window of
    3 days or more is a slow leak's, read over its last days (at least 3, at most
    ``post_days``); a shorter one (an abrupt leak's) is read from its start. 2018's p427
    event after p461's repair (04-11 19:00 to 04-20 10:00) is read over its last 3 days."""
    from communia.modules.water.localise import slow_days

    start = pd.Timestamp("2018-04-11 19:00")
    assert slow_days(start, start + pd.Timedelta(hours=8), 3) == 0
    assert slow_days(start, start + pd.Timedelta(days=3) - pd.Timedelta(minutes=5), 3) == 0
    assert slow_days(start, start + pd.Timedelta(days=3), 3) == 3
    assert slow_days(start, pd.Timestamp("2018-04-20 10:00"), 3) == 3
    assert slow_days(start, start + pd.Timedelta(days=4, hours=12), 7) == 4
    assert slow_days(start, start + pd.Timedelta(days=20), 7) == 7
    det = BalanceCusumDetector()
    assert det.hidden_after_repair(0.35, start, start + pd.Timedelta(days=3))
    assert not det.hidden_after_repair(0.35, start, start + pd.Timedelta(days=2, hours=23))


@pytest.mark.slow
def test_a_repairs_pressure_rise_points_at_the_repaired_leak(net, year, sig_cache):
    """2018, zone 1: p183 (abrupt, 16.5 m³/h, 08-07) was repaired on 09-01 at 17:10; the
    pressures the repair gave back, read as a leak's change, point within 300 m of p183 and
    far from the other leaks of zone 1 running then (p427, p654; p810 grows 293 m from the
    place p183's alarm gave, and is not told apart by this reading)."""
    from communia.modules.water.detect import repair_change
    from communia.modules.water.localise import locate

    lib, cands, sensors, _cols = _area_of(net, year, sig_cache, pipe="p183")
    bal = area_balances(_slice(year, "2018-01-01", "2018-01-02"), net)
    repair = {"start": pd.Timestamp("2018-09-01 17:00"), "time": pd.Timestamp("2018-09-02 06:00")}
    j, _ = locate(
        *repair_change(year, bal, sensors, repair), lib=lib, network=net, candidates=cands
    )
    dist = net.pipe_distances()
    assert dist[j, net.pipe_index["p183"]] <= 300.0
    for other in ("p427", "p654"):
        assert dist[j, net.pipe_index[other]] > 300.0


@pytest.mark.slow
def test_a_leak_every_repair_hides_is_found_after_a_repair(year, net, ltown, sig_cache):
    """2018 H2 calibrated on H1 (water-14): p810 (incipient, 07-28) started while p654 grew
    unreported and p183 was alarmed 293 m from it; every repair reset the CUSUM base to a
    level that already held it, and it never had an event of its own (12,077 € missed). The
    first slow event after p183's repair is now also searched for a second leak against the
    leak-free pressures, the repaired leak's place no longer set aside: p810 is reported
    within 300 m; without the rule it is not."""
    from communia.modules.water.detect import calibrate

    a, b = pd.Timestamp("2018-01-01"), pd.Timestamp("2018-06-30 23:55")
    flows = read_leak_flows(ltown / "leak_flows.csv.gz")
    cal = calibrate(
        year.between(a, b),
        net,
        leaks=read_leaks(ltown / "leaks.csv"),
        leak_flows=flows.loc[a:b],
        cache_dir=sig_cache,
    )
    h2 = year.between(pd.Timestamp("2018-07-01"), pd.Timestamp("2018-12-31 23:55"))

    def near_p810(detector):
        return _alarms_near(h2, net, cal, sig_cache, detector, "p810", pd.Timestamp("2018-09-02"))

    found = near_p810(BalanceCusumDetector())
    assert found and min(found) < pd.Timestamp("2018-10-01")
    assert not near_p810(BalanceCusumDetector(repair_second_leak=False))


@pytest.mark.slow
def test_a_leak_that_starts_just_after_a_repair_is_found_from_the_pressures(
    ltown, net, sig_cache, tmp_path
):
    """Simulated days (EPANET, the generator's model mismatch), as gen9's p703 and p337: an
    abrupt leak in zone A (p703, ≈ 20 m³/h) is repaired, and another of about the same flow
    (p337) starts two hours later. The balance barely moves (the repair's drop and the new
    leak's rise cancel) and the CUSUM sees nothing; the pressures show p703's place undone
    and a new leak elsewhere: p337 is reported within 300 m and within a day of its start.
    Without the rule it is not reported at all."""
    from communia.modules.water.detect import calibrate
    from communia.modules.water.scenarios import LeakSpec, generate, sensors_from

    sensors = sensors_from(ltown)
    generate(ltown / "L-TOWN.inp", tmp_path / "cal", sensors=sensors, year=2019, days=14, leaks=[])
    repaired, start = "2020-01-14 23:15", "2020-01-15 01:25"
    new = pd.Timestamp(start)
    leaks = [
        LeakSpec("p703", "p703", "2020-01-08 04:25", repaired, "2020-01-08 04:25", "abrupt", 0.018),
        LeakSpec("p337", "p337", start, "2020-03-01 00:00", start, "abrupt", 0.0199),
    ]
    generate(
        ltown / "L-TOWN.inp", tmp_path / "run", sensors=sensors, year=2020, days=19, leaks=leaks
    )
    cal = calibrate(read_scada_dir(tmp_path / "cal"), net, cache_dir=sig_cache)
    data = read_scada_dir(tmp_path / "run")

    def near_p337(detector):
        return _alarms_near(data, net, cal, sig_cache, detector, "p337", new)

    found = near_p337(BalanceCusumDetector())
    assert found and min(found) - new < pd.Timedelta(hours=24)
    assert not near_p337(BalanceCusumDetector(swap_hours=None))
