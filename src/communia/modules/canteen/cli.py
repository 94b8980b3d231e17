"""``communia canteen ...``: thin adapters over the library (parse, one call, print)."""

from __future__ import annotations

import click

from communia.cli.i18n import t
from communia.core.formatting import fr_number, fr_percent

__all__ = ["build_cli"]


def _level(value: float) -> float:
    from communia.core.errors import InvalidInput

    if not 0.5 <= value < 1:
        raise InvalidInput("Le niveau de service doit être compris entre 0,5 et 0,999.")
    return value


def build_cli() -> click.Group:
    @click.group(
        name="canteen",
        help=t(
            "Cantines : prévoir les repas par cantine et par jour, et les commandes.",
            "Canteens: forecast meals per canteen and day, and the orders.",
        ),
    )
    def canteen() -> None:
        pass

    data_option = click.option(
        "--data",
        "data_dir",
        required=True,
        type=click.Path(exists=True, file_okay=True, dir_okay=True),
        help=t(
            "Dossier au format de Nantes (frequentation.csv, mappings…) ou modèle CSV/XLSX.",
            "Folder in the Nantes layout (frequentation.csv, mappings...) or CSV/XLSX template.",
        ),
    )

    @canteen.command(
        "forecast",
        help=t(
            "Prévoir les repas et les commandes de chaque cantine, jour de classe par jour.",
            "Forecast meals and orders per canteen and school day.",
        ),
    )
    @data_option
    @click.option("--start", required=True, help=t("Premier jour (AAAA-MM-JJ).", "First day."))
    @click.option("--end", required=True, help=t("Dernier jour (AAAA-MM-JJ).", "Last day."))
    @click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False),
        help=t("Fichier CSV produit.", "Output CSV file."),
    )
    @click.option(
        "--service-level",
        default=0.95,
        show_default=True,
        type=float,
        help=t(
            "Niveau de service : 0,95 = manquer au plus 1 jour sur 20.",
            "Service level: 0.95 = run short at most 1 day in 20.",
        ),
    )
    @click.option(
        "--model",
        "model_path",
        type=click.Path(dir_okay=False),
        default=None,
        help=t("Modèle déjà entraîné (sinon entraînement).", "Trained model (else trains)."),
    )
    def forecast(data_dir, start, end, out, service_level, model_path) -> None:
        import time
        from pathlib import Path

        from communia.modules.canteen.artifact import load_model
        from communia.modules.canteen.evaluate import forecast_period
        from communia.modules.canteen.io import load_data

        t0 = time.perf_counter()
        data = load_data(data_dir)
        model = load_model(model_path, context=data.context()) if model_path else None
        table = forecast_period(data, start, end, service_level=_level(service_level), model=model)
        table = table.assign(date=table["date"].dt.strftime("%Y-%m-%d"))
        table["order"] = table["order"].astype(int)
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        table[["date", "canteen", "forecast", "order"]].to_csv(out, index=False)

        click.echo(
            f"{len(table)} lignes écrites dans {out} : {table['canteen'].nunique()} cantines, "
            f"{table['date'].nunique()} jours ; {fr_number(table['forecast'].sum())} repas "
            f"prévus, {fr_number(table['order'].sum())} commandés au niveau de service "
            f"{fr_percent(service_level, 0)} (historique jusqu'au {data.last_date:%d/%m/%Y} ; "
            f"{fr_number(time.perf_counter() - t0, 1)} s)."
        )
        if data.report.rejected:
            click.echo(
                f"Attention : {len(data.report.rejected)} lignes d'historique ignorées "
                "(voir « communia canteen check »).",
                err=True,
            )

    @canteen.command(
        "backtest",
        help=t(
            "Comparer modèle, références naïves et commandes humaines sur une période passée.",
            "Compare model, naive baselines and human orders on a past period.",
        ),
    )
    @data_option
    @click.option(
        "--train-end", required=True, help=t("Dernier jour d'historique.", "Last day of history.")
    )
    @click.option("--test-start", required=True, help=t("Début du test.", "Test start."))
    @click.option("--test-end", required=True, help=t("Fin du test.", "Test end."))
    @click.option("--service-level", default=0.95, show_default=True, type=float)
    @click.option("--markdown", is_flag=True, help=t("Tableau Markdown.", "Markdown table."))
    def backtest_cmd(data_dir, train_end, test_start, test_end, service_level, markdown) -> None:
        from communia.modules.canteen.evaluate import backtest, format_backtest
        from communia.modules.canteen.io import load_data

        data = load_data(data_dir)
        result = backtest(
            data,
            train_end=train_end,
            test_start=test_start,
            test_end=test_end,
            service_level=_level(service_level),
        )
        click.echo(format_backtest(result, markdown=markdown))

    @canteen.command(
        "train",
        help=t("Entraîner le modèle et l'enregistrer.", "Train the model and save it."),
    )
    @data_option
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    @click.option(
        "--until", default=None, help=t("Dernier jour d'historique utilisé.", "Last day used.")
    )
    def train(data_dir, out, until) -> None:
        import time

        from communia.modules.canteen.artifact import history_fingerprint, save_model
        from communia.modules.canteen.evaluate import fit_model
        from communia.modules.canteen.io import load_data

        data = load_data(data_dir)
        if until:
            data = data.until(until)
        t0 = time.perf_counter()
        model = fit_model(data)
        save_model(
            model,
            out,
            data_rows=len(data.attendance),
            fingerprint=history_fingerprint(data.attendance),
        )
        click.echo(
            f"Modèle entraîné en {fr_number(time.perf_counter() - t0, 1)} s sur "
            f"{fr_number(len(data.attendance))} "
            f"jours-cantines (jusqu'au {data.last_date:%d/%m/%Y}), enregistré dans {out}."
        )

    @canteen.command(
        "check",
        help=t("Vérifier un import sans rien enregistrer.", "Check an import, saving nothing."),
    )
    @data_option
    @click.option(
        "--strict",
        is_flag=True,
        help=t("Refuser tout si une ligne est rejetée.", "All or nothing."),
    )
    def check(data_dir, strict) -> None:
        from communia.modules.canteen.io import load_data

        data = load_data(data_dir, strict=strict)
        click.echo(data.report.summary(limit=30))
        click.echo(
            f"Historique : {len(data.attendance)} jours-cantines, "
            f"{data.attendance['canteen'].nunique()} cantines, du "
            f"{data.attendance['date'].min():%d/%m/%Y} au {data.last_date:%d/%m/%Y}."
        )

    @canteen.command(
        "template",
        help=t("Écrire le modèle de fichier XLSX à remplir.", "Write the XLSX template."),
    )
    @click.option("--out", required=True, type=click.Path(dir_okay=False))
    def template(out) -> None:
        from communia.modules.canteen.io import write_template

        click.echo(f"Modèle écrit : {write_template(out)}")

    return canteen
