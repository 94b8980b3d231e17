"""Leak detection: water balance per area, demand-driven expected flow, CUSUM, localisation.

Pipeline (causal: a decision at hour t only reads data up to t), in order:

1. **Balance areas.** The network is cut at pumps: each part is a balance area. An area's
   consumption = metered inflows (links leaving a reservoir, pumps entering the area)
   − metered outflows (pumps leaving it) − storage change of its tanks (level × tank area).
   On L-Town: area A+B = p227 + p235 − PUMP_1, area C = PUMP_1 − T1 storage change.
2. **Expected consumption.** Smart meters (AMR) tell how much customers use right now. For an
   area with meters, the unmetered part is modelled; for an area without, the consumption is
   modelled as k(hour, day type) × total metered demand (customers everywhere follow the
   same weather, season and calendar). Coefficients are learned on a calibration period
   (the first days of the data, or a calibration file learned on a past year whose leaks
   are known).
3. **CUSUM** on the hourly residual (observed − expected − current baseline) detects both
   abrupt leaks (big jump, alarm in a few hours) and incipient ones (slow growth accumulates).
   After an alarm the baseline absorbs the leak; a negative CUSUM detects repairs and lowers
   the baseline again ("the detector learns the repair").
4. **Localisation** (see :mod:`localise`) on the pressure sensors of the alarming area.

The naive baseline, :func:`detect_mnf`, compares each night's minimum flow of an area with
the lowest of the last 10 comparable nights (weekday vs weekend/holiday).
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communia.core.errors import InvalidInput
from communia.modules.water.io import robust_spread

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from communia.modules.water.io import QualityReport, ScadaData
    from communia.modules.water.localise import JointFit
    from communia.modules.water.network import Network

__all__ = [
    "Alarm",
    "Balances",
    "area_balances",
    "area_of_nodes",
    "BalanceCusumDetector",
    "detect_mnf",
    "detect_leaks",
    "check_flow_units",
    "alarms_frame",
    "Calibration",
    "fit_calibration",
    "calibrate",
    "find_calibration",
    "leak_flows_by_area",
    "outflow_pressure_effect",
    "residuals",
]

#: fewest usable hours to fit a sensor's leak-free pressure model
MODEL_MIN_HOURS = 100

#: hours whose known leak flow in a sensor's area exceeds this (m³/h) stay out of the leak-free
#: pressure profiles even after the simulated drop is added back
PROFILE_MAX_KNOWN_LEAK = 20.0

HOLIDAYS_MMDD = ("01-01", "05-01", "05-08", "07-14", "08-15", "11-01", "11-11", "12-25", "12-26")


@dataclass
class Alarm:
    area: str
    pipe: str
    detection_time: pd.Timestamp
    start_estimate: pd.Timestamp
    flow_m3h: float  # estimated leak flow at detection
    volume_m3: float  # estimated volume lost so far
    confidence: float  # posterior mass within 300 m of the proposed pipe
    candidates: list[tuple[str, float]] = field(default_factory=list)
    #: evidence for the agent: hourly unexplained flow (m³/h) from 3 days before the start to
    #: the detection, and the reference level it is compared with
    evidence: dict = field(default_factory=dict)


@dataclass
class Balances:
    consumption: pd.DataFrame  # hourly, one column per area (m³/h)
    metered: pd.DataFrame  # hourly AMR demand per area (m³/h)
    demand_index: pd.Series  # hourly total AMR demand (m³/h), or 1.0 without meters
    area_pipes: dict[str, np.ndarray]  # pipe indices per area
    area_sensors: dict[str, list[str]]  # pressure sensors per area
    tank_sensors: dict[str, str]  # pressure sensor -> tank level column, for tank-fed zones
    notes: list[str] = field(default_factory=list)
    #: area -> metered links that carry water out of it into another area (a pump feeding a
    #: tank-fed zone), with the node they draw from: (link, node)
    outflows: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _day_type(index: pd.DatetimeIndex) -> np.ndarray:
    import numpy as np

    mmdd = index.strftime("%m-%d")
    weekend = (index.day_of_week >= 5) | np.isin(mmdd, HOLIDAYS_MMDD)
    return weekend.astype(int)


def area_of_nodes(wn: Any) -> dict[str, str]:
    """The balance area of every node: the parts of the network that pumps separate,
    numbered from the largest (``zone1``)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(wn.node_name_list)
    for _name, link in wn.links():
        if link.link_type != "Pump":
            graph.add_edge(link.start_node_name, link.end_node_name)
    area_of: dict[str, str] = {}
    comps = sorted(nx.connected_components(graph), key=len, reverse=True)
    for i, comp in enumerate(comps):
        for node in comp:
            area_of[node] = f"zone{i + 1}"
    return area_of


