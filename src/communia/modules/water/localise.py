"""Leak localisation: pressure residual patterns against simulated leak signatures.

The signature library is computed once per network with the EPANET 2.2 engine shipped with
WNTR (toolkit API, ~2 ms per steady-state solve on L-Town): for a few hours of a typical
day, the pressure at every sensor without leak, with a uniform +5 % demand (the direction
along which ordinary day-to-day demand variations move the pressures) and with a
~10 m³/h emitter at each junction, and with each pump running against stopped (per m³/h it
pumps: a pump runs or stops, and head losses grow with the square of the flow, so this is not
the marginal effect of a small draw at its inlet). A pipe's signature is the mean of its two
end nodes'.
The library is cached as ``.npz`` under ``<data_dir>/water/signatures/`` keyed by the
``.inp`` digest and the sensor list.

Matching: the observed change of pressure (window since the estimated leak start minus the
same times of week one and two weeks earlier) and every signature are projected orthogonally
to the uniform-demand direction; candidates are ranked by cosine similarity. The pipe
proposed to the crew maximises the probability that the leak lies within 300 m, under a
softmax posterior over candidates.

Several leaks at once (:func:`fit_two_leaks`): the change is fitted by every pair of pipes
more than 300 m apart (non-negative least squares on their two signatures); the detector
uses it for leaks already running when the data start, where two leaks often leave a change
whose best single match lies between them.

Reference error set aside (``directions`` of :func:`locate` and :func:`fit_two_leaks`): for a
leak already running when the data start, the change is read against leak-free references
learned on a past period, whose error from one period to the next is not a leak; the main
directions of that error over the sensors (learned on the calibration period,
``Calibration.pressure_directions``) are projected out with the uniform-demand direction.
A leak that starts within the period is read against the weeks before it, whose day-to-day
moves are the same kind of error: there every direction is weighed down by its rms against
the error floor (``floor`` of :func:`locate`, ``Calibration.pressure_direction_rms``) rather
than projected out (water-8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from communia.modules.water.network import Network

__all__ = [
    "JointFit",
    "SignatureLibrary",
    "fit_two_leaks",
    "build_signatures",
    "explained_share",
    "hour_weights",
    "load_or_build_signatures",
    "locate",
    "observed_change",
    "sensor_noise",
    "slow_days",
]

HOURS = (0, 3, 6, 9, 12, 15, 18, 21)
LIB_VERSION = 2
#: a window at least this many days long is a slow leak's: its pressure change is read over its
#: last days against the week before its start, not against the same hours of earlier weeks
SLOW_DAYS = 3


@dataclass
class SignatureLibrary:
    sensors: list[str]  # pressure sensors (node ids) used, in column order
    hours: tuple[int, ...]
    node_names: list[str]  # junctions with a signature
    base: np.ndarray  # (hours, sensors) pressure without leak
    uniform: np.ndarray  # (hours, sensors) change for +5 % demand everywhere
    node_sig: np.ndarray  # (hours, nodes, sensors) change for the emitter at each node
    leak_flow: np.ndarray  # (hours, nodes) simulated leak outflow (m³/h)
    pump_names: list[str] = field(default_factory=list)  # pumps with a signature
    #: (hours, pumps, sensors) change for the pump running against it stopped, per m³/h of
    #: the flow it then pumps
    pump_sig: np.ndarray | None = None

    def pipe_signatures(self, network: Network) -> tuple[np.ndarray, np.ndarray]:
        """(hours, pipes, sensors) signatures per unit leak flow, and a validity mask."""
        import numpy as np

        pos = {n: i for i, n in enumerate(self.node_names)}
        per_unit = self.node_sig / np.maximum(self.leak_flow[:, :, None], 1e-6)
        out = np.zeros((len(self.hours), len(network.pipes), len(self.sensors)))
        ok = np.zeros(len(network.pipes), dtype=bool)
        for j, (a, b) in enumerate(network.pipe_nodes):
            idx = [pos[n] for n in (a, b) if n in pos]
            if idx:
                out[:, j, :] = per_unit[:, idx, :].mean(axis=1)
                ok[j] = True
        return out, ok

    def node_signature(self, node: str, weights: np.ndarray) -> np.ndarray | None:
        """Change at every sensor per m³/h drawn at ``node``, hour-weighted by ``weights``
        (one per signature hour); None when the node has no signature (not a junction)."""
        import numpy as np

        if node not in self.node_names:
            return None
        j = self.node_names.index(node)
        per_unit = self.node_sig[:, j, :] / np.maximum(self.leak_flow[:, j, None], 1e-6)
        return (per_unit * np.asarray(weights)[:, None]).sum(axis=0)

    def pump_signature(self, pump: str, weights: np.ndarray) -> np.ndarray | None:
        """Change at every sensor when ``pump`` runs rather than stops, per m³/h it pumps,
        hour-weighted; None when the library has none for it."""
        import numpy as np

        if self.pump_sig is None or pump not in self.pump_names:
            return None
        j = self.pump_names.index(pump)
        return (self.pump_sig[:, j, :] * np.asarray(weights)[:, None]).sum(axis=0)


def build_signatures(
    network: Network, sensors: list[str], *, hours=HOURS, leak_m3h: float = 10.0
) -> SignatureLibrary:
    import tempfile

    import numpy as np
    from wntr.epanet import toolkit

    en = toolkit.ENepanet(version=2.2)
    with tempfile.TemporaryDirectory() as tmp:
        en.ENopen(str(network.path), str(Path(tmp) / "sig.rpt"), "")
        try:
            en.ENsettimeparam(0, 0)  # EN_DURATION: steady state
            n_nodes = en.ENgetcount(0)
            names = [en.ENgetnodeid(i) for i in range(1, n_nodes + 1)]
            kinds = [en.ENgetnodetype(i) for i in range(1, n_nodes + 1)]  # 0 = junction
            sensor_idx = [names.index(s) + 1 for s in sensors]
            junctions = [i + 1 for i, k in enumerate(kinds) if k == 0]
            pump_names = list(network.wn.pump_name_list)
            pumps = [en.ENgetlinkindex(name) for name in pump_names]
            en.ENopenH()

            def set_demand_mult(value: float) -> None:  # EN_DEMANDMULT, not wrapped by WNTR
                import ctypes

                if en._project is not None:
                    en.ENlib.EN_setoption(en._project, ctypes.c_int(4), ctypes.c_double(value))
                else:  # pragma: no cover - EPANET 2.0 library
                    en.ENlib.ENsetoption(ctypes.c_int(4), ctypes.c_float(value))

            def solve() -> np.ndarray:
                en.ENinitH(0)
                en.ENrunH()
                return np.array([en.ENgetnodevalue(i, 11) for i in range(1, n_nodes + 1)])

            base = np.zeros((len(hours), len(sensors)))
            uniform = np.zeros_like(base)
            node_sig = np.zeros((len(hours), len(junctions), len(sensors)))
            leak_flow = np.zeros((len(hours), len(junctions)))
            pump_sig = np.zeros((len(hours), len(pumps), len(sensors)))

            def pump_run(link: int, speed: float) -> tuple[np.ndarray, float]:
                """Pressures and the pump's flow with the pump forced on (speed) or off (0)."""
                en.ENsetlinkvalue(link, 4, float(speed > 0))  # EN_INITSTATUS
                en.ENsetlinkvalue(link, 5, speed)  # EN_INITSETTING
                p = solve()
                return p, float(en.ENgetlinkvalue(link, 8))  # EN_FLOW

            day = 2 * 86400  # a weekday of the weekly patterns
            for h_i, hour in enumerate(hours):
                en.ENsettimeparam(4, day + hour * 3600)  # EN_PATTERNSTART
                p0 = solve()
                base[h_i] = p0[np.array(sensor_idx) - 1]
                set_demand_mult(1.05)
                uniform[h_i] = solve()[np.array(sensor_idx) - 1] - base[h_i]
                set_demand_mult(1.0)
                for j, node in enumerate(junctions):
                    coeff = leak_m3h / np.sqrt(max(p0[node - 1], 1.0))
                    en.ENsetnodevalue(node, 3, coeff)  # EN_EMITTER
                    p = solve()
                    en.ENsetnodevalue(node, 3, 0.0)
                    node_sig[h_i, j] = p[np.array(sensor_idx) - 1] - base[h_i]
                    leak_flow[h_i, j] = coeff * np.sqrt(max(p[node - 1], 0.0))
                # a pump runs or stops (controls on its tank's level): its effect on the
                # pressures, per m³/h pumped (not the marginal effect of a small extra
                # draw: head losses grow with the square of the flow)
                for k, link in enumerate(pumps):
                    status, setting = en.ENgetlinkvalue(link, 4), en.ENgetlinkvalue(link, 5)
                    p_on, q_on = pump_run(link, setting if setting > 0 else 1.0)
                    p_off, _ = pump_run(link, 0.0)
                    en.ENsetlinkvalue(link, 4, status)
                    en.ENsetlinkvalue(link, 5, setting)
                    if q_on > 1e-3:
                        pump_sig[h_i, k] = (p_on - p_off)[np.array(sensor_idx) - 1] / q_on
            en.ENcloseH()
        finally:
            en.ENclose()
    return SignatureLibrary(
        sensors=list(sensors),
        hours=tuple(hours),
        node_names=[names[i - 1] for i in junctions],
        base=base,
        uniform=uniform,
        node_sig=node_sig,
        leak_flow=leak_flow,
        pump_names=pump_names,
        pump_sig=pump_sig,
    )


