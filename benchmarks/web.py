"""Web and CLI speed on this machine: median latency with 10 concurrent clients (wrk).

Run with ``make bench-web``. Starts a real server on a temporary SQLite database seeded with
the demo commune, then measures the home page and a typical authenticated API read, and the
start time of ``communia --help``. Targets (issue #2): < 50 ms median, < 0.5 s.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
TARGET_MS, TARGET_HELP_S = 50.0, 0.5


def wrk(url: str, header: str | None = None, seconds: int = 10) -> dict[str, float]:
    cmd = ["wrk", "-t2", "-c10", f"-d{seconds}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "p50": ms("50%"),
        "p90": ms("90%"),
        "p99": ms("99%"),
        "rps": rps,
        "errors": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    if shutil.which("wrk") is None:
        sys.exit("wrk est absent : apt-get install wrk")
    from communia.core.demo import demo_instance

    with demo_instance(8765) as demo:
        token = demo.cli("users", "token", "--as", "agent@saint-exemple.fr")
        home = wrk(demo.base_url + "/")
        api = wrk(demo.base_url + "/api/v1/services", f"Authorization: Bearer {token}")
    times = []
    for _ in range(10):
        start = time.perf_counter()
        subprocess.run([BIN / "communia", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    help_s = statistics.median(times)
    print(
        f"{'mesure':38} {'médiane':>9} {'p90':>9} {'p99':>9} {'req/s':>8} {'erreurs':>8} {'cible':>8}"
    )
    for label, r in (
        ("page d'accueil (10 clients)", home),
        ("API GET /services (10 clients)", api),
    ):
        print(
            f"{label:38} {r['p50']:7.1f}ms {r['p90']:7.1f}ms {r['p99']:7.1f}ms {r['rps']:8.0f} "
            f"{r['errors']:8d} {'<' + str(int(TARGET_MS)) + 'ms':>8}"
        )
    print(
        f"{'communia --help (démarrage)':38} {help_s:8.3f}s {'':>9} {'':>9} {'':>8} {'':>8} {'<0.5s':>8}"
    )
    print(
        f"ratio cible/mesure : accueil {TARGET_MS / home['p50']:.1f}×, API {TARGET_MS / api['p50']:.1f}×, "
        f"aide {TARGET_HELP_S / help_s:.1f}×"
    )


if __name__ == "__main__":
    main()