def area_balances(data: ScadaData, network: Network) -> Balances:
    """Build hourly consumption per balance area from the metered links and tanks."""
    import numpy as np
    import pandas as pd

    wn = network.wn
    area_of = area_of_nodes(wn)
    notes: list[str] = []
    flows = data.flows
    terms: dict[str, list[pd.Series]] = {}
    outflows: dict[str, list[tuple[str, str]]] = {}
    for sensor in flows.columns:
        if sensor not in wn.link_name_list:
            notes.append(f"Débitmètre {sensor} absent du modèle réseau : ignoré.")
            continue
        link = wn.get_link(sensor)
        a, b = link.start_node_name, link.end_node_name
        na, nb = wn.get_node(a), wn.get_node(b)
        if na.node_type == "Reservoir":
            terms.setdefault(area_of[b], []).append(flows[sensor])
        elif nb.node_type == "Reservoir":
            terms.setdefault(area_of[a], []).append(-flows[sensor])
        elif area_of[a] != area_of[b]:
            terms.setdefault(area_of[b], []).append(flows[sensor])
            terms.setdefault(area_of[a], []).append(-flows[sensor])
            outflows.setdefault(area_of[a], []).append((sensor, a))
        else:
            notes.append(f"Débitmètre {sensor} interne à un secteur : non utilisé pour le bilan.")
    for tank in data.levels.columns:
        if tank not in wn.node_name_list or wn.get_node(tank).node_type != "Tank":
            notes.append(f"Niveau {tank} : pas de réservoir de ce nom dans le modèle, ignoré.")
            continue
        node = wn.get_node(tank)
        surface = np.pi * float(node.diameter) ** 2 / 4.0
        storage = data.levels[tank].diff() * 12.0 * surface  # m³/h
        terms.setdefault(area_of[tank], []).append(-storage)
    areas = sorted(a for a in terms if any(abs(t).sum() > 0 for t in terms[a]))
    if not areas:
        raise InvalidInput(
            "Aucun débitmètre exploitable : impossible de faire un bilan d'eau par secteur "
            "(les noms des capteurs doivent correspondre aux conduites du fichier .inp)."
        )

    def hourly(s: pd.Series) -> pd.Series:
        grouped = s.resample("1h")
        mean = grouped.mean()
        return mean.where(grouped.count() >= 6)

    # the whole balance is smoothed over 30 min (causal, same window for every term so that
    # pump starts stay consistent): the 5-min level noise times the tank surface would
    # otherwise dominate the hourly balance of a tank-fed area
    consumption = pd.DataFrame(
        {a: hourly(sum(terms[a]).rolling(6, min_periods=1).mean()) for a in areas}
    )
    metered = {}
    demand_cols = [c for c in data.demands.columns if c in area_of]
    for a in areas:
        cols = [c for c in demand_cols if area_of[c] == a]
        if cols:
            metered[a] = hourly(data.demands[cols].sum(axis=1, min_count=max(1, len(cols) // 2)))
    metered_df = pd.DataFrame(metered, index=consumption.index)
    if demand_cols:
        idx = hourly(data.demands[demand_cols].sum(axis=1, min_count=max(1, len(demand_cols) // 2)))
    else:
        idx = pd.Series(1.0, index=consumption.index)
        notes.append(
            "Pas de compteurs communicants : consommation attendue selon le seul calendrier."
        )
    area_pipes = {
        a: np.array([i for i, (n1, _n2) in enumerate(network.pipe_nodes) if area_of[n1] == a])
        for a in areas
    }
    sensors = [s for s in data.pressures.columns if s in area_of]
    area_sensors = {a: [s for s in sensors if area_of[s] == a] for a in areas}
    tank_sensors = {}
    for tank in data.levels.columns:
        if tank in area_of:
            for s in sensors:
                if area_of[s] == area_of[tank]:
                    tank_sensors[s] = tank
    return Balances(
        consumption=consumption,
        metered=metered_df,
        demand_index=idx.reindex(consumption.index),
        area_pipes=area_pipes,
        area_sensors=area_sensors,
        tank_sensors=tank_sensors,
        notes=notes,
        outflows={a: v for a, v in outflows.items() if a in areas},
    )


def check_flow_units(data: ScadaData, network: Network, report: QualityReport) -> None:
    """Warn (and convert) when inlet flows look like L/s instead of m³/h.

    The model's base demands give the expected mean consumption; a measured mean about 3.6
    times smaller means the SCADA exported L/s.
    """
    import numpy as np

    wn = network.wn
    expected = 0.0
    for _name, junction in wn.junctions():
        for ts in junction.demand_timeseries_list:
            mult = np.mean(ts.pattern.multipliers) if ts.pattern is not None else 1.0
            expected += ts.base_value * mult * 3600.0
    inlets = []
    for sensor in data.flows.columns:
        if sensor in wn.link_name_list:
            link = wn.get_link(sensor)
            if "Reservoir" in (
                wn.get_node(link.start_node_name).node_type,
                wn.get_node(link.end_node_name).node_type,
            ):
                inlets.append(sensor)
    if not inlets or expected <= 0:
        return
    measured = float(data.flows[inlets].abs().sum(axis=1).mean())
    ratio = measured / expected
    if 1 / 5 < ratio < 1 / 2.5:
        data.flows = data.flows * 3.6
        report.add(
            f"Débits d'entrée environ 3,6 fois plus faibles que la consommation du modèle "
            f"({measured:.1f} contre {expected:.1f}) : unités L/s probables, converties en m³/h. "
            "Vérifiez l'export du télégestion."
        )
    elif not 0.5 < ratio < 2.0:
        report.add(
            f"Débits d'entrée ({measured:.1f} m³/h) très éloignés de la consommation du modèle "
            f"({expected:.1f} m³/h) : vérifiez les unités."
        )


# --------------------------------------------------------------------------- detector


@dataclass
class Calibration:
    """Learned expected-consumption coefficients, per area (JSON-serialisable)."""

    k: dict[str, list[list[float]]]  # area -> [day type][hour] coefficient on demand index
    sigma: dict[str, float]  # area -> robust std of the hourly residual (m³/h)
    source: str = ""
    #: sensor -> [day type][hour] pressure without leak (tank-fed sensors: minus the level);
    #: the reference for leaks already running when a period starts
    pressure: dict[str, list[list[float]]] = field(default_factory=dict)
    #: digest of the ``.inp`` it was learned with (a calibration only fits its own network)
    network_digest: str = ""
    #: sensor -> coefficients of its leak-free hourly pressure (tank-fed: minus the level) on
    #: :func:`pressure_features` (the area's consumption, its square and every metered flow,
    #: in the order of ``model_flows``): a second reference for leaks already running
    pressure_model: dict[str, list[float]] = field(default_factory=dict)
    model_flows: list[str] = field(default_factory=list)
    #: area -> directions (sensor -> value, unit norm, strongest first) along which the daily
    #: mean leak-free pressures moved away from the profiles on the calibration period: the
    #: reference's own error from one period to the next, set aside like a uniform demand
    pressure_directions: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    #: area -> rms (m) of those daily departures along each of its directions, and the rms
    #: per direction left along all the others (the error floor): how much of a change along
    #: each direction the reference's error alone explains (absent: learned before water-8,
    #: or from fewer than 28 days)
    pressure_direction_rms: dict[str, list[float]] = field(default_factory=dict)
    pressure_error_floor: dict[str, float] = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"version": 1, **asdict(self)}, indent=1), encoding="utf-8")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                k=raw["k"],
                sigma=raw["sigma"],
                source=raw.get("source", ""),
                pressure=raw.get("pressure", {}),
                network_digest=raw.get("network_digest", ""),
                pressure_model=raw.get("pressure_model", {}),
                model_flows=raw.get("model_flows", []),
                pressure_directions=raw.get("pressure_directions", {}),
                pressure_direction_rms=raw.get("pressure_direction_rms", {}),
                pressure_error_floor=raw.get("pressure_error_floor", {}),
            )
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidInput(f"Fichier de calibration illisible ({path}) : {exc}.") from exc


def _target(bal: Balances, area: str) -> pd.Series:
    cons = bal.consumption[area]
    if area in bal.metered.columns:
        return cons - bal.metered[area]
    return cons


def fit_calibration(
    bal: Balances,
    *,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    known_leaks: pd.Series | dict | None = None,
    source: str = "",
    pressures: pd.DataFrame | None = None,
    levels: pd.DataFrame | None = None,
    pressure_correction: pd.DataFrame | None = None,
    flows: pd.DataFrame | None = None,
) -> Calibration:
    """Learn k(day type, hour) per area as a median ratio target / demand index.

    ``known_leaks``: per-area hourly leak flows to remove (past year with repaired leaks).
    ``pressure_correction``: hourly per-sensor pressure to add back for the known leaks (their
    simulated drop); with it the leak-free pressure profiles use the hours with a small known
    leak too, without it only the hours with no known leak in the sensor's area.
    ``flows`` (with ``pressures``): the leak-free pressures of the same hours are also fitted
    by least squares on :func:`pressure_features` (``Calibration.pressure_model``).
    """
    import numpy as np
    import pandas as pd

    k: dict[str, list[list[float]]] = {}
    sigma: dict[str, float] = {}
    idx = bal.demand_index.loc[start:end]
    dtype = _day_type(idx.index)
    hours = np.asarray(idx.index.hour)
    for area in bal.consumption.columns:
        target = _target(bal, area).loc[start:end]
        if known_leaks is not None and area in known_leaks:
            target = target - known_leaks[area].reindex(target.index).fillna(0.0)
        ratio = (target / idx).to_numpy()
        table = np.full((2, 24), np.nan)
        for d in (0, 1):
            for h in range(24):
                sel = (dtype == d) & (hours == h) & np.isfinite(ratio)
                if sel.any():
                    table[d, h] = float(np.median(ratio[sel]))
        overall = float(np.nanmedian(ratio)) if np.isfinite(ratio).any() else 0.0
        table = np.where(np.isfinite(table), table, overall)
        resid = target.to_numpy() - table[dtype, hours] * idx.to_numpy()
        resid = resid[np.isfinite(resid)]
        mad = robust_spread(resid) if len(resid) else 1.0
        k[area] = table.tolist()
        # in-sample residuals understate the error on new days: floor at 2 % of the flow
        level = float(np.nanmean(np.abs(target.to_numpy()))) if len(target) else 0.0
        floor = 0.02 * float(np.nanmean(np.abs(bal.consumption[area].loc[start:end])))
        sigma[area] = max(1.5 * mad, floor, 0.05 * level, 0.1)
    profiles: dict[str, list[list[float]]] = {}
    departures: dict[str, np.ndarray] = {}
    model: dict[str, list[float]] = {}
    model_flows = sorted(flows.columns) if flows is not None else []
    if pressures is not None and len(pressures.columns):
        p = pressures.loc[start:end].copy()
        for sensor, tank in bal.tank_sensors.items():
            if sensor in p and levels is not None and tank in levels:
                p[sensor] = p[sensor] - levels[tank].reindex(p.index)
        hourly_p = p.resample("1h").mean()
        d_p = _day_type(hourly_p.index)
        h_p = np.asarray(hourly_p.index.hour)
        area_of = {s: a for a, sensors in bal.area_sensors.items() for s in sensors}
        features: dict[str, np.ndarray] = {}
        for sensor in hourly_p.columns:
            # hours without a known leak in the sensor's own balance area (a leak behind a
            # pump barely moves the other area's pressures; excluding every leak of the
            # network could leave no hour at all)
            clean = np.ones(len(hourly_p), dtype=bool)
            col = hourly_p[sensor].to_numpy()
            if known_leaks is not None and area_of.get(sensor) in known_leaks:
                leak = known_leaks[area_of[sensor]].reindex(hourly_p.index).fillna(0.0)
                if pressure_correction is not None and sensor in pressure_correction:
                    fix = pressure_correction[sensor].reindex(hourly_p.index).fillna(0.0)
                    col = col + fix.to_numpy()
                    clean = leak.to_numpy() < PROFILE_MAX_KNOWN_LEAK  # model error grows
                else:
                    clean = leak.to_numpy() < 0.5
            col = np.where(clean, col, np.nan)
            table = np.full((2, 24), np.nan)
            for d in (0, 1):
                for h in range(24):
                    sel = (d_p == d) & (h_p == h) & np.isfinite(col)
                    if sel.sum() >= 2:
                        table[d, h] = float(np.median(col[sel]))
            if np.isfinite(table).all():
                profiles[sensor] = table.tolist()
                departures[sensor] = col - table[d_p, h_p]
            if flows is not None and sensor in area_of:
                x = features.get(area_of[sensor])
                if x is None:
                    x = features[area_of[sensor]] = pressure_features(
                        bal, flows, area_of[sensor], model_flows, hourly_p.index
                    )
                rows = np.isfinite(col) & np.isfinite(x).all(axis=1)
                if rows.sum() >= MODEL_MIN_HOURS:
                    coef = np.linalg.lstsq(x[rows], col[rows], rcond=None)[0]
                    model[sensor] = [float(c) for c in coef]
    directions, rms, floors = {}, {}, {}
    if departures:
        frame = pd.DataFrame(departures, index=hourly_p.index)
        for area, sensors in bal.area_sensors.items():
            cols = [s for s in sensors if s in frame]
            if len(cols) >= 2:
                directions[area], rms[area], floor = _reference_directions(frame[cols])
                if floor is not None:
                    floors[area] = floor
    return Calibration(
        k=k,
        sigma=sigma,
        source=source,
        pressure=profiles,
        pressure_directions=directions,
        pressure_direction_rms=rms,
        pressure_error_floor=floors,
        pressure_model=model,
        model_flows=model_flows if model else [],
    )


def _reference_directions(
    departures: pd.DataFrame, count: int = 5, min_days: int = 28
) -> tuple[list[dict[str, float]], list[float], float | None]:
    """Main directions (over the sensors) of the daily mean departures from the profiles,
    the rms of the departures along each, and the rms per direction along all the others
    (None when the area has no more sensors than directions); none from fewer than
    ``min_days`` complete days (two weeks give noise, not directions)."""
    import numpy as np

    daily = departures.resample("1D").mean()[departures.resample("1D").count().min(axis=1) >= 18]
    if len(daily) < max(min_days, 2 * count):
        return [], [], None
    _, sv, vt = np.linalg.svd(daily.to_numpy(), full_matrices=False)
    rms = sv / np.sqrt(len(daily))
    rest = rms[count:]
    return (
        [dict(zip(departures.columns, map(float, v), strict=True)) for v in vt[:count]],
        [float(r) for r in rms[:count]],
        float(np.sqrt(np.mean(rest**2))) if len(rest) else None,
    )


def pressure_features(
    bal: Balances, flows: pd.DataFrame, area: str, names: list[str], index: pd.DatetimeIndex
) -> np.ndarray:
    """Regressors of a sensor's leak-free hourly pressure: 1, the area's consumption and its
    square (head losses grow with the flow squared) and each metered flow in ``names`` order
    (how the area is fed: which inlet, pump on or off). Rows with a missing value are NaN."""
    import numpy as np

    hourly = flows.resample("1h").mean().reindex(index)
    q = bal.consumption[area].reindex(index).to_numpy(dtype=float)
    cols = [np.ones(len(index)), q, q**2]
    for name in names:
        cols.append(
            hourly[name].to_numpy(dtype=float) if name in hourly else np.full(len(index), np.nan)
        )
    return np.column_stack(cols)


def residuals(bal: Balances, cal: Calibration) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    idx = bal.demand_index
    dtype = _day_type(idx.index)
    hours = np.asarray(idx.index.hour)
    out = {}
    for area in bal.consumption.columns:
        if area not in cal.k:
            continue
        table = np.asarray(cal.k[area])
        out[area] = _target(bal, area) - table[dtype, hours] * idx.to_numpy()
    return pd.DataFrame(out)


@dataclass
class BalanceCusumDetector:
    """Two-sided CUSUM on hourly balance residuals, in units of the residual's sigma.

    ``min_leak_m3h`` / ``min_leak_rel``: smallest leak the CUSUM is tuned for, absolute and
    as a share of the area's consumption (drift = half of the larger);
    ``threshold``: alarm level of the cumulative sum (in sigma);
    ``track_days``: after an alarm, the baseline follows the residual's trailing daily mean
    for at least this many days, and as long as the residual keeps growing by more than
    ``growth_tol_m3h`` over 3 days, so that a growing (incipient) leak does not raise a second
    alarm; an abrupt new leak still does, because the trailing mean lags by 12 hours.
    """

    min_leak_m3h: float = 1.0
    min_leak_rel: float = 0.04
    threshold: float = 20.0
    track_days: float = 10.0
    growth_tol_m3h: float = 1.0
    min_loc_hours: int = 6
    calib_days: int = 7
    smooth_hours: int = 24
    holdoff_hours: int = 24
    track_factor: float = 4.0
    sigma_rel: float = 0.01
    #: the first week's spread raises sigma up to this share of the area's consumption only:
    #: a larger spread is a leak starting in that week, not the residual's noise (None: no cap)
    sigma_max_rel: float | None = 0.02
    loc_min_flow_m3h: float = 4.0
    loc_min_flow_rel: float = 0.05
    max_wait_days: float = 7.0
    post_days: int = 3
    #: an alarm whose leak never reached ``loc_min_flow`` is dropped below this flow (m³/h)
    min_alarm_flow_m3h: float = 1.0
    #: ... and when the best single leak explains less than this share of the area's pressure
    #: change (squared cosine of its signature with the change): a small rise of the balance
    #: that never grew and that the pressures do not show as a leak is the balance's own
    #: wander (demand not metered), not a leak; its place is wherever that wander happens to
    #: point (water-12). None: not checked
    min_explained: float | None = 0.25
    #: localisation also uses the balance's leak flow (size of the pressure change); off by
    #: default: better on the tuning periods, worse on the unseen generated ones
    #: (docs/benchmarks/water.md)
    loc_use_flow: bool = False
    #: re-localisation of a growing leak: checked every ``relocate_every_days``, once the
    #: leak has grown by ``relocate_growth``; at most ``max_relocations`` extra alarms, each
    #: on a pipe > 300 m from the previous ones with confidence ≥ ``relocate_min_conf`` and
    #: ``relocate_margin`` above the previous place's
    max_relocations: int = 1
    #: below this confidence (posterior mass within 300 m) no alarm is sent yet: the place is
    #: re-estimated every ``max_hold_days`` (at most every day) until it is clearer
    min_alarm_conf: float = 0.5
    #: a held alarm is sent anyway after this many days (a leak is never kept silent; more
    #: data barely sharpens the place, waiting costs the leak's volume, and an abrupt leak
    #: must reach a crew within the day)
    max_hold_days: float = 0.5
    #: an abrupt leak's held alarm is sent at the latest this many hours after its estimated
    #: start: the hourly start estimate can be up to an hour late and the alarm is stamped
    #: at the end of its hour (plus the cleaning look-ahead), so it leaves within 24 h
    abrupt_send_hours: float = 22.0
    #: a new event whose place falls within 300 m of a leak already reported in the area
    #: (since its last repair) is most often that leak growing, or a new leak hidden by it:
    #: the reported leaks' signatures are then set aside and the place searched again; the
    #: new place is kept if it is > 300 m from them with at least this confidence. Not when
    #: that leak's alarm was sent after the new event began (an event that waited to be
    #: located until a leak started, and that leak's own event): the event is the reported
    #: leak itself, and the place stands
    joint_min_conf: float = 0.7
    #: leaks already running when the data start: the pressure change is also fitted by two
    #: leaks at once (:func:`localise.fit_two_leaks`), against each leak-free reference
    #: (profile and flow model, the more confident one first); both places of the first
    #: pair that passes are reported (the single best place kept if it is one of them). A
    #: pair passes when the best single leak explains at least
    #: ``1 − start_pair_max_unexplained`` of the change (a change mostly made of reference
    #: error is not fitted further), the pair leaves at most ``start_pair_ratio`` of what
    #: that single leak leaves, each of the two carries at least ``start_pair_min_share`` of
    #: the fitted flow with a confidence of at least ``start_pair_min_conf``
    #: (``start_pair_ratio`` None: no pair fit)
    start_pair_ratio: float | None = 0.65
    start_pair_min_share: float = 0.2
    start_pair_min_conf: float = 0.3
    start_pair_max_unexplained: float = 0.5
    #: leaks already running at the start: how many of the calibration's reference-error
    #: directions (``Calibration.pressure_directions``) are set aside when locating them
    start_directions: int = 3
    #: leaks that start within the period (read against the weeks before): every one of
    #: those directions is weighed down by how much of it the references' error explains
    #: (its rms against the error floor, ``Calibration.pressure_direction_rms``), not set
    #: aside: the same day-to-day moves blur a week-to-week change (False: not used)
    later_directions: bool = True
    #: leaks that start within the period: the pressure change the area's sensors owe to the
    #: change of its metered outflows (a pump feeding another area) over the same windows,
    #: each drawn at the pump's inlet node (its signature per m³/h), is taken off the change
    #: before it is located (False: not taken off)
    outflow_effect: bool = True
    #: a slow leak's event after a repair in its area is read from the days since the repair;
    #: a leak that grew hidden under the repaired one is already in them, and the event's
    #: window then holds only its late growth. When the best single leak explains less than
    #: this share of that window's change, the pressures of the last ``post_days`` are also
    #: compared with the calibration's leak-free ones (as for a leak running when the data
    #: start, the places already reported in the area set aside); if that reading is better
    #: explained and its place lies > 300 m from the window's, both places are sent: the
    #: window's (what changed since the repair) and the other (a leak hidden before it)
    #: (None: not done; water-13)
    repair_ref_max_explained: float | None = 0.5
    #: the same slow event after a repair, when that reading sends nothing (not done, as the
    #: window is well explained; it explains no more; or it finds the window's leak again),
    #: is also searched for a second leak against the leak-free pressures: the repaired
    #: leak is where the repair's own pressure rise points (:func:`repair_change`); the
    #: places reported in the area within 300 m of it are no longer set aside (when there
    #: are none, nothing is searched), the others, the window's place and the first
    #: reading's are; a place > 300 m from the window's and from the places still set aside,
    #: with a confidence of at least ``min_alarm_conf``, is sent too: a leak that started
    #: near a reported one while others ran, and that every repair's new CUSUM base already
    #: holds (False: not done; water-14)
    repair_second_leak: bool = True
    #: a leak that starts within hours of a reported leak's repair, with about its flow,
    #: leaves the balance flat (the repair's drop and the new leak's rise cancel) and the
    #: CUSUM sees no leak. Every reported leak big enough to be located and placed on its
    #: step (not on a slow leak's window) is watched: every hour, the pressures of the last
    #: ``swap_hours`` are compared with the same hours of the last day of the same day type
    #: and fitted along its signature (:func:`localise.fitted_flow`). Its repair seen in the
    #: pressures (a fitted flow of at most minus half its reported flow and minus the flow
    #: needed to locate a leak, beyond ``swap_sigmas`` times that fitted flow's spread) while
    #: the balance over the same hours fell by less than half of it is a new leak hidden by
    #: the repair; decided once on the next ``swap_hours``: the repair stays, the hidden flow
    #: is locatable, the balance does not rise by a leak the CUSUM sees itself, and the new
    #: leak is placed > 300 m from the repaired one, carries half the hidden flow there and
    #: has a confidence of at least ``min_alarm_conf`` (None: not checked; water-14)
    swap_hours: int | None = 6
    #: the fitted flow's spread: its robust sigma over the week before (hourly values)
    swap_sigmas: float = 5.0
    #: while a leak is tracked (its CUSUM threshold ``track_factor`` times higher), a new
    #: abrupt leak is also looked for as a step: the mean residual of the last ``step_hours``
    #: against the same hours the day before, above ``step_sigmas`` times that difference's
    #: spread on the first week and above the flow needed to locate a leak; an abrupt leak
    #: that starts days after another one's alarm was raised after 26–36 h (None: not done;
    #: water-16)
    step_hours: int | None = 6
    step_sigmas: float = 5.0
    relocate_every_days: float = 7.0
    relocate_growth: float = 1.5
    relocate_min_conf: float = 0.5
    relocate_margin: float = 0.2

    def loc_min_flow(self, scale: float) -> float:
        """The flow (m³/h) a leak needs before the pressure sensors can locate it, in an area
        consuming ``scale`` m³/h (the ``loc_min_flow_m3h``/``loc_min_flow_rel`` rule)."""
        return max(self.loc_min_flow_m3h, self.loc_min_flow_rel * abs(scale))

    def cusum_sigma(self, spread: float, scale: float) -> float:
        """The CUSUM's sigma (m³/h) from the smoothed residual's spread over the first week
        and the area's mean consumption ``scale`` (the ``sigma_rel``/``sigma_max_rel`` rule)."""
        if self.sigma_max_rel is not None:
            spread = min(spread, self.sigma_max_rel * abs(scale))
        return max(spread, self.sigma_rel * abs(scale), 0.05)

    def drops_unexplained(self, big_enough: bool, explained: float) -> bool:
        """Whether an event is dropped, unsent: its leak never became big enough to be
        located and the best single leak explains only ``explained`` of the pressure change
        (the ``min_explained`` rule)."""
        return not big_enough and self.min_explained is not None and explained < self.min_explained

    def hidden_after_repair(
        self, explained: float, start: pd.Timestamp, t_end: pd.Timestamp
    ) -> bool:
        """Whether an event that follows a repair in its area is also read against the
        leak-free pressures (the ``repair_ref_max_explained`` rule): a slow leak's event (its
        window ≥ 3 days) whose pressure change the best single leak explains poorly."""
        from communia.modules.water.localise import slow_days

        return (
            self.repair_ref_max_explained is not None
            and slow_days(start, t_end, self.post_days) > 0
            and explained < self.repair_ref_max_explained
        )

    def accepts_pair(self, fit: JointFit) -> bool:
        """Whether a two-leak fit at the start is reported (the ``start_pair_*`` rule)."""
        return not (
            fit.unexplained_one > self.start_pair_max_unexplained
            or fit.unexplained_two > self.start_pair_ratio * fit.unexplained_one
            or min(fit.shares) < self.start_pair_min_share
            or min(fit.confidence) < self.start_pair_min_conf
        )

    def sets_aside(self, sent: list[pd.Timestamp], start: pd.Timestamp) -> bool:
        """Whether an event that began at ``start``, placed within 300 m of leaks whose alarms
        were sent at ``sent``, is searched again with their signatures set aside (the
        ``joint_min_conf`` rule). Not when one of those alarms left after the event began:
        its window already held the event's change, which is that leak itself."""
        return bool(sent) and max(sent) < start

    def step_jumps(self, raw: pd.Series) -> pd.Series:
        """The mean hourly residual of the last ``step_hours`` minus the same hours' the day
        before: the demand model's daily error cancels out, a new abrupt leak shows whole."""
        recent = raw.rolling(self.step_hours, min_periods=self.step_hours).mean()
        return recent - recent.shift(24)

    def run(
        self,
        res: pd.Series,
        sigma: float,
        *,
        first: int = 0,
        scale_m3h: float = 0.0,
        jumps: pd.Series | None = None,
        step_limit: float | None = None,
    ) -> list[dict]:
        """Return raw events: alarms (start, time, size) on one area's residual.

        ``first``: index of the first hour at which an alarm may be raised (after the
        calibration period when the detector calibrates itself on the data).
        """
        import numpy as np
        import pandas as pd

        values = res.to_numpy(dtype=float)
        times = res.index
        steps = jumps.to_numpy(dtype=float) if jumps is not None and step_limit else None
        steps_from = 0
        # causal trailing daily mean, lagged by 12 h: the slow baseline used while tracking
        trail = pd.Series(values).rolling(24, min_periods=12).mean().shift(12).to_numpy()
        daily = pd.Series(values).rolling(72, min_periods=36).mean().to_numpy()
        base = 0.0
        s_hi = s_lo = 0.0
        start_hi = start_lo = 0
        tracking_from = -1
        alarm_level = 0.0
        holdoff_until = -1
        drift = max(self.min_leak_m3h, self.min_leak_rel * scale_m3h) / 2.0
        events = []
        sigma = max(sigma, 0.1)
        for i, r in enumerate(values):
            if not np.isfinite(r):
                continue
            if i < holdoff_until:
                # the smoothed residual is still ramping to its new level after an event:
                # follow it, and do not count the ramp as a new leak or repair
                base = r
                alarm_level = r if tracking_from >= 0 else alarm_level
                s_hi = s_lo = 0.0
                continue
            if (
                steps is not None
                and tracking_from >= 0
                and i >= max(first, steps_from)
                and np.isfinite(steps[i])
                and steps[i] > step_limit
            ):
                # a step while another leak is tracked: a new abrupt leak
                i0 = max(i - self.step_hours + 1, 0)
                level = float(values[i0]) if np.isfinite(values[i0]) else base
                events.append(
                    {
                        "kind": "leak",
                        "start": times[i0],
                        "time": times[i],
                        "size": float(steps[i]),
                        "i": i,
                        "i_start": i0,
                        "base": level,
                    }
                )
                tracking_from, alarm_level, base = i, r, r
                holdoff_until = i + self.holdoff_hours
                steps_from = i0 + 24 + self.step_hours  # the day before holds no step any more
                s_hi = s_lo = 0.0
                continue
            if tracking_from >= 0:
                if np.isfinite(trail[i]):
                    # follow the growing leak, never below its level at the alarm
                    base = max(alarm_level, float(trail[i]))
                done = i - tracking_from > self.track_days * 24
                growth = daily[i] - daily[i - 72] if i >= 72 else np.inf
                if done and np.isfinite(growth) and growth < self.growth_tol_m3h:
                    tracking_from = -1
            z_hi = (r - base - drift) / sigma
            z_lo = (base - r - drift) / sigma
            if s_hi == 0.0:
                start_hi = i
            if s_lo == 0.0:
                start_lo = i
            s_hi = max(0.0, s_hi + z_hi)
            s_lo = max(0.0, s_lo + z_lo)
            if i < first:
                s_hi = s_lo = 0.0
                continue
            limit = self.threshold * (self.track_factor if tracking_from >= 0 else 1.0)
            if s_hi > limit:
                seg = values[start_hi : i + 1]
                size = float(np.nanmean(seg) - base)
                events.append(
                    {
                        "kind": "leak",
                        "start": times[start_hi],
                        "time": times[i],
                        "size": size,
                        "i": i,
                        "i_start": start_hi,
                        "base": base,
                    }
                )
                base = float(np.nanmean(values[max(start_hi, i - 2) : i + 1]))
                alarm_level = base
                s_hi = s_lo = 0.0
                tracking_from = i
                holdoff_until = i + self.holdoff_hours
            elif s_lo > self.threshold:
                seg = values[start_lo : i + 1]
                events.append(
                    {
                        "kind": "repair",
                        "start": times[start_lo],
                        "time": times[i],
                        "size": float(base - np.nanmean(seg)),
                    }
                )
                base = float(np.nanmean(values[max(start_lo, i - 2) : i + 1]))
                tracking_from = -1
                holdoff_until = i + self.holdoff_hours
                s_hi = s_lo = 0.0
        return events


def detect_leaks(
    data: ScadaData,
    network: Network,
    *,
    calibration: Calibration | None = None,
    detector: BalanceCusumDetector | None = None,
    cache_dir: Path | None = None,
) -> tuple[list[Alarm], list[str]]:
    """Run the full pipeline on one period of telemetry; returns alarms and French notes."""
    import numpy as np
    import pandas as pd

    from communia.modules.water.localise import (
        explained_share,
        fit_two_leaks,
        fitted_flow,
        hour_weights,
        load_or_build_signatures,
        locate,
        observed_change,
        slow_days,
    )

    detector = detector or BalanceCusumDetector()
    notes = list(data.report.messages)
    check_flow_units(data, network, data.report)
    notes = list(data.report.messages)
    bal = area_balances(data, network)
    notes += bal.notes
    cleaning_lag = pd.Timedelta(minutes=30) if data.report.messages else pd.Timedelta(0)
    first = 0
    if calibration is None:
        t0 = bal.consumption.index[0]
        first = detector.calib_days * 24
        calibration = fit_calibration(
            bal, end=t0 + pd.Timedelta(days=detector.calib_days) - pd.Timedelta("1h")
        )
        notes.append(
            f"Calibration sur les {detector.calib_days} premiers jours : une fuite déjà présente "
            "au début de la période n'est pas détectable sans calibration d'une année antérieure."
        )
    res = residuals(bal, calibration)
    sensors = [s for s in data.pressures.columns if s in network.wn.node_name_list]
    lib = load_or_build_signatures(network, sensors, cache_dir=cache_dir) if sensors else None
    signatures = lib.pipe_signatures(network)[0] if lib else None
    alarms: list[Alarm] = []
    last_time = bal.consumption.index[-1]
    for area in res.columns:
        scale = float(bal.consumption[area].iloc[: detector.calib_days * 24].mean())
        # the CUSUM reads the causal 24-hour mean of the residual: the daily cycle of the
        # demand model's error cancels out, what is left moves slowly (weather, calendar)
        smooth = (
            res[area].rolling(detector.smooth_hours, min_periods=detector.smooth_hours // 2).mean()
        )
        calib = smooth.iloc[detector.smooth_hours : detector.calib_days * 24].dropna()
        sigma = detector.cusum_sigma(robust_spread(calib), scale)
        jumps, step_limit = None, None
        if detector.step_hours:
            jumps = detector.step_jumps(res[area])
            week = jumps.iloc[24 + detector.step_hours : detector.calib_days * 24].dropna()
            step_limit = max(
                detector.step_sigmas * robust_spread(week), detector.loc_min_flow(scale)
            )
        events = detector.run(
            smooth, sigma, first=first, scale_m3h=scale, jumps=jumps, step_limit=step_limit
        )
        series = res[area]
        candidates = bal.area_pipes[area]
        area_sensors = [s for s in bal.area_sensors.get(area, []) if lib and s in lib.sensors]
        # every place reported in the area so far (set aside when looking for a hidden leak)
        reported: set[int] = set()

        def leak_free_changes(start, t_end, area=area, area_sensors=area_sensors):
            """The pressure changes from ``start`` to ``t_end`` against the leak-free pressures
            learned on a past period, by hour and day type (profile) and, when every sensor
            has one, as a function of the metered flows (model); and the directions along
            which these references erred on the calibration period itself, from day to day,
            which are no evidence of a leak."""
            changes = [
                profile_change(
                    data.pressures[area_sensors],
                    data.levels,
                    bal.tank_sensors,
                    calibration.pressure,
                    start,
                    t_end,
                )
            ]
            if all(s in calibration.pressure_model for s in area_sensors):
                changes.append(
                    model_change(data, bal, area, calibration, area_sensors, start, t_end)
                )
            directions = [
                pd.Series(d)
                for d in calibration.pressure_directions.get(area, [])[: detector.start_directions]
            ]
            return changes, directions

        def localise(
            start,
            t_end,
            flow,
            since=None,
            active=None,
            repair=None,
            area=area,
            area_sensors=area_sensors,
            candidates=candidates,
        ):
            """Proposed pipe index, confidence (posterior within 300 m), top candidates, the
            other leak a joint fit finds for a leak already running when the data start
            (pipe, confidence, top, share of the flow), and the share of the pressure change
            the best single leak explains (:func:`localise.explained_share`; 1 when the
            area cannot be located)."""
            if lib is None or len(area_sensors) < 2:
                return int(candidates[len(candidates) // 2]), 0.0, [], [], 1.0
            history = start - pd.Timedelta(days=7) >= data.pressures.index[0]
            directions, floor = None, None
            if not history and calibration.pressure:
                # the leak was already there when the data start: compare with the leak-free
                # pressures; the two references err differently from one year to the next:
                # keep the place the more confident of the two gives
                changes, directions = leak_free_changes(start, t_end)
            else:
                if detector.later_directions:
                    directions, floor = _weighed_directions(calibration, area)
                delta, weights = observed_change(
                    data.pressures[area_sensors],
                    data.levels,
                    bal.tank_sensors,
                    start,
                    t_end,
                    post_days=detector.post_days,
                    since=since,
                )
                if detector.outflow_effect:
                    # more (or less) water pumped out of the area, measured (e.g. a leak in
                    # the tank-fed area it feeds, whose tank the pump refills): not a leak
                    # of this area, taken off the change
                    effect = outflow_pressure_effect(
                        data,
                        bal,
                        area,
                        lib,
                        delta.index,
                        weights,
                        start,
                        t_end,
                        post_days=detector.post_days,
                        since=since,
                    )
                    delta = delta - effect
                changes = [(delta, weights)]
            place = functools.partial(
                locate,
                lib=lib,
                network=network,
                candidates=candidates,
                flow=flow if detector.loc_use_flow else None,
                directions=directions,
                floor=floor,
            )
            dmat = network.pipe_distances()
            conf = -1.0
            for delta, weights in changes:
                i, p = place(delta, weights)
                c = _near_mass(p, dmat, i)
                if c > conf:
                    pipe_i, post, conf, chosen = i, p, c, (delta, weights)
            explained = explained_share(
                *chosen, lib, network, candidates, directions=directions, floor=floor
            )
            extra = []
            if repair is not None and history and slow_days(start, t_end, detector.post_days):
                hidden = hidden_leak(start, t_end, explained, pipe_i, repair)
                if hidden is not None:
                    extra.append(hidden)
            if not history and detector.start_pair_ratio is not None:
                # several leaks may be running together: fit two at once on the changes
                pipe_i, conf, post, extra = start_pair(
                    changes, chosen, pipe_i, conf, post, candidates, directions
                )
            # alarms sent in the area (since its last repair) within 300 m of the place
            near = [t for j, t in (active or {}).items() if dmat[pipe_i, j] <= 300.0]
            if near and not detector.sets_aside(near, start):
                log.debug(
                    "%s: %s, the reported leak itself (sent %s)",
                    area,
                    network.pipes[pipe_i],
                    max(near),
                )
            elif near:
                # the change looks like a leak already reported in the area (growing, or
                # hiding a new one): set its signature aside and look again elsewhere
                for delta, weights in changes:
                    i, p = place(delta, weights, nuisance=list(active))
                    c = _near_mass(p, dmat, i)
                    far = min(dmat[i, j] for j in active) > 300.0
                    if far and c >= detector.joint_min_conf:
                        pipe_i, post, conf = i, p, c
            return pipe_i, conf, _top_candidates(network, post), extra, explained

        def hidden_leak(
            start,
            t_end,
            explained,
            pipe_i,
            repair,
            area=area,
            area_sensors=area_sensors,
            candidates=candidates,
            reported=reported,
        ):
            """The place of a leak hidden before the area's last repair (the event ``repair``),
            read against the calibration's leak-free pressures over the last ``post_days``, as
            an extra alarm (pipe, confidence, top, share of the flow): first with every place
            reported in the area set aside (the ``repair_ref_max_explained`` rule, when the
            window's change is poorly explained), then, when that sends nothing, a second leak
            with the window's place set aside too and the repaired leak no longer (the
            ``repair_second_leak`` rule). None when neither finds a place > 300 m away."""
            if not calibration.pressure:
                return None
            changes, directions = leak_free_changes(
                t_end - pd.Timedelta(days=detector.post_days), t_end, area, area_sensors
            )
            shares = [
                explained_share(delta, weights, lib, network, candidates, directions=directions)
                for delta, weights in changes
            ]
            k = int(np.argmax(shares))
            dmat = network.pipe_distances()
            place = functools.partial(
                locate, lib=lib, network=network, candidates=candidates, directions=directions
            )
            aside = {pipe_i}
            if detector.hidden_after_repair(explained, start, t_end) and shares[k] > explained:
                i, p = place(*changes[k], nuisance=sorted(reported) or None)
                log.debug(
                    "%s: after a repair, %s (%.2f explained) against the leak-free pressures, "
                    "%s (%.2f) in the window",
                    area,
                    network.pipes[i],
                    shares[k],
                    network.pipes[pipe_i],
                    explained,
                )
                if dmat[pipe_i, i] > 300.0:
                    return i, _near_mass(p, dmat, i), _top_candidates(network, p), 1.0
                aside.add(i)
            if not detector.repair_second_leak:
                return None
            # the repaired leak: the reported places within 300 m of where the repair's
            # pressure rise points (none: the repair is no reported leak's, and nothing set
            # aside changes); the others may still be running and stay set aside
            j, _ = place(*repair_change(data, bal, area_sensors, repair))
            kept = {r for r in reported if dmat[j, r] > 300.0}
            if len(kept) == len(reported):
                return None
            i, p = place(*changes[k], nuisance=sorted(kept | aside))
            conf = _near_mass(p, dmat, i)
            log.debug(
                "%s: after the repair of %s, a second leak at %s (confidence %.2f; %.2f of the "
                "change explained, %.2f in the window)",
                area,
                network.pipes[j],
                network.pipes[i],
                conf,
                shares[k],
                explained,
            )
            if conf < detector.min_alarm_conf or min(dmat[i, r] for r in kept | {pipe_i}) <= 300.0:
                return None
            return i, conf, _top_candidates(network, p), 1.0

        def start_pair(changes, chosen, pipe_i, conf, post, candidates, directions, area=area):
            """Two leaks fitted jointly, when they explain clearly more than one: the place
            to report first (the single best place if it is one of the two) and the other
            (pipe, confidence, top, share of the flow). Each reference's change is fitted,
            the chosen one's (``chosen``) first."""
            dmat = network.pipe_distances()
            changes = sorted(changes, key=lambda change: change[0] is not chosen[0])
            fits = [
                fit_two_leaks(delta, weights, lib, network, candidates, directions=directions)
                for delta, weights in changes
            ]
            for k, fit in enumerate(fits):
                if fit is None:
                    continue
                log.debug(
                    "%s: pair %s (reference %d), shares %s, confidence %s, unexplained "
                    "%.3f -> %.3f (single: %s)",
                    area,
                    [network.pipes[j] for j in fit.pipes],
                    k,
                    [round(x, 2) for x in fit.shares],
                    [round(x, 2) for x in fit.confidence],
                    fit.unexplained_one,
                    fit.unexplained_two,
                    network.pipes[pipe_i],
                )
                if not detector.accepts_pair(fit):
                    continue
                members = list(zip(fit.pipes, fit.confidence, fit.shares, strict=True))
                near = [m for m in members if dmat[pipe_i, m[0]] <= 300.0]
                if not near:  # the single best place lies between the two: report both
                    (pipe_i, conf, _), *members = members
                    post = np.zeros(len(network.pipes))
                    post[pipe_i] = conf
                return (
                    pipe_i,
                    conf,
                    post,
                    [
                        (j, c, [(network.pipes[j], c)], share)
                        for j, c, share in members
                        if dmat[pipe_i, j] > 300.0
                    ],
                )
            return pipe_i, conf, post, []

        def send_extra(extra, t, flow, volume, start, level0, series=series, area=area):
            """Alarms for the other leaks of a joint fit."""
            for j, c, top, share in extra:
                alarms.append(
                    _alarm(
                        area,
                        network.pipes[j],
                        t,
                        cleaning_lag,
                        start,
                        share * flow,
                        share * volume,
                        c,
                        top,
                        series,
                        level0,
                    )
                )

        def window_flow(start, t_end, level0, series=series):
            """Leak flow over the window the pressure change is measured on."""
            days = slow_days(start, t_end, detector.post_days)
            if days:
                part = series.loc[t_end - pd.Timedelta(days=days) : t_end]
            else:
                part = series.loc[start:t_end]
            return float(max(part.mean() - level0, 0.0)) if len(part) else 0.0

        def swapped_leaks(
            first_alarm,
            area=area,
            area_sensors=area_sensors,
            series=series,
            events=events,
            scale=scale,
        ):
            """Alarms for leaks that started within hours of the repair of a leak reported
            in the area (``alarms[first_alarm:]``) and hid it from the balance (the
            ``swap_hours`` rule)."""
            hours = pd.Timedelta(hours=detector.swap_hours)
            hour, day = pd.Timedelta(hours=1), pd.Timedelta(days=1)
            loc_min_flow = detector.loc_min_flow(scale)
            pressures = (
                _window_pressures(
                    data.pressures[area_sensors],
                    data.levels,
                    bal.tank_sensors,
                    series.index[0],
                    last_time + hour,
                )
                .resample("1h")
                .mean()
            )
            repairs = [e["time"] for e in events if e["kind"] == "repair"]
            leak_starts = [e["start"] for e in events if e["kind"] == "leak"]
            dmat = network.pipe_distances()

            @dataclass
            class Watched:
                pipe: int
                flow: float
                start: pd.Timestamp
                since: pd.Timestamp  # its alarm: watched from a day later
                until: pd.Timestamp  # the balance's next repair
                fitted: list[float] = field(default_factory=list)

            def watch(t, pipe_i, flow, start):
                until = next((r for r in repairs if r > t), last_time)
                return Watched(pipe_i, flow, start, t, until)

            watched = [
                watch(a.detection_time, network.pipe_index[a.pipe], a.flow_m3h, a.start_estimate)
                for a in alarms[first_alarm:]
                # a leak big enough to be located, placed on its step (not on a slow leak's
                # window of days, whose place carries the references' drift)
                if a.flow_m3h >= loc_min_flow
                and not slow_days(a.start_estimate, a.detection_time, detector.post_days)
            ]

            def change(t):
                """The pressure change of the ``swap_hours`` up to ``t`` against the same hours
                of the last day of the same day type (weekday, or weekend and holiday) within
                a week (per sensor, with the signature hours' weights), the balance's change
                over the same hours, and the reference's first hour."""
                now = pd.date_range(t - hours + hour, t, freq="h")
                back = next(
                    (
                        k * day
                        for k in range(1, 8)
                        if (_day_type(now - k * day) == _day_type(now)).all()
                    ),
                    7 * day,
                )
                after = pressures.reindex(now)
                delta = after.mean() - pressures.reindex(now - back).mean()
                rise = float(series.reindex(now).mean() - series.reindex(now - back).mean())
                # a leak event of the CUSUM that began since the reference: not read
                ref = now[0] - back
                ref = None if any(ref < s <= t for s in leak_starts) else ref
                return delta, hour_weights(now), rise, ref

            def repaired(w, delta, weights, rise, ref):
                """The flow ``w``'s place fits to the change (its repair: negative), and the
                flow that the balance hides: 0 unless the pressures show the repair (beyond
                that fitted flow's spread over the week before, ``noise``; the reference after
                the leak's start) while the balance did not fall by half of it."""
                q = fitted_flow(delta, weights, lib, signatures, w.pipe)
                past = np.array(w.fitted[-7 * 24 :])
                if len(past) < 48 or not np.isfinite(q) or ref is None or ref < w.start:
                    return q, 0.0
                noise = detector.swap_sigmas * robust_spread(past)
                if q > -max(w.flow / 2, loc_min_flow, noise) or rise <= -w.flow / 2:
                    return q, 0.0
                return q, min(w.flow, -q) + rise

            # a rise of the balance the CUSUM is tuned to see is left to it
            visible = max(detector.min_leak_m3h, detector.min_leak_rel * abs(scale))
            t = min((w.since + day for w in watched), default=last_time).floor("h")
            while t <= last_time and watched:
                now = [w for w in watched if w.since + day <= t < w.until]
                t += hour
                if not now:
                    continue
                delta, weights, rise, ref = change(t - hour)
                gone = []
                for w in now:
                    q, hidden = repaired(w, delta, weights, rise, ref)
                    if hidden > 0:
                        gone.append(w)
                    w.fitted.append(q)
                if not gone:
                    continue
                # decided once, on the next ``swap_hours``, all after the change: the repair
                # stays, the balance hides a locatable flow and does not rise by a leak of
                # its own
                start, t_end = t, min(t - hour + hours, last_time)
                delta, weights, rise, ref = change(t_end)
                gone = [(w, repaired(w, delta, weights, rise, ref)[1]) for w in gone]
                gone = [(w, flow) for w, flow in gone if flow >= loc_min_flow]
                t = t_end + hour
                if not gone or rise > visible:
                    continue
                rep, flow = max(gone, key=lambda g: g[1])
                held = {w.pipe: w.since for w in now}
                pipe_i, conf, top, _, _ = localise(start, t_end, flow, rep.start, held)
                if (
                    min(dmat[pipe_i, w.pipe] for w, _ in gone) <= 300.0
                    or fitted_flow(delta, weights, lib, signatures, pipe_i) < flow / 2
                    or conf < detector.min_alarm_conf
                ):
                    # the change is the repaired leak's own, no leak where it is placed
                    # carries the hidden flow, or the pressures, the only evidence here, do
                    # not place it clearly
                    continue
                log.debug(
                    "%s: the repair of %s (%s) hides a new leak of %.1f m3/h at %s (conf. %.2f)",
                    area,
                    network.pipes[rep.pipe],
                    start,
                    flow,
                    network.pipes[pipe_i],
                    conf,
                )
                level0 = float(series.loc[start - day : start].mean()) - flow
                alarms.append(
                    _alarm(
                        area,
                        network.pipes[pipe_i],
                        t_end,
                        cleaning_lag,
                        start,
                        flow,
                        flow * float((t_end - start) / hour),
                        conf,
                        top,
                        series,
                        level0,
                    )
                )
                watched = [w for w in watched if all(w is not g for g, _ in gone)]
                watched.append(watch(t_end, pipe_i, flow, start))

        # places reported in the area since its last repair, with the time of their alarm
        active: dict[int, pd.Timestamp] = {}
        n_area = len(alarms)
        for n_ev, ev in enumerate(events):
            if ev["kind"] != "leak":
                active = {}
                continue
            n_sent = len(alarms)
            level0 = float(ev["base"])  # the CUSUM base: residual level before the leak
            # the area's previous change (leak or repair): pressure references stay after it
            since = events[n_ev - 1]["time"] if n_ev else None
            start = _change_point(series, ev["start"] - pd.Timedelta(hours=24), ev["time"], level0)
            # a leak is located once it is big enough for the pressure sensors to see it
            loc_min_flow = detector.loc_min_flow(scale)
            # wait until the leak is big enough to be located (incipient leaks), at most
            # ``max_wait_days``; abrupt leaks are already big at the CUSUM alarm
            t_det = max(ev["time"], start + pd.Timedelta(hours=detector.min_loc_hours))
            limit = ev["time"] + pd.Timedelta(days=detector.max_wait_days)
            big_enough = False
            while t_det < min(limit, last_time):
                recent = series.loc[t_det - pd.Timedelta(hours=23) : t_det]
                if float(recent.mean()) - level0 >= loc_min_flow:
                    big_enough = True
                    break
                t_det = t_det + pd.Timedelta(hours=6)
            if t_det > last_time:
                continue
            window = series.loc[start:t_det]
            flow = float(max(window.iloc[-24:].mean() - level0, 0.0))
            if not big_enough and flow < detector.min_alarm_flow_m3h:
                # the rise never became a leak-sized, locatable flow: most often a change of
                # consumption, not worth sending a crew
                continue
            volume = float(max((window - level0).clip(lower=0).sum(), 0.0))
            # the area's previous change was a repair: a leak may have grown hidden before it
            repair = events[n_ev - 1] if n_ev and events[n_ev - 1]["kind"] == "repair" else None
            pipe_i, confidence, top, extra, explained = localise(
                start, t_det, window_flow(start, t_det, level0), since, active, repair
            )
            if detector.drops_unexplained(big_enough, explained):
                log.debug("%s: event of %s, %.2f of the change explained", area, start, explained)
                continue
            # too uncertain a place: no crew sent yet; re-located after ``hold`` (half a day,
            # less for an abrupt leak), then sent (or dropped at the next event in the area)
            pending = confidence < detector.min_alarm_conf
            hold = pd.Timedelta(days=detector.max_hold_days)
            if start - series.index[0] > pd.Timedelta(days=1) > t_det - start:
                # abrupt leak (alarm within a day of its start): a crew within the day
                hold = min(hold, start + pd.Timedelta(hours=detector.abrupt_send_hours) - t_det)
            if pending and hold < pd.Timedelta(hours=1):
                pending = False
            if not pending:
                alarms.append(
                    _alarm(
                        area,
                        network.pipes[pipe_i],
                        t_det,
                        cleaning_lag,
                        start,
                        flow,
                        volume,
                        confidence,
                        top,
                        series,
                        level0,
                    )
                )
                send_extra(extra, t_det, flow, volume, start, level0)
            # growing leak: re-locate as it grows; a second alarm on another pipe only when
            # the leak has grown enough and the new place is clearly more likely
            nxt = next((e["time"] for e in events[n_ev + 1 :]), last_time)
            issued = [] if pending else [pipe_i]
            loc_flow = flow
            t_chk = t_det
            dmat = network.pipe_distances()
            while detector.max_relocations > len(issued) - 1:
                step = hold if pending else pd.Timedelta(days=detector.relocate_every_days)
                t_chk = t_chk + step
                if t_chk >= min(nxt, last_time):
                    break
                now = float(series.loc[t_chk - pd.Timedelta(hours=23) : t_chk].mean()) - level0
                if pending:
                    if not now >= detector.min_alarm_flow_m3h:
                        continue
                    new_i, new_conf, new_top, extra, _ = localise(
                        start, t_chk, window_flow(start, t_chk, level0), since, active, repair
                    )
                    if new_conf < detector.min_alarm_conf and t_chk - t_det < hold:
                        continue
                    pending = False
                    loc_flow = now
                else:
                    if not now >= detector.relocate_growth * max(loc_flow, loc_min_flow):
                        continue
                    new_i, new_conf, new_top, _, _ = localise(
                        start, t_chk, window_flow(start, t_chk, level0), since, active
                    )
                    loc_flow = now
                    if min(dmat[new_i, j] for j in issued) <= 300.0:
                        continue
                    old_mass = sum(
                        w for p, w in new_top if dmat[network.pipe_index[p], issued[-1]] <= 300.0
                    )
                    if (
                        new_conf < detector.relocate_min_conf
                        or new_conf < old_mass + detector.relocate_margin
                    ):
                        continue
                issued.append(new_i)
                window = series.loc[start:t_chk]
                lost = float((window - level0).clip(lower=0).sum())
                alarms.append(
                    _alarm(
                        area,
                        network.pipes[new_i],
                        t_chk,
                        cleaning_lag,
                        start,
                        now,
                        lost,
                        new_conf,
                        new_top,
                        series,
                        level0,
                    )
                )
                if len(issued) == 1:  # the held alarm just sent: with its joint-fit partner
                    send_extra(extra, t_chk, now, lost, start, level0)
            for alarm in alarms[n_sent:]:
                active.setdefault(network.pipe_index[alarm.pipe], alarm.detection_time)
                reported.add(network.pipe_index[alarm.pipe])
        if detector.swap_hours and lib is not None and len(area_sensors) >= 2:
            swapped_leaks(n_area)
    alarms.sort(key=lambda a: a.detection_time)
    return alarms, notes


def outflow_pressure_effect(
    data: ScadaData,
    bal: Balances,
    area: str,
    lib,
    sensors: pd.Index,
    weights: np.ndarray,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    post_days: int,
    since: pd.Timestamp | None,
) -> pd.Series:
    """Pressure change at ``sensors`` explained by the change of the area's metered outflows.

    A pump that carries water out of the area (into a tank-fed area) draws it at its inlet
    node: when it pumps more on average (a leak or more use downstream: the tank is refilled
    over the day), the area's pressures fall as if that node leaked the extra flow. The
    simulated signatures cannot show it (the tank is a fixed head in a steady state), but the
    flow is metered: its change is measured over the same windows as the pressure change
    (:func:`localise.observed_change`) and turned into pressure with the inlet node's
    signature per m³/h. Zero where the area has no metered outflow."""
    import numpy as np
    import pandas as pd

    from communia.modules.water.localise import observed_change

    effect = pd.Series(0.0, index=sensors)
    links = [(link, node) for link, node in bal.outflows.get(area, []) if link in data.flows]
    if not links:
        return effect
    change, _ = observed_change(
        data.flows[[link for link, _ in links]],
        data.levels,
        {},
        start,
        end,
        post_days=post_days,
        since=since,
    )
    for link, node in links:
        # a pump runs or stops: its own signature (running against stopped, per m³/h); any
        # other metered link: extra water drawn at its inlet node
        per_unit = lib.pump_signature(link, weights)
        if per_unit is None:
            per_unit = lib.node_signature(node, weights)
        dq = float(change.get(link, np.nan))
        if per_unit is None or not np.isfinite(dq):
            continue
        effect = effect + dq * pd.Series(per_unit, index=lib.sensors).reindex(sensors).fillna(0.0)
    return effect


def _weighed_directions(cal: Calibration, area: str) -> tuple[list[pd.Series] | None, float | None]:
    """The calibration's reference-error directions of ``area``, each scaled by its rms, and
    the error floor (:func:`localise.locate`'s ``directions`` and ``floor``); (None, None)
    when the calibration has no rms for the area."""
    import pandas as pd

    floor = cal.pressure_error_floor.get(area)
    rms = cal.pressure_direction_rms.get(area, [])
    if floor is None or not rms:
        return None, None
    return [
        pd.Series(d) * r for d, r in zip(cal.pressure_directions[area], rms, strict=True)
    ], floor


def _alarm(area, pipe, t_det, cleaning_lag, start, flow, volume, confidence, top, series, level0):
    import pandas as pd

    # end of the hour whose mean decided, plus the look-ahead of the data cleaning when it
    # changed anything (gap filling and frozen/spike masks read up to 30 min ahead): the
    # detection then still only uses data up to its time
    t_det = t_det + pd.Timedelta(minutes=55) + cleaning_lag
    return Alarm(
        area=area,
        pipe=pipe,
        detection_time=t_det.floor("5min"),
        start_estimate=start,
        flow_m3h=round(flow, 2),
        volume_m3=round(volume, 1),
        confidence=round(confidence, 3),
        candidates=top,
        evidence=_evidence(series, start, t_det, level0),
    )


def leak_flows_by_area(
    leaks: pd.DataFrame, leak_flows: pd.DataFrame, bal: Balances, network: Network
) -> dict:
    """Hourly known leak outflow per balance area (past repaired leaks, for calibration)."""

    pipe_area = {}
    for area, pipes in bal.area_pipes.items():
        for i in pipes:
            pipe_area[network.pipes[int(i)]] = area
    out: dict[str, pd.Series] = {}
    for row in leaks.itertuples(index=False):
        area = pipe_area.get(row.pipe)
        if area is None or row.leak_id not in leak_flows.columns:
            continue
        hourly = leak_flows[row.leak_id].resample("1h").mean()
        out[area] = out[area].add(hourly, fill_value=0.0) if area in out else hourly
    return out


def calibrate(
    data: ScadaData,
    network: Network,
    *,
    leaks: pd.DataFrame | None = None,
    leak_flows: pd.DataFrame | None = None,
    cache_dir: Path | None = None,
) -> Calibration:
    """Learn a calibration on a past period whose leaks are known (their flows removed).

    With ``cache_dir`` (signature library cache), the pressure drop of the known leaks is
    simulated and added back, so that leak-free pressure profiles exist even when a known
    leak ran the whole period.
    """
    bal = area_balances(data, network)
    known = leak_flows_by_area(leaks, leak_flows, bal, network) if leaks is not None else None
    correction = None
    if leaks is not None and cache_dir is not None and len(data.pressures.columns):
        correction = known_leak_pressure_drop(data, network, leaks, leak_flows, cache_dir)
    cal = fit_calibration(
        bal,
        known_leaks=known,
        source=f"{bal.consumption.index[0]:%Y-%m-%d} – {bal.consumption.index[-1]:%Y-%m-%d}",
        pressures=data.pressures,
        levels=data.levels,
        pressure_correction=correction,
        flows=data.flows,
    )
    cal.network_digest = network.digest
    return cal


def known_leak_pressure_drop(
    data: ScadaData,
    network: Network,
    leaks: pd.DataFrame,
    leak_flows: pd.DataFrame,
    cache_dir: Path | None,
) -> pd.DataFrame:
    """Hourly pressure drop (m, positive) of the known leaks at each sensor, from signatures."""
    import numpy as np
    import pandas as pd

    from communia.modules.water.localise import HOURS, load_or_build_signatures

    sensors = [s for s in data.pressures.columns if s in network.wn.node_name_list]
    lib = load_or_build_signatures(network, sensors, cache_dir=cache_dir)
    sig, ok = lib.pipe_signatures(network)  # (hours, pipes, sensors) per m³/h
    index = data.pressures.resample("1h").mean().index
    hours = np.asarray(index.hour)
    nearest = np.array(
        [int(np.argmin(np.abs(((h - np.array(HOURS) + 12) % 24) - 12))) for h in hours]
    )
    drop = np.zeros((len(index), len(lib.sensors)))
    pos = network.pipe_index
    for row in leaks.itertuples(index=False):
        if row.leak_id not in leak_flows.columns or row.pipe not in pos or not ok[pos[row.pipe]]:
            continue
        q = leak_flows[row.leak_id].resample("1h").mean().reindex(index).fillna(0.0).to_numpy()
        drop -= q[:, None] * sig[nearest, pos[row.pipe], :]
    return pd.DataFrame(drop, index=index, columns=lib.sensors)


def find_calibration(network: Network, directories: list[Path]) -> tuple[Calibration | None, str]:
    """The newest calibration learned on this very network (same ``.inp`` digest), if any.

    Looked up in ``directories`` (the commune's data dir, then the ones shipped with
    Communia). Returns the calibration and the file it came from.
    """
    found: list[tuple[float, Path]] = []
    for directory in directories:
        if directory.is_dir():
            found += [(p.stat().st_mtime, p) for p in directory.glob("*.json")]
    for _mtime, path in sorted(found, reverse=True):
        try:
            cal = Calibration.load(path)
        except InvalidInput:
            continue
        if cal.network_digest == network.digest:
            return cal, str(path)
    return None, ""


def _window_pressures(pressures, levels, tank_sensors, start, end):
    p = pressures.loc[start:end].copy()
    for sensor, tank in tank_sensors.items():
        if sensor in p and tank in levels:
            p[sensor] = p[sensor] - levels[tank].reindex(p.index)
    return p


def repair_change(
    data: ScadaData, bal: Balances, sensors: list[str], repair: dict
) -> tuple[pd.Series, np.ndarray]:
    """The pressure change a repair event undid, read as a leak's (the day before the
    repair began minus the day after it was detected, per sensor, tank-fed sensors relative
    to their tank), with equal weight on every signature hour."""
    import numpy as np
    import pandas as pd

    from communia.modules.water.localise import HOURS

    day = pd.Timedelta(days=1)
    p = _window_pressures(
        data.pressures[sensors],
        data.levels,
        bal.tank_sensors,
        repair["start"] - day,
        repair["time"] + day,
    )
    before = p.loc[repair["start"] - day : repair["start"]].mean()
    after = p.loc[repair["time"] : repair["time"] + day].mean()
    return before - after, np.full(len(HOURS), 1.0 / len(HOURS))


def _near_mass(post, dmat, i: int) -> float:
    """The posterior within 300 m of pipe ``i``: the confidence of that place."""
    return float(post[dmat[i] <= 300.0].sum())


def _top_candidates(network, post) -> list[tuple[str, float]]:
    """The ten pipes of highest posterior, with it (those with none left out)."""
    import numpy as np

    order = np.argsort(-post)[:10]
    return [(network.pipes[j], float(post[j])) for j in order if post[j] > 0]


def profile_change(pressures, levels, tank_sensors, profiles, start, end):
    """Mean pressure over the window minus the learned leak-free profile, per sensor."""
    import numpy as np
    import pandas as pd

    from communia.modules.water.localise import hour_weights

    p = _window_pressures(pressures, levels, tank_sensors, start, end)
    d = _day_type(p.index)
    h = np.asarray(p.index.hour)
    out = {}
    for sensor in p.columns:
        if sensor in profiles:
            table = np.asarray(profiles[sensor])
            out[sensor] = float(np.nanmean(p[sensor].to_numpy() - table[d, h]))
    return pd.Series(out, dtype=float), hour_weights(p.index)


def model_change(data, bal, area, cal, sensors, start, end):
    """Mean hourly pressure over the window minus the calibration's leak-free pressure model
    (:func:`pressure_features`), per sensor."""
    import numpy as np
    import pandas as pd

    from communia.modules.water.localise import hour_weights

    p = _window_pressures(data.pressures[sensors], data.levels, bal.tank_sensors, start, end)
    p = p.resample("1h").mean()
    x = pressure_features(bal, data.flows, area, cal.model_flows, p.index)
    out = {}
    for sensor in sensors:
        if sensor in cal.pressure_model:
            fitted = x @ np.asarray(cal.pressure_model[sensor])
            out[sensor] = float(np.nanmean(p[sensor].to_numpy() - fitted))
    return pd.Series(out, dtype=float), hour_weights(p.index)


def _evidence(series: pd.Series, start: pd.Timestamp, end: pd.Timestamp, level0: float) -> dict:
    import math

    import pandas as pd

    part = series.loc[start - pd.Timedelta(days=3) : end]
    return {
        "times": [t.strftime("%Y-%m-%d %H:%M") for t in part.index],
        "residual_m3h": [None if math.isnan(v) else round(float(v), 2) for v in part.to_numpy()],
        "reference_m3h": round(float(level0), 2),
        "start": start.strftime("%Y-%m-%d %H:%M"),
    }


def _change_point(
    series: pd.Series, lo: pd.Timestamp, hi: pd.Timestamp, level0: float
) -> pd.Timestamp:
    """Most likely start of a rise in the raw hourly residual between ``lo`` and ``hi``.

    The smoothed CUSUM starts accumulating on noise before the leak; the pressure window
    used for localisation must start at the leak. Classic CUSUM estimate: the minimum of the
    cumulative sum of (residual − level0 − half the rise).
    """
    import numpy as np

    seg = series.loc[lo:hi].dropna()
    if len(seg) < 3:
        return lo
    rise = float(seg.iloc[-6:].mean()) - level0
    if rise <= 0:
        return seg.index[0]
    c = np.cumsum(seg.to_numpy() - level0 - rise / 2.0)
    k = int(np.argmin(np.concatenate([[0.0], c])))
    return seg.index[min(k, len(seg) - 1)]


# --------------------------------------------------------------------------- MNF baseline


def detect_mnf(
    data: ScadaData,
    network: Network,
    *,
    night_hours: tuple[int, int] = (2, 5),
    threshold_m3h: float = 3.0,
    threshold_rel: float = 0.05,
    history: int = 10,
    min_history: int = 3,
) -> list[Alarm]:
    """Naive minimum-night-flow detector, one alarm per area and new leak.

    Each night, the area's minimum hourly consumption between ``night_hours`` is compared
    with the lowest of the last ``history`` comparable nights (weekday vs weekend/holiday)
    not flagged; above by more than the thresholds, an alarm is raised at the end of the
    night and the reference restarts from scratch (the leak becomes the new normal). MNF
    cannot locate: it proposes the most central pipe of the area.
    """
    import numpy as np
    import pandas as pd

    check_flow_units(data, network, data.report)
    bal = area_balances(data, network)
    alarms = []
    dist = network.pipe_distances()
    for area in bal.consumption.columns:
        cons = bal.consumption[area]
        night = cons[(cons.index.hour >= night_hours[0]) & (cons.index.hour < night_hours[1])]
        mnf = night.groupby(night.index.normalize()).min().dropna()
        dtype = _day_type(mnf.index)
        refs: dict[int, list[float]] = {0: [], 1: []}
        pipes = bal.area_pipes[area]
        sub = dist[np.ix_(pipes, pipes)]
        central = int(pipes[int(np.argmax((sub <= 300.0).sum(axis=1)))])
        for day, value, d in zip(mnf.index, mnf.to_numpy(), dtype, strict=True):
            hist = refs[int(d)][-history:]
            if len(hist) >= min_history:
                ref = min(hist)
                if value > ref + max(threshold_m3h, threshold_rel * ref):
                    t = day + pd.Timedelta(hours=night_hours[1])
                    alarms.append(
                        Alarm(
                            area=area,
                            pipe=network.pipes[central],
                            detection_time=t,
                            start_estimate=day,
                            flow_m3h=round(value - ref, 2),
                            volume_m3=0.0,
                            confidence=0.0,
                        )
                    )
                    refs = {0: [], 1: []}
                    continue
            refs[int(d)].append(float(value))
    alarms.sort(key=lambda a: a.detection_time)
    return alarms


def alarms_frame(alarms: list[Alarm]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "pipe": [a.pipe for a in alarms],
            "detection_time": pd.to_datetime([a.detection_time for a in alarms]),
            "area": [a.area for a in alarms],
            "start_estimate": [a.start_estimate for a in alarms],
            "flow_m3h": [a.flow_m3h for a in alarms],
            "volume_m3": [a.volume_m3 for a in alarms],
            "confidence": [a.confidence for a in alarms],
        }
    )
