"""The BattLeDIM 2020 economic score (see the dataset README and DOMAIN.md §4).

1. Detections outside the data period are ignored; the rest are processed in time order.
2. A detection at t matches leak j if ``start_j <= t <= end_j`` and the network distance x
   between the detected pipe and the leak pipe is at most 300 m.
3. True positive: it matches at least one leak not yet detected; it counts for the closest
   such leak and earns ``0.8 €/m³ × V_j(t) − x/300 × 500 €`` where ``V_j(t)`` is the volume
   the leak still loses from step ``k_t − 1`` to the end of the period. Repeat (only already
   detected leaks): 0. False positive: −500 €.
4. Maximum: 0.8 × the total leak volume of the period.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from communia.core.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from communia.modules.water.network import Network

__all__ = [
    "ScoreResult",
    "score_detections",
    "read_detections",
    "write_detections",
    "read_leaks",
    "read_leak_flows",
]

PRICE_EUR_M3 = 0.8
CREW_EUR = 500.0
RADIUS_M = 300.0
FP_EUR = 500.0


@dataclass
class ScoreResult:
    score_eur: float
    max_eur: float
    tp: int
    fp: int
    fn: int
    repeats: int
    precision: float
    recall: float
    f1: float
    mean_delay_h: float | None
    details: list[dict] = field(default_factory=list)

    @property
    def share_of_max(self) -> float:
        return self.score_eur / self.max_eur if self.max_eur > 0 else 0.0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["share_of_max"] = self.share_of_max
        return out


def read_detections(path: str | Path) -> pd.DataFrame:
    """Read a detector output (``pipe,detection_time``)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"Fichier de détections introuvable : {path}.")
    try:
        frame = pd.read_csv(path, dtype={"pipe": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Fichier de détections illisible ({path.name}) : {exc}.") from exc
    if not {"pipe", "detection_time"} <= set(frame.columns):
        raise InvalidInput(f"{path.name} : colonnes attendues « pipe,detection_time ».")
    times = pd.to_datetime(frame["detection_time"], errors="coerce", format="mixed")
    if times.isna().any():
        raise InvalidInput(
            f"{path.name} : {int(times.isna().sum())} date(s) de détection illisible(s) "
            "(format attendu AAAA-MM-JJ HH:MM)."
        )
    return pd.DataFrame({"pipe": frame["pipe"].str.strip(), "detection_time": times})


def write_detections(frame: pd.DataFrame, path: str | Path) -> Path:
    path = Path(path)
    out = frame[["pipe", "detection_time"]].copy()
    out["detection_time"] = out["detection_time"].dt.strftime("%Y-%m-%d %H:%M")
    tmp = path.with_name(path.name + ".tmp")
    out.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def read_leaks(path: str | Path) -> pd.DataFrame:
    """Ground-truth leak list in the dataset format (``;``/``,``)."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, sep=";", decimal=",", dtype={"leak_id": str, "pipe": str})
        for col in ("start", "end"):
            frame[col] = pd.to_datetime(frame[col])
    except (OSError, KeyError, ValueError, pd.errors.ParserError) as exc:
        raise InvalidInput(f"Liste des fuites illisible ({path}) : {exc}.") from exc
    return frame


def read_leak_flows(path: str | Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(path, sep=";", decimal=",", index_col=0, parse_dates=True)


def score_detections(
    detections: pd.DataFrame,
    leaks: pd.DataFrame,
    leak_flows: pd.DataFrame,
    network: Network,
    *,
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> ScoreResult:
    """Score detections with the BattLeDIM rule.

    ``period`` restricts scoring to a sub-period (e.g. the second half of a year, to check a
    detector tuned on the first half): leaks are those active in it, volumes are counted
    inside it and leaks already running at its start count their delay from its start.
    """
    import numpy as np

    flows = leak_flows.sort_index()
    if period is not None:
        flows = flows.loc[period[0] : period[1]]
    if flows.empty:
        raise InvalidInput("Aucune donnée de débit de fuite sur la période.")
    t0, t1 = flows.index[0], flows.index[-1]
    idx = network.pipe_index
    dist = network.pipe_distances()
    unknown = sorted(set(detections["pipe"]) - set(idx))
    if unknown:
        raise InvalidInput(f"Canalisation(s) inconnue(s) du réseau : {', '.join(unknown[:10])}.")

    active = []
    for row in leaks.itertuples(index=False):
        if row.leak_id not in flows.columns:
            continue
        if row.end < t0 or row.start > t1:
            continue
        q = flows[row.leak_id].fillna(0.0).to_numpy(dtype=float)
        # remaining volume from step k (inclusive) to the end, in m³ (5-min steps: q/12)
        tail = np.concatenate([np.cumsum(q[::-1])[::-1], [0.0]]) / 12.0
        active.append({"leak": row, "tail": tail, "detected": False})
    max_eur = PRICE_EUR_M3 * sum(a["tail"][0] for a in active)

    dets = detections[(detections["detection_time"] >= t0) & (detections["detection_time"] <= t1)]
    dets = dets.sort_values("detection_time", kind="stable")
    score = 0.0
    tp = fp = repeats = 0
    delays = []
    details = []
    index = flows.index
    for det in dets.itertuples(index=False):
        t = det.detection_time
        i_det = idx[det.pipe]
        matches = []
        for a in active:
            leak = a["leak"]
            if not (leak.start <= t <= leak.end):
                continue
            x = float(dist[i_det, idx[leak.pipe]]) if leak.pipe in idx else np.inf
            if x <= RADIUS_M:
                matches.append((x, a))
        fresh = [m for m in matches if not m[1]["detected"]]
        if fresh:
            x, a = min(fresh, key=lambda m: m[0])
            k_t = int(index.searchsorted(t, side="left"))
            k = max(k_t - 1, 0)
            gain = PRICE_EUR_M3 * a["tail"][k] - x / RADIUS_M * CREW_EUR
            a["detected"] = True
            tp += 1
            score += gain
            ref = max(a["leak"].start, t0)
            delay = (t - ref).total_seconds() / 3600.0
            delays.append(delay)
            details.append(
                {
                    "pipe": det.pipe,
                    "time": str(t),
                    "result": "TP",
                    "leak": a["leak"].leak_id,
                    "distance_m": round(x, 1),
                    "eur": round(gain, 2),
                    "delay_h": round(delay, 2),
                }
            )
        elif matches:
            repeats += 1
            details.append({"pipe": det.pipe, "time": str(t), "result": "repeat", "eur": 0.0})
        else:
            fp += 1
            score -= FP_EUR
            details.append({"pipe": det.pipe, "time": str(t), "result": "FP", "eur": -FP_EUR})
    fn = sum(1 for a in active if not a["detected"])
    for a in active:
        if not a["detected"]:
            details.append(
                {
                    "pipe": a["leak"].pipe,
                    "result": "FN",
                    "leak": a["leak"].leak_id,
                    "missed_eur": round(PRICE_EUR_M3 * a["tail"][0], 2),
                }
            )
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / len(active) if active else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return ScoreResult(
        score_eur=round(score, 2),
        max_eur=round(max_eur, 2),
        tp=tp,
        fp=fp,
        fn=fn,
        repeats=repeats,
        precision=precision,
        recall=recall,
        f1=f1,
        mean_delay_h=float(np.mean(delays)) if delays else None,
        details=details,
    )
