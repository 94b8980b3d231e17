"""Benchmark: every method side by side on Nantes' last school years.

    python -m communia.modules.canteen.bench --data ../shared/data/cantine/nantes \
        [--out docs/benchmarks/canteen.md]

Validation periods (used to choose the model's settings) come first, then the test periods,
which were run once with the settings fixed. Every forecast of the main table is made from
history ending at least 8 weeks before the period it forecasts (the issue's targets).

A second, separate table shows the manager's weekly workflow (horizon one week, not the
issue's target): the model fitted once for the period, each week forecast on the Friday
before it and corrected by its recent error (``evaluate.weekly_backtest``).

``--refit-every K`` prints instead that weekly workflow through the product path: the model
refitted every K weeks as a retraining job would, with the correction (fitted without the
latest service days, ``evaluate.fit_until``) and without it (the product as it is: fitted on
the whole history, not corrected), one line per distinct period:

    python -m communia.modules.canteen.bench --data DIR --roles test --refit-every 2 \
        [--periods "automne 2017"] [--variants avec,sans]
"""

from __future__ import annotations

import argparse
import sys
import time

from communia.core.formatting import fr_number, fr_percent

__all__ = ["PERIODS", "run", "run_product", "main", "summary", "weekly_summary"]

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
    for m in result.rows:
        if m.method.startswith(prefix):
            return fr_number(m.mae, 2)
    return "—"


def _served_mae(result, column: str) -> str:
    """MAE on the days with meals served (> 0): the published Nantes projects' protocol,
    which leaves out the days a canteen served nothing (closures, strikes)."""
    import numpy as np

    f = result.frame[result.frame["served"] > 0]
    return fr_number(float(np.mean(np.abs(f[column] - f["served"]))), 2)


def _equal(result) -> str:
    eq = result.equal_shortage
    return (
        f"{fr_number(eq['model_over'])} / {fr_number(eq['human_over'])} "
        f"({fr_percent(eq['ratio'], 0)})"
    )


def summary(results: list[tuple[str, str, object]]) -> str:
    """One line per period: MAE of every method, without and on strike days, on the days
    with meals served, and the over-production at equal shortage (ratio to the humans')."""
    head = (
        "| période | commandes humaines | même jour dernière semaine | moyenne année précédente "
        "| **modèle** | humains hors grève | modèle hors grève | humains jours de grève "
        "| modèle jours de grève | humains, jours servis > 0 | modèle, jours servis > 0 "
        "| surproduction à manque égal (modèle / humains) |"
    )
    lines = [head, "|" + "---|" * 12]
    for role, label, r in results:
        lines.append(
            f"| {role} {label} | {_mae(r, 'Commandes humaines')} | {_mae(r, 'Référence : même')} "
            f"| {_mae(r, 'Référence : moyenne')} | **{_mae(r, 'Modèle (gradient')}** "
            f"| {_mae(r, 'Hors jours de grève : commandes')} "
            f"| {_mae(r, 'Hors jours de grève : modèle, prévision')} "
            f"| {_mae(r, 'Jours de grève seulement : commandes')} "
            f"| {_mae(r, 'Jours de grève seulement : modèle')} "
            f"| {_served_mae(r, 'human')} | {_served_mae(r, 'forecast')} | {_equal(r)} |"
        )
    return "\n".join(lines)


def weekly_summary(results: list[tuple[str, str, object]]) -> str:
    """The weekly workflow's table (horizon one week): one line per period."""
    head = (
        "| période | commandes humaines | même jour semaine précédente (chaque vendredi) "
        "| moyenne année précédente | modèle sans correction | **modèle + correction récente** "
        "| humains hors grève | modèle corrigé hors grève "
        "| surproduction à manque égal (modèle corrigé / humains) |"
    )
    lines = [head, "|" + "---|" * 9]
    for role, label, r in results:
        lines.append(
            f"| {role} {label} | {_mae(r, 'Commandes humaines')} | {_mae(r, 'Référence : même')} "
            f"| {_mae(r, 'Référence : moyenne')} | {_mae(r, 'Modèle sans correction')} "
            f"| **{_mae(r, 'Modèle (gradient')}** "
            f"| {_mae(r, 'Hors jours de grève : commandes')} "
            f"| {_mae(r, 'Hors jours de grève : modèle, prévision')} | {_equal(r)} |"
        )
    return "\n".join(lines)


