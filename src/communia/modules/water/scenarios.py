"""Scenario generator: extra simulated periods of a network with random leaks (BattLeDIM format).

Used to evaluate the leak detector on years it was not tuned on. It follows the generator
described in the L-Town dataset README (``../shared/data/water/ltown-2018/README.md``):

- **Model mismatch** ("real" system vs the nominal ``.inp``), drawn once from
  ``network_seed``: each pipe's Hazen-Williams roughness × U(0.9, 1.1), diameter
  × U(0.95, 1.05), each node's base demand × U(0.9, 1.1). Our mismatch is *not* the unknown
  one of the dataset (that is not public); it has the same distribution.
- **Demands** per node at 5-min resolution: the weekly 5-min patterns of the ``.inp`` (the two
  weekend-shaped pattern days on Saturday and Sunday; public holidays use the Sunday profile),
  the LeakDB yearly Fourier offset, a network-wide AR(1) daily factor (σ ≈ 4 %), and per node:
  pattern amplitude ±10 %, pattern time shift (σ = 12.5 min), seasonal coefficients ±10 %,
  daily factor (σ = 5 %), autocorrelated 5-min noise (σ = 10 %).
- **Hydraulics**: EPANET 2.2 (the library shipped with WNTR) driven step by step through its
  toolkit: pressure-driven demand (0 / 25 m), the pump controls of the ``.inp``, tank at its
  initial level, 5-min hydraulic step. Each leak is an emitter on a node inserted at the
  midpoint of its pipe; the emitter coefficient Cd·A·√(2g) (Cd = 0.75) is updated every
  5 minutes (the hole of an incipient leak grows linearly in diameter until its peak).
- **Measurement noise**: pressure + N(0, 0.02 m), flow × (1 + N(0, 0.5 %)), level
  + N(0, 0.005 m), AMR × (1 + N(0, 1 %)); values rounded to 0.01.
- **Leaks** (``scenario_seed``): pipes drawn uniformly at random, abrupt or incipient, hole
  diameters like the 2018 list (peak flows ≈ 5–35 m³/h), some already running at the start of
  the period (started up to 120 days before), some never repaired within the period.

Output: ``Pressures/Flows/Levels/Demands.csv.gz``, ``leaks.csv``, ``leak_flows.csv.gz``, the
nominal ``.inp`` copied unchanged and ``generation.json``. A shorter period than a year (``days``)
keeps the exact 5-min format; only its length differs.

``python -m communia.modules.water.scenarios --inp L-TOWN.inp --sensors-from DIR --year 2019
--days 120 --scenario-seed 1 --out DIR2``
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from communia.core.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["LeakSpec", "DemandModel", "draw_leaks", "generate", "sensors_from", "main"]

CD = 0.75
G = 9.81
HOLIDAYS = ("01-01", "05-01", "08-15", "12-25", "12-26")
#: LeakDB yearly offset (``yearOffset_5min.mat``): a0, then (sin, cos) pairs for k = 1..3
YEAR_OFFSET = (-0.004, 0.028, -0.106, 0.058, 0.012, -0.022, -0.02)
STEP_S = 300


@dataclass
class LeakSpec:
    leak_id: str
    pipe: str
    start: str  # "YYYY-MM-DD HH:MM"
    end: str
    peak_time: str
    type: str  # abrupt | incipient
    diameter_m: float


def draw_leaks(
    pipes: list[str],
    t0: pd.Timestamp,
    days: int,
    *,
    seed: int,
    rate_per_year: float = 14.0,
    n_running: int | None = None,
    exclude: set[str] | None = None,
) -> list[LeakSpec]:
    """Random leak scenario over ``[t0, t0 + days)`` with some leaks already running at t0."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    t1 = t0 + pd.Timedelta(days=days)
    n_new = int(rng.poisson(rate_per_year * days / 365.0))
    n_running = int(rng.integers(1, 3)) if n_running is None else n_running
    pool = [p for p in pipes if p not in (exclude or set())]
    chosen = rng.choice(len(pool), size=n_new + n_running, replace=False)
    leaks: list[LeakSpec] = []

    def at(ts: pd.Timestamp) -> str:
        return ts.floor("5min").strftime("%Y-%m-%d %H:%M")

    for i, j in enumerate(chosen):
        running = i < n_running
        incipient = bool(running or rng.random() < 0.55)  # running leaks: old, slow ones
        if running:
            start = t0 - pd.Timedelta(minutes=5 * int(rng.integers(288 * 5, 288 * 120)))
        else:
            start = t0 + pd.Timedelta(minutes=5 * int(rng.integers(0, 288 * days - 288)))
        if incipient:
            grow = pd.Timedelta(days=float(rng.uniform(3.0, 100.0)))
            # small holes (5–7 m³/h peak, never repaired) and big ones (15–35 m³/h)
            small = rng.random() < 0.4
            diameter = float(rng.uniform(0.0085, 0.012) if small else rng.uniform(0.015, 0.023))
            peak = start + grow
            if small or rng.random() < 0.2:
                end = max(t1, peak) + pd.Timedelta(days=365)
            else:
                end = peak + pd.Timedelta(days=float(rng.uniform(1.0, 30.0)))
        else:
            diameter = float(rng.uniform(0.015, 0.024))
            peak = start
            end = start + pd.Timedelta(days=float(rng.uniform(8.0, 28.0)))
        pipe = pool[int(j)]
        leaks.append(
            LeakSpec(
                leak_id=pipe,
                pipe=pipe,
                start=at(start),
                end=at(end),
                peak_time=at(peak),
                type="incipient" if incipient else "abrupt",
                diameter_m=round(diameter, 6),
            )
        )
    leaks.sort(key=lambda lk: lk.start)
    return leaks


