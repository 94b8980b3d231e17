"""Benchmark of the embedded LLM through the gateway (tokens/s, time to first token).

    python benchmarks/llm_bench.py [--model PATH] [--runs 3] [--max-tokens 128] [--json OUT]

Uses a throw-away SQLite database (the gateway audits every call) and the model at
``--model`` (default: the one ``communia llm install-model`` put in ``$COMMUNIA_DATA_DIR``
or ``var/``). Prints the gateway figures next to a direct call to the same engine
(baseline) and to the MODELS.md anchor. Timings depend on the machine's load: the
report prints the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from communia.core.llm.model import default_model_path, install_model

    model = args.model
    if model is None:
        model = default_model_path(Path(os.environ.get("COMMUNIA_DATA_DIR", "var")))
        if not model.is_file():
            install_model(target=model)
    tmp = tempfile.mkdtemp(prefix="communia-llm-bench-")
    os.environ["COMMUNIA_DATA_DIR"] = tmp
    os.environ.pop("COMMUNIA_DATABASE_URL", None)
    os.environ["COMMUNIA_MODULES__LLM__MODEL_PATH"] = str(model.resolve())

    from communia.core.llm.bench import format_report, run_benchmark
    from communia.core.migrate import upgrade
    from communia.core.settings import reset_settings

    reset_settings()
    upgrade()
    report = run_benchmark(
        runs=args.runs,
        max_tokens=args.max_tokens,
        progress=lambda row: print(json.dumps(row, ensure_ascii=False), flush=True),
    )
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