def run(data_dir: str, *, roles: tuple[str, ...] = ("validation", "test")) -> str:
    from communia.modules.canteen.evaluate import backtest, format_backtest, weekly_backtest
    from communia.modules.canteen.io import load_data

    t0 = time.perf_counter()
    data = load_data(data_dir)
    load_s = time.perf_counter() - t0
    parts = [f"Chargement et contrôle des données : {load_s:.1f} s.", ""]
    weekly_parts = []
    results, weekly = [], []
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
        week = weekly_backtest(
            data, result.model, train_end=train_end, test_start=start, test_end=end
        )
        weekly.append((role, label, week))
        weekly_parts += [
            f"### Horizon 1 semaine — {role} — {label}",
            "",
            "Modèle appris une fois (historique jusqu'au "
            f"{result.train_end:%d/%m/%Y}), chaque semaine prévue le vendredi précédent "
            "avec les repas servis jusqu'à ce vendredi.",
            "",
            format_backtest(week, markdown=True),
            "",
        ]
    return "\n".join(
        [
            "### Résumé — horizon d'au moins 8 semaines (objectifs du ticket ; MAE en repas "
            "par cantine et par jour)",
            "",
            summary(results),
            "",
            "### Résumé — horizon 1 semaine (usage hebdomadaire du gestionnaire ; ce n'est PAS "
            "l'horizon des objectifs du ticket)",
            "",
            weekly_summary(weekly),
            "",
        ]
        + parts
        + weekly_parts
    )


def run_product(
    data_dir: str,
    *,
    refit_every: int,
    roles: tuple[str, ...] = ("test",),
    labels: tuple[str, ...] = (),
    variants: tuple[bool, ...] = (True, False),
) -> str:
    """The weekly workflow through the product path (``weekly_backtest`` with refits), with
    and without the recent correction, for each distinct period of ``PERIODS``."""
    from communia.modules.canteen.evaluate import format_backtest, weekly_backtest
    from communia.modules.canteen.io import load_data

    data = load_data(data_dir)
    seen, lines, parts = set(), [], []
    for role, label, train_end, start, end in PERIODS:
        if role not in roles or (start, end) in seen:
            continue
        if labels and not any(label.startswith(x) for x in labels):
            continue
        seen.add((start, end))
        for correct in variants:
            r = weekly_backtest(
                data,
                train_end=train_end,
                test_start=start,
                test_end=end,
                refit_every=refit_every,
                correct=correct,
            )
            name = "avec correction" if correct else "sans correction (produit actuel)"
            lines.append((role, f"{label.split(' (')[0]}, {name}", r))
            parts += [f"### Chemin du produit — {role} — {label} — {name}", ""]
            parts += [format_backtest(r, markdown=True), ""]
            print("\n".join(parts[-3:]), file=sys.stderr, flush=True)
    return "\n".join(
        [
            f"### Résumé — horizon 1 semaine, chemin du produit (modèle réentraîné toutes les "
            f"{refit_every} semaine(s) , comme le ferait la tâche de réentraînement)",
            "",
            weekly_summary(lines),
            "",
        ]
        + parts
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Banc d'essai de la prévision des repas")
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default=None)
    parser.add_argument("--roles", default="validation,test")
    parser.add_argument("--refit-every", type=int, default=0)
    parser.add_argument("--periods", default="", help="débuts de libellés, séparés par ,")
    parser.add_argument("--variants", default="avec,sans", help="avec et/ou sans correction")
    args = parser.parse_args(argv)
    roles = tuple(args.roles.split(","))
    if args.refit_every:
        labels = tuple(x for x in args.periods.split(",") if x)
        variants = tuple(v == "avec" for v in args.variants.split(","))
        text = run_product(
            args.data, refit_every=args.refit_every, roles=roles, labels=labels, variants=variants
        )
    else:
        text = run(args.data, roles=roles)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
