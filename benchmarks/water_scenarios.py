"""Score leak detectors on L-Town periods (2018 or generated ones), one Markdown row per period.

Written against the library API that both the current code and the first version of the
module (commit 30a9908) expose, so that the old detector is measured on exactly the same
periods by running this script with that version on ``PYTHONPATH``:

    python benchmarks/water_scenarios.py --method cusum --label "nouveau" DIR...
    git worktree add /tmp/communia-30a9908 30a9908
    PYTHONPATH=/tmp/communia-30a9908/src python benchmarks/water_scenarios.py --label "ancien" DIR...

``--calibration``: ``none`` (the detector calibrates itself on each period's first 7 days),
``shipped`` (the calibration shipped for L-Town, learned on 2018), or a generated period's
folder (its known leaks removed: "last year's" calibration). ``--period START END`` scores a
sub-period (each period is then run on its own data). Durations are the detection alone,
wall-clock, on the machine that runs it (reading the files is not counted).
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
    parser.add_argument("--period", nargs=2, default=None)
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
        cal = calibrate(
            read_scada_dir(root),
            net,
            leaks=read_leaks(root / "leaks.csv"),
            leak_flows=read_leak_flows(root / "leak_flows.csv.gz"),
            **kwargs,
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
    if len(args.dirs) > 1:
        print(
            f"| **ensemble** | {args.label} | {totals[0]:,.0f} / {totals[1]:,.0f} | "
            f"{100 * totals[0] / totals[1]:.1f} | {totals[2]} | {totals[3]} | {totals[4]} | | |"
        )


if __name__ == "__main__":
    main()