def load_or_build_signatures(
    network: Network, sensors: list[str], *, cache_dir: Path | None
) -> SignatureLibrary:
    """Read the cached library for this network and sensor set, or build and cache it."""
    import hashlib
    import json

    import numpy as np

    key = hashlib.sha256(
        json.dumps([network.digest, sorted(sensors), HOURS, LIB_VERSION]).encode()
    ).hexdigest()[:16]
    path = cache_dir / f"signatures-{key}.npz" if cache_dir else None
    if path is not None and path.is_file():
        try:
            z = np.load(path, allow_pickle=False)
            return SignatureLibrary(
                sensors=[str(s) for s in z["sensors"]],
                hours=tuple(int(h) for h in z["hours"]),
                node_names=[str(s) for s in z["node_names"]],
                base=z["base"],
                uniform=z["uniform"],
                node_sig=z["node_sig"],
                leak_flow=z["leak_flow"],
                pump_names=[str(s) for s in z["pump_names"]],
                pump_sig=z["pump_sig"],
            )
        except (OSError, KeyError, ValueError):
            pass  # unreadable cache: rebuild
    lib = build_signatures(network, sorted(sensors))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(
            tmp,
            sensors=np.array(lib.sensors),
            hours=np.array(lib.hours),
            node_names=np.array(lib.node_names),
            base=lib.base,
            uniform=lib.uniform,
            node_sig=lib.node_sig,
            leak_flow=lib.leak_flow,
            pump_names=np.array(lib.pump_names, dtype=str),
            pump_sig=lib.pump_sig,
        )
        tmp.replace(path)
    return lib