def _hole_diameter(spec: LeakSpec, times: pd.DatetimeIndex) -> np.ndarray:
    """Hole diameter (m) at each time: 0 outside [start, end], linear growth until the peak."""
    import numpy as np
    import pandas as pd

    start, end, peak = (pd.Timestamp(x) for x in (spec.start, spec.end, spec.peak_time))
    t = (times - start) / pd.Timedelta(seconds=1)
    span = max((peak - start) / pd.Timedelta(seconds=1), 1.0)
    frac = np.clip(np.asarray(t, dtype=float) / span, 0.0, 1.0)
    if spec.type == "abrupt":
        frac = np.ones(len(times))
    d = spec.diameter_m * frac
    active = (times >= start) & (times <= end)
    return np.where(active, d, 0.0)


def _weekly(pattern: np.ndarray) -> np.ndarray:
    """A pattern reordered so that row ``weekday`` (0 = Monday) is that day's 288 values.

    The ``.inp`` weekly patterns have two weekend-shaped days (pattern days 4 and 5, higher
    night use); they are placed on Saturday and Sunday.
    """
    import numpy as np

    days = np.asarray(pattern, dtype=float).reshape(7, -1)
    return np.stack([days[(w - 1) % 7] for w in range(7)])


class DemandModel:
    """Per-node 5-min demands (m³/h) following the README's demand model, week by week.

    ``base``: node -> {pattern name: base demand m³/h}; ``patterns``: pattern name -> weekly
    5-min multipliers (2016 values, or 1 for a constant pattern). The random per-node and
    per-day factors are drawn once; :meth:`chunk` returns the (steps, nodes) demands of
    consecutive time chunks (the 5-min noise carries its state across chunks).
    """

    def __init__(self, base, patterns, times, rng):
        import numpy as np
        import pandas as pd
        from scipy.signal import lfilter

        self.nodes = list(base)
        n = len(self.nodes)
        self.t0 = times[0].normalize()
        n_days = int((times[-1].normalize() - self.t0) / pd.Timedelta(days=1)) + 1
        days = pd.DatetimeIndex([self.t0 + pd.Timedelta(days=i) for i in range(n_days)])
        weekday = days.day_of_week.to_numpy().copy()
        weekday[np.isin(days.strftime("%m-%d"), HOLIDAYS)] = 6  # holidays: Sunday profile
        self.weekday = weekday
        self.year0 = pd.Timestamp(year=times[0].year, month=1, day=1)
        self.coef = np.asarray(YEAR_OFFSET)[None, :] * rng.uniform(
            0.9, 1.1, size=(n, len(YEAR_OFFSET))
        )
        self.parts = []
        for name, pat in patterns.items():
            b = np.array([base[node].get(name, 0.0) for node in self.nodes])
            if not b.any():
                continue
            pat = np.asarray(pat, dtype=float)
            if pat.size <= 1:
                self.parts.append((b, None, None, None, float(pat[0]) if pat.size else 1.0))
                continue
            week = _weekly(pat)
            amp = rng.uniform(0.9, 1.1, size=n)
            shift = rng.normal(0.0, 12.5, size=n)  # minutes
            self.parts.append((b, week, amp, shift, float(week.mean())))
        # network-wide day factor AR(1), σ ≈ 4 %; per node daily factor σ = 5 %
        phi = 0.7
        e = rng.normal(0.0, 0.04 * math.sqrt(1 - phi**2), size=n_days)
        self.net_day = 1.0 + lfilter([1.0], [1.0, -phi], e)
        self.node_day = 1.0 + rng.normal(0.0, 0.05, size=(n_days, n))
        self.phi5 = 0.9  # autocorrelated 5-min noise, σ = 10 %
        self.state = rng.normal(0.0, 0.1, size=n)
        self.rng = rng

    def chunk(self, times):
        import numpy as np
        from scipy.signal import lfilter

        n, steps = len(self.nodes), len(times)
        minutes = np.asarray((times - self.t0) / np.timedelta64(1, "m"), dtype=float)
        day_idx = (minutes // 1440).astype(int)
        minute_of_day = minutes - day_idx * 1440.0
        doy = np.asarray((times - self.year0) / np.timedelta64(1, "D"), dtype=float)
        w = 2 * np.pi * doy / 365.0
        c = self.coef
        offset = np.repeat(c[:, :1].T, steps, axis=0)
        for k in range(1, 4):
            offset += np.sin(k * w)[:, None] * c[:, 2 * k - 1][None, :]
            offset += np.cos(k * w)[:, None] * c[:, 2 * k][None, :]
        total = np.zeros((steps, n))
        for b, week, amp, shift, mean in self.parts:
            if week is None:
                total += mean * b[None, :]
                continue
            step_min = 1440.0 / week.shape[1]
            flat = week.reshape(-1)  # Monday 00:00 ... Sunday 23:55
            pos = (
                self.weekday[day_idx][:, None] * 1440.0 + minute_of_day[:, None] - shift[None, :]
            ) / step_min
            pos = np.mod(pos, flat.size)
            lo = np.floor(pos).astype(int)
            frac = pos - lo
            raw = flat[lo] * (1 - frac) + flat[(lo + 1) % flat.size] * frac
            total += (mean + amp[None, :] * (raw - mean)) * b[None, :]
        phi = self.phi5
        eps = self.rng.normal(0.0, 0.1 * math.sqrt(1 - phi**2), size=(steps, n))
        noise, zf = lfilter([1.0], [1.0, -phi], eps, axis=0, zi=(phi * self.state)[None, :])
        self.state = noise[-1]
        demand = total * (1.0 + offset) * self.net_day[day_idx][:, None] * self.node_day[day_idx]
        demand *= np.clip(1.0 + noise, 0.0, None)
        return np.clip(demand, 0.0, None)


def _real_model(inp: Path, leaks: list[LeakSpec], network_seed: int, workdir: Path):
    """The "real" network: nominal model with random mismatch, leak nodes at pipe midpoints."""
    import numpy as np
    import wntr

    wn = wntr.network.WaterNetworkModel(str(inp))
    rng = np.random.default_rng(network_seed)
    pipes = sorted(wn.pipe_name_list)
    rough = rng.uniform(0.9, 1.1, size=len(pipes))
    diam = rng.uniform(0.95, 1.05, size=len(pipes))
    for name, r, d in zip(pipes, rough, diam, strict=True):
        pipe = wn.get_link(name)
        pipe.roughness *= float(r)
        pipe.diameter *= float(d)
    junctions = sorted(wn.junction_name_list)
    dem = rng.uniform(0.9, 1.1, size=len(junctions))
    base: dict[str, dict[str, float]] = {}
    for name, f in zip(junctions, dem, strict=True):
        entry: dict[str, float] = {}
        for ts in wn.get_node(name).demand_timeseries_list:
            key = ts.pattern_name or "__const__"
            entry[key] = entry.get(key, 0.0) + float(ts.base_value) * 3600.0 * float(f)
        base[name] = entry
    leak_nodes = {}
    for spec in leaks:
        if spec.pipe in leak_nodes:
            continue
        node = f"leak_{spec.pipe}"
        wn = wntr.morph.split_pipe(wn, spec.pipe, f"{spec.pipe}__B", node, split_at_point=0.5)
        leak_nodes[spec.pipe] = node
    path = workdir / "real.inp"
    wntr.network.write_inpfile(wn, str(path), units="CMH", version=2.2)
    patterns = {}
    for name in wn.pattern_name_list:
        patterns[name] = np.asarray(wn.get_pattern(name).multipliers, dtype=float)
    patterns["__const__"] = np.array([1.0])
    return path, base, patterns, leak_nodes


def _simulate(
    path: Path,
    base: dict[str, dict[str, float]],
    patterns: dict[str, np.ndarray],
    times: pd.DatetimeIndex,
    leaks: list[LeakSpec],
    leak_nodes: dict[str, str],
    sensors: dict[str, list[str]],
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    import ctypes

    import numpy as np
    from wntr.epanet import toolkit

    model = DemandModel(base, patterns, times, rng)
    nodes = model.nodes
    steps = len(times)
    week = 2016
    en = toolkit.ENepanet(version=2.2)
    lib, out = en.ENlib, {}
    rpt = path.with_suffix(".rpt")
    en.ENopen(str(path), str(rpt), "")
    try:
        ph = en._project
        en.ENsettimeparam(0, steps * STEP_S - STEP_S)  # duration
        en.ENsettimeparam(1, STEP_S)  # hydraulic step
        en.ENsettimeparam(3, STEP_S)  # pattern step
        en.ENsettimeparam(4, 0)  # pattern start
        en.ENsettimeparam(5, STEP_S)  # report step
        lib.EN_setdemandmodel(
            ph, 1, ctypes.c_double(0.0), ctypes.c_double(25.0), ctypes.c_double(0.5)
        )
        node_index = {}
        for name in (
            set(nodes) | {n for v in sensors.values() for n in v} | set(leak_nodes.values())
        ):
            idx = ctypes.c_int()
            if lib.EN_getnodeindex(ph, name.encode(), ctypes.byref(idx)) == 0:
                node_index[name] = idx.value
        link_index = {}
        for name in sensors["flows"]:
            idx = ctypes.c_int()
            if lib.EN_getlinkindex(ph, name.encode(), ctypes.byref(idx)) != 0:
                raise InvalidInput(f"Débitmètre {name} absent du réseau.")
            link_index[name] = idx.value
        # one weekly pattern per node, rewritten at each week boundary; one demand category
        pat_idx = []
        for k, name in enumerate(nodes):
            pid = f"gen{k}".encode()
            lib.EN_addpattern(ph, pid)
            idx = ctypes.c_int()
            lib.EN_getpatternindex(ph, pid, ctypes.byref(idx))
            pat_idx.append(idx.value)
            ni = node_index[name]
            ndem = ctypes.c_int()
            lib.EN_getnumdemands(ph, ni, ctypes.byref(ndem))
            for d in range(1, ndem.value + 1):
                lib.EN_setbasedemand(ph, ni, d, ctypes.c_double(1.0 if d == 1 else 0.0))
            lib.EN_setdemandpattern(ph, ni, 1, idx.value)
        buf_type = ctypes.c_double * week

        def load_week(w: int) -> None:
            chunk = model.chunk(times[w * week : (w + 1) * week])
            if len(chunk) < week:
                chunk = np.vstack([chunk, np.repeat(chunk[-1:], week - len(chunk), axis=0)])
            for k, pid in enumerate(pat_idx):
                lib.EN_setpattern(ph, pid, buf_type(*chunk[:, k]), week)

        load_week(0)
        pressures = np.zeros((steps, len(sensors["pressures"])))
        flows = np.zeros((steps, len(sensors["flows"])))
        levels = np.zeros((steps, len(sensors["levels"])))
        amr = np.zeros((steps, len(sensors["demands"])))
        leak_q = np.zeros((steps, len(leaks)))
        holes = np.stack([_hole_diameter(s, times) for s in leaks], axis=1) if leaks else None
        p_idx = [node_index[s] for s in sensors["pressures"]]
        t_idx = [node_index[s] for s in sensors["levels"]]
        a_idx = [node_index[s] for s in sensors["demands"]]
        l_idx = [link_index[s] for s in sensors["flows"]]
        k_idx = [node_index[leak_nodes[s.pipe]] for s in leaks]
        val = ctypes.c_double()
        get_node, get_link = lib.EN_getnodevalue, lib.EN_getlinkvalue
        # what is recorded at each 5-minute step: (array, getter, indices, EPANET code), with
        # node codes EN_PRESSURE 11 (for a tank: its water level) and EN_DEMAND 9, link code
        # EN_FLOW 8
        readings = (
            (pressures, get_node, p_idx, 11),
            (levels, get_node, t_idx, 11),
            (amr, get_node, a_idx, 9),
            (flows, get_link, l_idx, 8),
            (leak_q, get_node, k_idx, 9),
        )
        set_node = lib.EN_setnodevalue
        tcur, tstep = ctypes.c_long(), ctypes.c_long()
        lib.EN_openH(ph)
        lib.EN_initH(ph, 0)
        k = 0
        opened: set[int] = set()
        while True:
            if lib.EN_runH(ph, ctypes.byref(tcur)) > 100:
                raise InvalidInput(f"Échec de la simulation hydraulique à t = {tcur.value} s.")
            t = tcur.value
            if t % STEP_S == 0 and t // STEP_S == k and k < steps:
                for series, getter, indices, code in readings:
                    for c, i in enumerate(indices):
                        getter(ph, i, code, ctypes.byref(val))
                        series[k, c] = val.value
                k += 1
                if k < steps:
                    # emitters for the next step; (several leaks on one node add up)
                    coeffs: dict[int, float] = {}
                    for c, ni in enumerate(k_idx):
                        d = holes[k, c]
                        area = math.pi * d * d / 4.0
                        coeffs[ni] = coeffs.get(ni, 0.0) + 3600.0 * CD * area * math.sqrt(2 * G)
                    for ni, cf in coeffs.items():
                        # untouched until the leak starts; after that never exactly 0:
                        # EPANET 2.2 skips nodes with a zero coefficient and would keep
                        # their last emitter outflow after a repair
                        if cf > 0 or ni in opened:
                            opened.add(ni)
                            set_node(ph, ni, 3, ctypes.c_double(max(cf, 1e-9)))
                    if k % week == 0:
                        load_week(k // week)
            lib.EN_nextH(ph, ctypes.byref(tstep))
            if tstep.value <= 0:
                break
        lib.EN_closeH(ph)
        if k < steps:
            raise InvalidInput(f"Simulation incomplète : {k} pas sur {steps}.")
        # split leak flow between leaks sharing a node in proportion to their coefficient
        if leaks:
            for ni in set(k_idx):
                cols = [c for c, x in enumerate(k_idx) if x == ni]
                if len(cols) > 1:
                    w = holes[:, cols] ** 2
                    tot = w.sum(axis=1, keepdims=True)
                    share = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
                    leak_q[:, cols] = leak_q[:, cols] * share
        out.update(pressures=pressures, flows=flows, levels=levels, demands=amr, leaks=leak_q)
    finally:
        en.ENclose()
    return out


def generate(
    inp: str | Path,
    out_dir: str | Path,
    *,
    sensors: dict[str, list[str]],
    year: int = 2019,
    days: int = 365,
    scenario_seed: int = 1,
    network_seed: int = 7,
    leaks: list[LeakSpec] | None = None,
) -> dict:
    """Simulate ``days`` from January 1 of ``year`` and write the dataset to ``out_dir``."""
    import numpy as np
    import pandas as pd

    from communia.modules.water.io import write_scada_file

    inp, out_dir = Path(inp), Path(out_dir)
    if not inp.is_file():
        raise InvalidInput(f"Modèle réseau introuvable : {inp}.")
    if days < 1:
        raise InvalidInput("La durée simulée doit être d'au moins un jour.")
    t_start = time.perf_counter()
    times = pd.date_range(f"{year}-01-01", periods=days * 288, freq="5min")
    import wntr

    nominal = wntr.network.WaterNetworkModel(str(inp))
    if leaks is None:
        leaks = draw_leaks(sorted(nominal.pipe_name_list), times[0], days, seed=scenario_seed)
    rng = np.random.default_rng(1000 + scenario_seed)
    with tempfile.TemporaryDirectory() as tmp:
        path, base, patterns, leak_nodes = _real_model(inp, leaks, network_seed, Path(tmp))
        setup = time.perf_counter() - t_start
        sim = _simulate(path, base, patterns, times, leaks, leak_nodes, sensors, rng)
    hyd = time.perf_counter() - t_start - setup
    noise = np.random.default_rng(2000 + scenario_seed)
    frames = {
        "Pressures": pd.DataFrame(
            sim["pressures"] + noise.normal(0, 0.02, sim["pressures"].shape),
            index=times,
            columns=sensors["pressures"],
        ),
        "Flows": pd.DataFrame(
            sim["flows"] * (1 + noise.normal(0, 0.005, sim["flows"].shape)),
            index=times,
            columns=sensors["flows"],
        ),
        "Levels": pd.DataFrame(
            sim["levels"] + noise.normal(0, 0.005, sim["levels"].shape),
            index=times,
            columns=sensors["levels"],
        ),
        "Demands": pd.DataFrame(
            sim["demands"] * 1000.0 * (1 + noise.normal(0, 0.01, sim["demands"].shape)),
            index=times,
            columns=sensors["demands"],
        ),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    for stem, frame in frames.items():
        write_scada_file(frame, out_dir / f"{stem}.csv.gz")
    leak_ids = [s.leak_id for s in leaks]
    flows = pd.DataFrame(sim["leaks"], index=times, columns=leak_ids)
    write_scada_file(flows, out_dir / "leak_flows.csv.gz")
    rows = []
    for spec, col in zip(leaks, leak_ids, strict=True):
        q = flows[col].to_numpy()
        rows.append(
            {
                **asdict(spec),
                "volume_m3": round(float(q.sum() / 12.0), 1),
                "max_flow_m3h": round(float(q.max()), 2),
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(out_dir / "leaks.csv", sep=";", decimal=",", index=False)
    shutil.copyfile(inp, out_dir / inp.name)
    meta = {
        "generator": "communia.modules.water.scenarios",
        "year": year,
        "days": days,
        "steps": len(times),
        "scenario_seed": scenario_seed,
        "network_seed": network_seed,
        "n_leaks": len(leaks),
        "noise": {"pressure_m": 0.02, "flow_rel": 0.005, "level_m": 0.005, "amr_rel": 0.01},
        "model_mismatch": {"roughness": 0.1, "diameter": 0.05, "base_demand": 0.1},
        "holidays": ",".join(HOLIDAYS),
        "hydraulics": "EPANET 2.2 (wntr toolkit), PDA Pmin=0 Preq=25 m, emitter leaks Cd=0.75",
        "runtime_s": {
            "setup": round(setup, 1),
            "hydraulics": round(hyd, 1),
            "total": round(time.perf_counter() - t_start, 1),
        },
        "mean_demand_m3h": round(float(frames["Flows"][sensors["flows"][1:]].sum(axis=1).mean()), 2)
        if len(sensors["flows"]) > 1
        else None,
        "total_leak_volume_m3": round(float(flows.to_numpy().sum() / 12.0), 1),
    }
    (out_dir / "generation.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def sensors_from(directory: str | Path) -> dict[str, list[str]]:
    """Sensor lists (column names) of an existing dataset in the BattLeDIM format."""
    import gzip

    directory = Path(directory)
    out = {}
    for key, stem in (
        ("pressures", "Pressures"),
        ("flows", "Flows"),
        ("levels", "Levels"),
        ("demands", "Demands"),
    ):
        for name in (f"{stem}.csv.gz", f"{stem}.csv"):
            path = directory / name
            if path.is_file():
                opener = gzip.open if name.endswith(".gz") else open
                with opener(path, "rt", encoding="utf-8") as fh:
                    out[key] = fh.readline().strip().split(";")[1:]
                break
        else:
            raise InvalidInput(f"{stem}.csv(.gz) absent de {directory}.")
    return out


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inp", required=True)
    parser.add_argument("--sensors-from", required=True, help="dataset whose sensor set is used")
    parser.add_argument("--out", required=True)
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario-seed", type=int, default=1)
    parser.add_argument("--network-seed", type=int, default=7)
    args = parser.parse_args(argv)
    meta = generate(
        args.inp,
        args.out,
        sensors=sensors_from(args.sensors_from),
        year=args.year,
        days=args.days,
        scenario_seed=args.scenario_seed,
        network_seed=args.network_seed,
    )
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
