"""Score leak detectors on L-Town periods (2018 or generated ones), one Markdown row per period.

Written against the library API that both the current code and the first version of the
module (commit 30a9908) expose, so that the old detector is measured on exactly the same
periods by running this script with that version on ``PYTHONPATH``:

    python benchmarks/water_scenarios.py --method cusum --label "nouveau" DIR...
    git worktree add /tmp/communia-30a9908 30a9908
    PYTHONPATH=/tmp/communia-30a9908/src python benchmarks/water_scenarios.py --label "ancien" DIR...

``--calibration``: ``none`` (the detector calibrates itself on each period's first 7 days),
``shipped`` (the calibration shipped for L-Town, learned on 2018), or a generated period's
folder (its known leaks removed: "last year's" calibration), learned on its whole data or on
``--calibration-period START END`` only. ``--period START END`` scores a sub-period (each period
is then run on its own data). ``--details`` adds, under each row, where the points went, one
line per leak (gained, lost, delay and distance of the true positive, or the nearest alarm of a
missed leak) and the false alarms. Durations are the detection alone, wall-clock, on the
machine that runs it (reading the files is not counted).
"""

from __future__ import annotations

import argparse
import inspect
import tempfile
import time
from pathlib import Path


def main() -> None:
    from communia.modules.water.detect import alarms_frame, calibrate, detect_leaks, detect_mnf
    from communia.modules.water.io import read_scada_dir
    from communia.modules.water.network import read_network
    from communia.modules.water.score import read_leak_flows, read_leaks, score_detections

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--method", choices=["cusum", "mnf"], default="cusum")
    parser.add_argument("--label", default="")
    parser.add_argument("--calibration", default="none")
    parser.add_argument("--calibration-period", nargs=2, default=None)
    parser.add_argument("--period", nargs=2, default=None)
    parser.add_argument("--details", action="store_true")
    parser.add_argument("--signature-cache", type=Path, default=None)
    args = parser.parse_args()
    cache = args.signature_cache or Path(tempfile.mkdtemp(prefix="water-sig-"))
    cal = None
    if args.calibration == "shipped":
        from communia.modules.water.cli import calibration_dirs
        from communia.modules.water.detect import find_calibration

        net = read_network(args.dirs[0] / "L-TOWN.inp")
        cal, _ = find_calibration(net, calibration_dirs()[1:])
    elif args.calibration != "none":
        root = Path(args.calibration)
        net = read_network(root / "L-TOWN.inp")
        kwargs = {}
        if "cache_dir" in inspect.signature(calibrate).parameters:
            kwargs["cache_dir"] = cache
        cal_data = read_scada_dir(root)
        cal_flows = read_leak_flows(root / "leak_flows.csv.gz")
        if args.calibration_period:
            import pandas as pd

            a, b = (pd.Timestamp(t) for t in args.calibration_period)
            cal_data, cal_flows = cal_data.between(a, b), cal_flows.loc[a:b]
        cal = calibrate(
            cal_data, net, leaks=read_leaks(root / "leaks.csv"), leak_flows=cal_flows, **kwargs
        )
    totals = [0.0, 0.0, 0, 0, 0]
    for root in args.dirs:
        net = read_network(root / "L-TOWN.inp")
        leaks, flows = read_leaks(root / "leaks.csv"), read_leak_flows(root / "leak_flows.csv.gz")
        data = read_scada_dir(root)
        period = None
        if args.period:
            import pandas as pd

            period = (pd.Timestamp(args.period[0]), pd.Timestamp(args.period[1]))
            data = data.between(*period)
        t = time.perf_counter()
        if args.method == "mnf":
            alarms = detect_mnf(data, net)
        else:
            alarms, _ = detect_leaks(data, net, calibration=cal, cache_dir=cache)
        elapsed = time.perf_counter() - t
        res = score_detections(alarms_frame(alarms), leaks, flows, net, period=period)
        delay = f"{res.mean_delay_h:.0f}" if res.mean_delay_h is not None else "—"
        totals = [
            totals[0] + res.score_eur,
            totals[1] + res.max_eur,
            totals[2] + res.tp,
            totals[3] + res.fp,
            totals[4] + res.fn,
        ]
        print(
            f"| {root.name} | {args.label} | {res.score_eur:,.0f} / {res.max_eur:,.0f} | "
            f"{100 * res.share_of_max:.1f} | {res.tp} | {res.fp} | {res.fn} | {delay} | "
            f"{elapsed:.1f} |",
            flush=True,
        )
        if args.details:
            _details(res, alarms, leaks, flows, net, period)
    if len(args.dirs) > 1:
        print(
            f"| **ensemble** | {args.label} | {totals[0]:,.0f} / {totals[1]:,.0f} | "
            f"{100 * totals[0] / totals[1]:.1f} | {totals[2]} | {totals[3]} | {totals[4]} | | |"
        )


def _details(res, alarms, leaks, flows, net, period) -> None:
    """Per leak: value, gain, what was lost and why; then the false alarms."""
    dist, idx = net.pipe_distances(), net.pipe_index
    flows = flows.sort_index()
    if period is not None:
        flows = flows.loc[period[0] : period[1]]
    t0 = flows.index[0]
    found = {d["leak"]: d for d in res.details if d["result"] == "TP"}
    for row in leaks.sort_values("start").itertuples(index=False):
        if row.leak_id not in flows.columns or row.end < t0 or row.start > flows.index[-1]:
            continue
        value = 0.8 * float(flows[row.leak_id].fillna(0.0).sum()) / 12.0
        if value <= 0:
            continue
        hit = found.get(row.leak_id)
        gain = hit["eur"] if hit else 0.0
        line = (
            f"    {row.leak_id} {row.type} {row.max_flow_m3h:.1f} m³/h, "
            f"début {max(row.start, t0):%m-%d %H}h : {gain:,.0f} / {value:,.0f} €, "
        )
        if hit:
            line += f"trouvée après {hit['delay_h']:.0f} h à {hit['distance_m']:.0f} m"
        else:
            during = [a for a in alarms if row.start <= a.detection_time <= row.end]
            near = min(during, key=lambda a: dist[idx[a.pipe], idx[row.pipe]], default=None)
            line += "manquée" + (
                f" (alerte la plus proche : {near.pipe} à {dist[idx[near.pipe], idx[row.pipe]]:.0f} m"
                f", confiance {near.confidence:.2f})"
                if near is not None
                else " (aucune alerte pendant la fuite)"
            )
        print(line)
    for d in res.details:
        if d["result"] == "FP":
            print(f"    fausse alerte {d['pipe']} {d['time'][:16]}")


if __name__ == "__main__":
    main()