def observed_change(
    pressures: pd.DataFrame,
    levels: pd.DataFrame,
    tank_sensors: dict[str, str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    post_days: int = 3,
    since: pd.Timestamp | None = None,
) -> tuple[pd.Series, np.ndarray]:
    """Mean pressure change since ``start`` vs the same times one and two weeks earlier.

    ``since``: the last change of the area before ``start`` (another leak or a repair);
    references before it would mix that change into this one, so a short window is then
    compared with the same times one day earlier (and one week earlier if that is after
    ``since``), and a long window with the days between ``since`` and ``start``.
    Returns the change per sensor and the share of each signature hour in the window.
    Sensors fed by a tank are read relative to the tank level (their pressure follows it).
    """
    import numpy as np

    p = pressures.copy()
    for sensor, tank in tank_sensors.items():
        if sensor in p and tank in levels:
            p[sensor] = p[sensor] - levels[tank]
    post = p.loc[start:end]
    days = slow_days(start, end, post_days)
    if days:
        # long window (slow leak): the last days against the week before the start
        post = p.loc[end - np.timedelta64(days, "D") : end]
        ref_from = start - np.timedelta64(7, "D")
        if since is not None and start - since >= np.timedelta64(1, "D"):
            ref_from = max(ref_from, since)
        ref = p.loc[ref_from:start].mean()
        delta = post.mean() - ref
        return delta, np.ones(len(HOURS)) / len(HOURS)
    shifts = [7, 14]
    if since is not None:
        clean = [d for d in shifts if start - np.timedelta64(d, "D") >= since]
        shifts = clean if len(clean) == 2 else [1, *clean]
    refs = []
    for days in shifts:
        ref = p.reindex(post.index - np.timedelta64(days, "D"))
        ref.index = post.index
        refs.append(ref)
    if len(refs) == 1:
        return (post - refs[0]).mean(), hour_weights(post.index)
    ref = sum(refs) / len(refs)
    ref = ref.where(refs[0].notna() & refs[1].notna(), refs[0])
    delta = (post - ref).mean()
    return delta, hour_weights(post.index)


def slow_days(start: pd.Timestamp, end: pd.Timestamp, post_days: int) -> int:
    """How many last days of the window ``start``–``end`` a slow leak's change is read over
    (at least ``SLOW_DAYS``, at most ``post_days`` when the window is longer); 0 for a shorter
    window (an abrupt leak's: read from its start on)."""
    import numpy as np

    if end - start < np.timedelta64(SLOW_DAYS, "D"):
        return 0
    return max(SLOW_DAYS, min(post_days, int((end - start) / np.timedelta64(1, "D"))))


def hour_weights(index: pd.DatetimeIndex) -> np.ndarray:
    """Share of each signature hour (± 1.5 h) among the times of a window."""
    import numpy as np

    hours = np.asarray(index.hour)
    weights = np.array(
        [np.mean(np.abs(((hours - h + 12) % 24) - 12) < 1.5) for h in HOURS], dtype=float
    )
    if not weights.sum() > 0:
        weights[:] = 1.0
    return weights / weights.sum()


def locate(
    delta: pd.Series,
    weights: np.ndarray,
    lib: SignatureLibrary,
    network: Network,
    candidates: np.ndarray,
    *,
    kappa: float = 200.0,
    kappa_display: float = 25.0,
    radius_m: float = 300.0,
    scale: pd.Series | None = None,
    flow: float | None = None,
    flow_tol: float = 0.5,
    nuisance: list[int] | None = None,
    directions: list[pd.Series] | None = None,
    floor: float | None = None,
) -> tuple[int, np.ndarray]:
    """Return the proposed pipe index and the posterior over ``candidates`` (pipe indices).

    Without ``flow`` candidates are ranked by the cosine of the observed change with their
    signature (both orthogonal to the uniform-demand direction). With ``flow`` (the leak flow
    estimated by the water balance over the same window, m³/h), the size of the change counts
    too: each candidate's signature is scaled by a leak flow within ``flow × (1 ± flow_tol)``
    fitted by least squares, and candidates are ranked by the residual; a small leak far from
    every sensor cannot explain a large local pressure drop, nor the reverse.

    ``nuisance``: pipe indices of other leaks that may have changed over the window (leaks
    already reported in the area and still running); whatever the change shares with their
    signatures is set aside, like the uniform-demand direction, before ranking.

    ``directions``: directions over the sensors along which the reference errs, set aside
    too; with ``floor`` (m) each is instead weighed down by its norm (the error's rms along
    it) against that floor (the error's rms along any other direction).
    """
    import numpy as np

    sig, ok = lib.pipe_signatures(network)
    obs_p, s_p = _projected(
        delta,
        weights,
        lib,
        sig,
        scale=scale,
        nuisance=[j for j in nuisance or [] if ok[j]],
        directions=directions,
        floor=floor,
    )
    cos = _cosines(obs_p, s_p)
    cand = np.array([c for c in candidates if ok[c]])
    if flow is not None and flow > 0:
        # magnitude-aware fit, turned into a cosine-like score so that the posterior below
        # keeps its scale: 1 − relative residual
        ss = np.einsum("ij,ij->i", s_p, s_p) + 1e-12
        q = np.clip((s_p @ obs_p) / ss, flow * (1 - flow_tol), flow * (1 + flow_tol))
        resid = obs_p[None, :] - q[:, None] * s_p
        cos = 1.0 - np.einsum("ij,ij->i", resid, resid) / (obs_p @ obs_p + 1e-12)
    post = np.exp(kappa * (cos[cand] - cos[cand].max()))
    post /= post.sum()
    dist = network.pipe_distances()[np.ix_(cand, cand)]
    coverage = (dist <= radius_m).astype(float) @ post
    best = int(cand[int(np.argmax(coverage))])
    # the returned posterior is a softer one (``kappa_display``): with the sharp ``kappa``
    # used to choose, almost all mass sits on one pipe and "confidence" would read 100 %,
    # while the pipe is within 300 m in about 60 % of the checked cases
    shown = np.exp(kappa_display * (cos[cand] - cos[cand].max()))
    full = np.zeros(len(network.pipes))
    full[cand] = shown / shown.sum()
    return best, full


def explained_share(
    delta: pd.Series,
    weights: np.ndarray,
    lib: SignatureLibrary,
    network: Network,
    candidates: np.ndarray,
    *,
    directions: list[pd.Series] | None = None,
    floor: float | None = None,
) -> float:
    """Share of the pressure change (as :func:`locate` reads it) that the best single leak
    among ``candidates`` explains: the squared cosine of its signature with the change
    (0 when no candidate matches it at all)."""
    sig, ok = lib.pipe_signatures(network)
    obs_p, s_p = _projected(delta, weights, lib, sig, directions=directions, floor=floor)
    cand = [c for c in candidates if ok[c]]
    if not cand:
        return 0.0
    return float(max(_cosines(obs_p, s_p)[cand].max(), 0.0) ** 2)


def fitted_flow(
    delta: pd.Series,
    weights: np.ndarray,
    lib: SignatureLibrary,
    signatures: np.ndarray,
    pipe: int,
) -> float:
    """The leak flow (m³/h) at ``pipe`` that best fits the pressure change ``delta`` (least
    squares along its hour-weighted signature, the uniform-demand direction set aside, as
    :func:`locate` reads a change); negative when the change is that leak's reverse (its
    repair). ``signatures``: :meth:`SignatureLibrary.pipe_signatures`'s."""
    obs, (sig,) = _projected(delta, weights, lib, signatures[:, [pipe]])
    return float(obs @ sig / (sig @ sig + 1e-12))


def _cosines(obs: np.ndarray, sigs: np.ndarray) -> np.ndarray:
    """Cosine of the change ``obs`` with each signature (rows of ``sigs``)."""
    import numpy as np

    norms = np.linalg.norm(sigs, axis=1) * (np.linalg.norm(obs) + 1e-12) + 1e-12
    return (sigs @ obs) / norms


@dataclass
class JointFit:
    """Two leaks fitted together to one pressure change (:func:`fit_two_leaks`)."""

    pipes: tuple[int, int]  # pipe indices, the larger fitted flow first
    shares: tuple[float, float]  # each leak's share of the fitted flow
    flow: float  # fitted flow of the two (m³/h, as the signatures' model sees it)
    confidence: tuple[float, float]  # posterior mass of pairs with a leak within 300 m of it
    unexplained_one: float  # share of the change left by the best single leak
    unexplained_two: float  # share left by the best pair


def fit_two_leaks(
    delta: pd.Series,
    weights: np.ndarray,
    lib: SignatureLibrary,
    network: Network,
    candidates: np.ndarray,
    *,
    radius_m: float = 300.0,
    kappa_display: float = 25.0,
    max_cos: float = 0.98,
    min_sensors: int = 6,
    block_size: int = 2_000_000,
    directions: list[pd.Series] | None = None,
) -> JointFit | None:
    """Best non-negative fit of the change by two leaks more than ``radius_m`` apart.

    Every pair of candidate pipes is tried at once (least squares on the two signatures,
    orthogonal to the uniform-demand direction; pairs whose signatures are nearly parallel,
    cosine above ``max_cos``, or that need a negative flow are left out). Several leaks
    running together (typically already running when the data start) leave a change that
    the best single signature explains only in part, and the single best place often falls
    between them. The caller decides whether the pair explains enough more than one leak
    (``unexplained_two`` against ``unexplained_one``). None when no pair is admissible, and
    with fewer than ``min_sensors`` sensors (zone C has 3: once the demand direction is set
    aside, any two leaks explain its change exactly). Every pair is tried, by blocks of
    about ``block_size`` pairs (memory stays bounded on a large network; time grows with the
    square of the number of pipes: ≈ 0.2 s for L-Town's largest area, 796 pipes).
    """
    import numpy as np

    if int(np.isfinite(delta.reindex(lib.sensors)).sum()) < min_sensors:
        return None
    sig, ok = lib.pipe_signatures(network)
    obs, s_p = _projected(delta, weights, lib, sig, directions=directions)
    cand = np.array([c for c in candidates if ok[c]])
    energy = float(obs @ obs)
    if len(cand) < 2 or not energy > 1e-8:  # nothing left (< 0.1 mm) once demand is set aside
        return None
    s = s_p[cand]
    b = s @ obs
    g = np.maximum(np.einsum("ij,ij->i", s, s), 1e-18)
    single = np.where(b > 0, b**2 / g, 0.0)
    dist_all = network.pipe_distances()
    block = max(1, block_size // len(cand))

    def pairs(r0: int, r1: int):
        """Rows r0:r1 of the pair table: usable mask, flows of the row and column leaks and
        the energy they explain."""
        gram = s[r0:r1] @ s.T
        gi, gj = g[r0:r1, None], g[None, :]
        dist = dist_all[np.ix_(cand[r0:r1], cand)]
        usable = (dist > radius_m) & (gram**2 < max_cos**2 * gi * gj)
        det = np.where(usable, gi * gj - gram**2, 1.0)
        qi = (gj * b[r0:r1, None] - gram * b[None, :]) / det
        qj = (gi * b[None, :] - gram * b[r0:r1, None]) / det
        usable &= (qi > 0) & (qj > 0)
        return usable, qi, qj, np.where(usable, qi * b[r0:r1, None] + qj * b[None, :], 0.0)

    # the table has len(cand)² cells: it is read by blocks of rows (bounded memory), once to
    # find the best pair, once for the posterior mass around each of its two places
    best = (0.0, -1, -1, 0.0, 0.0)
    for r0 in range(0, len(cand), block):
        usable, qi, qj, explained = pairs(r0, r0 + block)
        if usable.any():
            k, j = divmod(int(np.argmax(explained)), len(cand))
            if explained[k, j] > best[0]:
                best = (float(explained[k, j]), r0 + k, j, float(qi[k, j]), float(qj[k, j]))
    top, i, j, qa, qb = best
    if i < 0:
        return None
    if qa < qb:
        i, j, qa, qb = j, i, qb, qa
    near = [dist_all[cand[k], cand] <= radius_m for k in (i, j)]
    total, mass = 0.0, [0.0, 0.0]
    for r0 in range(0, len(cand), block):
        usable, _qi, _qj, explained = pairs(r0, r0 + block)
        shown = np.where(usable, np.exp(kappa_display * (explained - top) / energy), 0.0)
        total += float(shown.sum())
        for m, around in enumerate(near):
            rows = around[r0 : r0 + block]
            mass[m] += float(shown[rows].sum() + shown[~rows][:, around].sum())
    flow = qa + qb
    return JointFit(
        pipes=(int(cand[i]), int(cand[j])),
        shares=(qa / flow, qb / flow),
        flow=flow,
        confidence=(mass[0] / total, mass[1] / total),
        unexplained_one=1.0 - float(single.max()) / energy,
        unexplained_two=1.0 - top / energy,
    )


def _projected(
    delta: pd.Series,
    weights: np.ndarray,
    lib: SignatureLibrary,
    signatures: np.ndarray,
    *,
    scale: pd.Series | None = None,
    nuisance: list[int] | None = None,
    directions: list[pd.Series] | None = None,
    floor: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The observed change and each pipe's signature (per m³/h, hour-weighted) on the
    sensors that have a value, with the uniform-demand direction and the ``nuisance`` pipes'
    signatures projected out, and the ``directions`` projected out too, or with ``floor``
    weighed down by their size (see :func:`locate`). ``signatures``: (hours, pipes, sensors),
    :meth:`SignatureLibrary.pipe_signatures`'s or some of its pipes; ``nuisance`` indexes
    them. Returns (change, signatures (pipes, sensors))."""
    import numpy as np

    cols = [i for i, s in enumerate(lib.sensors) if s in delta.index and np.isfinite(delta[s])]
    obs = delta[[lib.sensors[i] for i in cols]].to_numpy()
    w = weights[:, None, None]
    s = (signatures[:, :, cols] * w).sum(axis=0)  # (pipes, sensors)
    u = (lib.uniform[:, cols] * weights[:, None]).sum(axis=0)
    names = [lib.sensors[i] for i in cols]
    extra = [d.reindex(names).fillna(0.0).to_numpy(dtype=float) for d in directions or []]
    if scale is not None:  # whiten: noisy sensors count less
        inv = 1.0 / np.maximum(scale.reindex(names).to_numpy(), 1e-3)
        inv = np.where(np.isfinite(inv), inv, np.nanmedian(inv))
        obs, s, u = obs * inv, s * inv[None, :], u * inv
        extra = [d * inv for d in extra]
    if floor is not None:
        # weighed down, not set aside: along each direction (its norm: the references'
        # error rms along it) a change counts floor / √(floor² + rms²) of its size, as if
        # the error's covariance were whitened; a direction no larger than the floor
        # keeps most of what it carries (a leak that happens to lie along it)
        for d in extra:
            rms = float(np.linalg.norm(d))
            if rms > 0:
                v = d / rms
                cut = 1.0 - floor / np.hypot(floor, rms)
                obs = obs - cut * (obs @ v) * v
                s = s - cut * np.outer(s @ v, v)
                u = u - cut * (u @ v) * v
        extra = []
    # keep at least 3 directions to rank on (zone C has 3 sensors only)
    basis = [u, *extra, *(s[j] for j in nuisance or [])][: max(1, len(cols) - 3)]
    q, _ = np.linalg.qr(np.array(basis).T)  # orthonormal columns spanning the set-aside part
    return obs - (obs @ q) @ q.T, s - (s @ q) @ q.T


def sensor_noise(
    pressures: pd.DataFrame, levels: pd.DataFrame, tank_sensors: dict[str, str], end
) -> pd.Series:
    """Typical size of a day-to-day change of each sensor's daily mean pressure, on the four
    weeks before ``end`` (causal); used to whiten observed changes."""
    import numpy as np

    p = pressures.loc[end - np.timedelta64(28, "D") : end].copy()
    for sensor, tank in tank_sensors.items():
        if sensor in p and tank in levels:
            p[sensor] = p[sensor] - levels[tank].reindex(p.index)
    daily = p.resample("D").mean()
    diff = (daily - daily.shift(7)).dropna(how="all")
    if len(diff) < 3:
        diff = daily.diff().dropna(how="all")
    return (diff - diff.mean()).abs().median() * 1.4826 + 1e-3
