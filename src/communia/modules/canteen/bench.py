"""Benchmark: every method side by side on Nantes' last school years.

    python -m communia.modules.canteen.bench --data ../shared/data/cantine/nantes \
        [--out docs/benchmarks/canteen.md]

Validation periods (used to choose the model's settings) come first, then the test periods,
which were run once with the settings fixed. Every forecast is made from history ending at
least 8 weeks before the period it forecasts.
"""

from __future__ import annotations

import argparse
import sys
import time

__all__ = ["PERIODS", "run", "main"]

#: (role, label, train_end, test_start, test_end)
PERIODS = (
    ("validation", "automne 2013", "2013-06-30", "2013-09-01", "2013-12-31"),
    ("validation", "automne 2014", "2014-06-30", "2014-09-01", "2014-12-31"),
    ("validation", "automne 2015", "2015-06-30", "2015-09-01", "2015-12-31"),
    ("validation", "automne 2016", "2016-06-30", "2016-09-01", "2016-12-31"),
    (
        "validation",
        "printemps 2016 (historique jusqu'au 06/11/2015)",
        "2015-11-06",
        "2016-01-01",
        "2016-07-10",
    ),
    ("test", "automne 2017", "2017-06-30", "2017-09-01", "2017-12-31"),
    (
        "test",
        "printemps 2018 (historique jusqu'au 30/06/2017)",
        "2017-06-30",
        "2018-01-01",
        "2018-07-10",
    ),
    (
        "test",
        "printemps 2018 (historique jusqu'au 03/11/2017)",
        "2017-11-03",
        "2018-01-01",
        "2018-07-10",
    ),
)


def _mae(result, prefix: str) -> str:
    from communia.modules.canteen.evaluate import fmt_number

    for m in result.rows:
        if m.method.startswith(prefix):
            return fmt_number(m.mae, 2)
    return "—"


def summary(results: list[tuple[str, str, object]]) -> str:
    """One line per period: MAE of every method, without and on strike days, and the
    over-production at equal shortage (ratio to the human orders')."""
    from communia.modules.canteen.evaluate import fmt_number

    head = (
        "| période | commandes humaines | même jour dernière semaine | moyenne année précédente "
        "| **modèle** | humains hors grève | modèle hors grève | humains jours de grève "
        "| modèle jours de grève | surproduction à manque égal (modèle / humains) |"
    )
    lines = [head, "|" + "---|" * 10]
    for role, label, r in results:
        eq = r.equal_shortage
        lines.append(
            f"| {role} {label} | {_mae(r, 'Commandes humaines')} | {_mae(r, 'Référence : même')} "
            f"| {_mae(r, 'Référence : moyenne')} | **{_mae(r, 'Modèle (gradient')}** "
            f"| {_mae(r, 'Hors jours de grève : commandes')} "
            f"| {_mae(r, 'Hors jours de grève : modèle, prévision')} "
            f"| {_mae(r, 'Jours de grève seulement : commandes')} "
            f"| {_mae(r, 'Jours de grève seulement : modèle')} "
            f"| {fmt_number(eq['model_over'])} / {fmt_number(eq['human_over'])} "
            f"({fmt_number(eq['ratio'] * 100)} %) |"
        )
    return "\n".join(lines)


def run(data_dir: str, *, roles: tuple[str, ...] = ("validation", "test")) -> str:
    from communia.modules.canteen.evaluate import backtest, format_backtest
    from communia.modules.canteen.io import load_data

    t0 = time.perf_counter()
    data = load_data(data_dir)
    load_s = time.perf_counter() - t0
    parts = [f"Chargement et contrôle des données : {load_s:.1f} s.", ""]
    results = []
    for role, label, train_end, start, end in PERIODS:
        if role not in roles:
            continue
        result = backtest(data, train_end=train_end, test_start=start, test_end=end)
        results.append((role, label, result))
        parts.append(f"### {role.capitalize()} — {label}")
        parts.append("")
        parts.append(
            f"`communia canteen backtest --data DIR --train-end {train_end} "
            f"--test-start {start} --test-end {end}`"
        )
        parts.append("")
        parts.append(format_backtest(result, markdown=True))
        parts.append("")
        print("\n".join(parts[-6:]), file=sys.stderr, flush=True)
    return "\n".join(
        ["### Résumé (MAE en repas par cantine et par jour)", "", summary(results), ""] + parts
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Banc d'essai de la prévision des repas")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=None)
    parser.add_argument("--roles", default="validation,test")
    args = parser.parse_args(argv)
    text = run(args.data, roles=tuple(args.roles.split(",")))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
