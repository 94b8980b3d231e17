"""``communia water ...``: thin adapters over the library (heavy imports inside commands)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from communia.cli.i18n import t
from communia.core.formatting import fr_count, fr_number, fr_percent

__all__ = ["water_group", "signature_cache_dir", "calibration_dirs"]


def signature_cache_dir() -> Path:
    from communia.core.settings import get_settings, module_settings
    from communia.modules.water import WaterSettings

    conf = module_settings("water", WaterSettings)
    if getattr(conf, "signature_cache", ""):
        return Path(conf.signature_cache)
    return Path(get_settings().data_dir) / "water" / "signatures"


def calibration_dirs() -> list[Path]:
    """Where calibrations are looked up: the instance's data dir, then those shipped."""
    from communia.core.settings import get_settings

    return [
        Path(get_settings().data_dir) / "water" / "calibrations",
        Path(__file__).parent / "calibrations",
    ]


def water_group() -> click.Group:
    @click.group(
        name="water",
        help=t("Eau potable : fuites et risque de casse.", "Water: leaks and pipe break risk."),
    )
    def water() -> None:
        pass

    @water.command(
        "detect",
        help=t(
            "Détecte et localise les fuites sur une période "
            "de télérelève (sortie pipe,detection_time).",
            "Detect and locate leaks on one period of telemetry (output pipe,detection_time).",
        ),
    )
    @click.option(
        "--scada",
        "scada_dir",
        type=click.Path(path_type=Path),
        help=t("Dossier Pressures/Flows/Levels/Demands.csv(.gz).", "SCADA folder."),
    )
    @click.option(
        "--long-csv",
        type=click.Path(path_type=Path),
        help=t("Ou un fichier CSV long sensor,time,value,unit.", "Or a long CSV."),
    )
    @click.option(
        "--network",
        required=True,
        type=click.Path(path_type=Path),
        help=t("Modèle EPANET .inp.", "EPANET .inp model."),
    )
    @click.option(
        "--out",
        required=True,
        type=click.Path(path_type=Path),
        help=t("Fichier CSV de sortie.", "Output CSV."),
    )
    @click.option(
        "--method",
        type=click.Choice(["cusum", "mnf"]),
        default="cusum",
        show_default=True,
        help=t(
            "cusum : bilan + CUSUM + localisation ; mnf : débit minimum de nuit (référence naïve).",
            "Method.",
        ),
    )
    @click.option(
        "--calibration",
        type=click.Path(path_type=Path),
        help=t("Calibration JSON d'une année antérieure.", "Calibration JSON."),
    )
    @click.option(
        "--details",
        type=click.Path(path_type=Path),
        help=t("Fichier JSON des alertes détaillées.", "Detailed alerts JSON."),
    )
    @click.option(
        "--commune",
        default=None,
        help=t("Enregistre les alertes pour cette commune (identifiant court).", "Store alerts."),
    )
    @click.option(
        "--self-calibrate",
        is_flag=True,
        help=t(
            "Ignorer les calibrations enregistrées pour ce réseau et se calibrer sur les "
            "7 premiers jours (une fuite déjà présente au début n'est alors pas détectable).",
            "Ignore stored calibrations for this network.",
        ),
    )
    def detect(
        scada_dir, long_csv, network, out, method, calibration, details, commune, self_calibrate
    ) -> None:
        from communia.core.errors import InvalidInput
        from communia.modules.water.detect import (
            Calibration,
            alarms_frame,
            detect_leaks,
            detect_mnf,
            find_calibration,
        )
        from communia.modules.water.io import read_long_csv, read_scada_dir
        from communia.modules.water.network import read_network
        from communia.modules.water.score import write_detections

        started = time.perf_counter()
        if bool(scada_dir) == bool(long_csv):
            raise InvalidInput("Indiquez soit --scada DOSSIER, soit --long-csv FICHIER.")
        net = read_network(network)
        data = read_scada_dir(scada_dir) if scada_dir else read_long_csv(long_csv)
        if method == "mnf":
            alarms, notes = detect_mnf(data, net), list(data.report.messages)
        else:
            cal, origin = None, ""
            if calibration:
                cal, origin = Calibration.load(calibration), str(calibration)
            elif not self_calibrate:
                cal, origin = find_calibration(net, calibration_dirs())
            alarms, notes = detect_leaks(
                data, net, calibration=cal, cache_dir=signature_cache_dir()
            )
            if cal is not None:
                notes.append(f"Calibration utilisée : {origin} (période {cal.source}).")
        frame = alarms_frame(alarms)
        write_detections(frame, out)
        for note in notes:
            click.echo(f"Remarque : {note}", err=True)
        if details:
            Path(details).write_text(
                json.dumps(
                    [
                        {
                            **a.__dict__,
                            "detection_time": str(a.detection_time),
                            "start_estimate": str(a.start_estimate),
                        }
                        for a in alarms
                    ],
                    ensure_ascii=False,
                    indent=1,
                ),
                encoding="utf-8",
            )
        click.echo(
            f"{fr_count(len(frame), 'alerte écrite', 'alertes écrites')} dans {out} en {fr_number(time.perf_counter() - started, 1)} s."
        )
        if commune:
            from communia.core.communes import commune_by_slug
            from communia.core.db import write_session
            from communia.modules.water import service

            with write_session() as session:
                cid = commune_by_slug(session, commune).id
                stored = service.save_network(
                    session,
                    commune_id=cid,
                    name=Path(network).name,
                    inp_text=Path(network).read_text(encoding="utf-8", errors="replace"),
                    actor="cli:water",
                )
                run = service.record_run(
                    session,
                    commune_id=cid,
                    network_id=stored.id,
                    method=method,
                    period=(data.index[0], data.index[-1]),
                    alarms=alarms,
                    daily=service.daily_flows(data, net),
                    notes=notes,
                    actor="cli:water",
                )
                run_id = run.id
            click.echo(f"Alertes enregistrées pour {commune} (analyse n° {run_id}).")

    @water.command(
        "calibrate",
        help=t(
            "Apprend la consommation attendue et les pressions sans fuite sur une période passée "
            "dont les fuites sont connues (pour détecter aussi les fuites déjà présentes).",
            "Learn a calibration on a past period whose leaks are known.",
        ),
    )
    @click.option("--scada", "scada_dir", required=True, type=click.Path(path_type=Path))
    @click.option("--network", required=True, type=click.Path(path_type=Path))
    @click.option(
        "--leaks",
        type=click.Path(path_type=Path),
        help=t("Fuites connues (leaks.csv).", "Known leaks."),
    )
    @click.option(
        "--leak-flows",
        type=click.Path(path_type=Path),
        help=t("Débits des fuites connues.", "Known leak flows."),
    )
    @click.option("--start", default=None)
    @click.option("--end", default=None)
    @click.option("--out", required=True, type=click.Path(path_type=Path))
    @click.option(
        "--install",
        is_flag=True,
        help=t(
            "Enregistrer aussi la calibration dans le dossier de données : « detect » l'utilisera "
            "pour ce réseau.",
            "Also install it for detect.",
        ),
    )
    def calibrate_cmd(scada_dir, network, leaks, leak_flows, start, end, out, install) -> None:
        from communia.core.errors import InvalidInput
        from communia.modules.water.detect import calibrate
        from communia.modules.water.io import read_scada_dir
        from communia.modules.water.network import read_network
        from communia.modules.water.score import read_leak_flows, read_leaks

        if bool(leaks) != bool(leak_flows):
            raise InvalidInput("Indiquez à la fois --leaks et --leak-flows, ou aucun des deux.")
        net = read_network(network)
        data = read_scada_dir(scada_dir)
        if start or end:
            data = data.between(start, end)
        lk = read_leaks(leaks) if leaks else None
        lf = read_leak_flows(leak_flows).loc[start:end] if leak_flows else None
        cal = calibrate(data, net, leaks=lk, leak_flows=lf, cache_dir=signature_cache_dir())
        cal.save(out)
        if install:
            target = calibration_dirs()[0]
            target.mkdir(parents=True, exist_ok=True)
            cal.save(target / f"{net.digest}-{Path(out).stem}.json")
        click.echo(
            f"Calibration ({cal.source}, {len(cal.pressure)} "
            f"capteurs de pression) écrite dans {out}."
        )

    @water.command(
        "score",
        help=t(
            "Score BattLeDIM d'un fichier de détections.", "BattLeDIM score of a detections file."
        ),
    )
    @click.option("--detections", required=True, type=click.Path(path_type=Path))
    @click.option(
        "--leaks",
        required=True,
        type=click.Path(path_type=Path),
        help=t("leaks.csv (vérité terrain).", "Ground truth."),
    )
    @click.option(
        "--leak-flows",
        required=True,
        type=click.Path(path_type=Path),
        help=t("leak_flows.csv(.gz).", "Leak flows."),
    )
    @click.option("--network", required=True, type=click.Path(path_type=Path))
    @click.option(
        "--start", default=None, help=t("Début de la période évaluée (optionnel).", "Period start.")
    )
    @click.option(
        "--end", default=None, help=t("Fin de la période évaluée (optionnel).", "Period end.")
    )
    @click.option("--json", "as_json", is_flag=True, help=t("Sortie JSON.", "JSON output."))
    def score(detections, leaks, leak_flows, network, start, end, as_json) -> None:
        import pandas as pd

        from communia.modules.water.network import read_network
        from communia.modules.water.score import (
            read_detections,
            read_leak_flows,
            read_leaks,
            score_detections,
        )

        net = read_network(network)
        period = None
        if start or end:
            period = (pd.Timestamp(start or "1900-01-01"), pd.Timestamp(end or "2200-01-01"))
        res = score_detections(
            read_detections(detections),
            read_leaks(leaks),
            read_leak_flows(leak_flows),
            net,
            period=period,
        )
        if as_json:
            click.echo(json.dumps(res.to_dict(), default=float, ensure_ascii=False, indent=1))
            return
        delay = fr_number(res.mean_delay_h, 1) + " h" if res.mean_delay_h is not None else "—"
        click.echo(
            f"Score : {fr_number(res.score_eur, 2)} € sur {fr_number(res.max_eur, 2)} "
            f"€ possibles ({fr_percent(res.share_of_max)})\n"
            f"Vrais positifs : {res.tp}   faux positifs : {res.fp}   "
            f"fuites manquées : {res.fn}   répétitions : {res.repeats}\n"
            f"Précision : {fr_number(res.precision, 2)}   rappel : {fr_number(res.recall, 2)}"
            f"   F1 : {fr_number(res.f1, 2)}   délai moyen : {delay}"
        )

    @water.command(
        "signatures",
        help=t(
            "Précalcule la bibliothèque de signatures de fuite d'un réseau.",
            "Precompute leak signatures.",
        ),
    )
    @click.option("--network", required=True, type=click.Path(path_type=Path))
    @click.option(
        "--sensors",
        required=True,
        help=t(
            "Capteurs de pression, séparés par des virgules.", "Pressure sensors, comma separated."
        ),
    )
    def signatures(network, sensors) -> None:
        from communia.modules.water.localise import load_or_build_signatures
        from communia.modules.water.network import read_network

        net = read_network(network)
        names = [s.strip() for s in sensors.split(",") if s.strip()]
        lib = load_or_build_signatures(net, names, cache_dir=signature_cache_dir())
        click.echo(
            f"{len(lib.node_names)} signatures × {len(lib.hours)} "
            f"heures en cache dans {signature_cache_dir()}."
        )

    @water.command(
        "risk-generate",
        help=t(
            "Génère un historique de casses réaliste (test).", "Generate a synthetic break history."
        ),
    )
    @click.option(
        "--network",
        type=click.Path(path_type=Path),
        help=t("Réseau .inp (longueurs, diamètres).", ".inp network."),
    )
    @click.option(
        "--attributes",
        type=click.Path(path_type=Path),
        help=t("Attributs CSV/GeoJSON.", "Attributes."),
    )
    @click.option("--out-dir", required=True, type=click.Path(path_type=Path))
    @click.option("--seed", default=0, show_default=True, type=int)
    @click.option("--first-year", default=1990, show_default=True, type=int)
    @click.option("--last-year", default=2024, show_default=True, type=int)
    def risk_generate(network, attributes, out_dir, seed, first_year, last_year) -> None:
        from communia.modules.water.risk import generate_history, read_inventory

        inv = read_inventory(network, attributes)
        inv, breaks = generate_history(inv, seed=seed, first_year=first_year, last_year=last_year)
        out_dir.mkdir(parents=True, exist_ok=True)
        inv.to_csv(out_dir / "inventaire.csv", index=False)
        breaks.assign(date=breaks["date"].dt.strftime("%Y-%m-%d")).to_csv(
            out_dir / "reparations.csv", index=False
        )
        click.echo(f"{len(inv)} canalisations, {len(breaks)} casses simulées dans {out_dir}.")

    @water.command(
        "risk-backtest",
        help=t(
            "Backtest temporel : LEYP contre âge seul et casses puis âge.", "Time-split backtest."
        ),
    )
    @click.option(
        "--inventory",
        required=True,
        type=click.Path(path_type=Path),
        help=t("Inventaire CSV/GeoJSON.", "Inventory."),
    )
    @click.option(
        "--repairs",
        required=True,
        type=click.Path(path_type=Path),
        help=t("Journal des réparations CSV.", "Repair log."),
    )
    @click.option("--test-years", default="2020-2024", show_default=True)
    def risk_backtest(inventory, repairs, test_years) -> None:
        from communia.modules.water.risk import backtest, read_inventory, read_repairs

        inv = read_inventory(None, inventory)
        breaks = read_repairs(repairs, inventory=inv)
        a, b = (int(x) for x in test_years.split("-"))
        res = backtest(inv, breaks, test_years=range(a, b + 1))
        summary = res.groupby("model")[["top10_count", "top10_length", "length_for_80"]].mean()
        click.echo(
            "Modèle              part des casses dans le top "
            "10 % (nombre | longueur) | longueur pour 80 %"
        )
        for name, row in summary.iterrows():
            click.echo(
                f"{name:<20}{100 * row.top10_count:6.1f} % | {100 * row.top10_length:6.1f} "
                f"%          | {100 * row.length_for_80:6.1f} %"
            )

    @water.command(
        "risk-rank",
        help=t(
            "Classe les canalisations et propose un plan de renouvellement.",
            "Rank pipes and plan renewal.",
        ),
    )
    @click.option("--inventory", required=True, type=click.Path(path_type=Path))
    @click.option("--repairs", required=True, type=click.Path(path_type=Path))
    @click.option("--year", required=True, type=int, help=t("Année à prévoir.", "Year to predict."))
    @click.option("--km-per-year", default=1.0, show_default=True, type=float)
    @click.option("--out", required=True, type=click.Path(path_type=Path))
    @click.option("--commune", default=None, help=t("Enregistre le classement.", "Store ranking."))
    def risk_rank(inventory, repairs, year, km_per_year, out, commune) -> None:
        from communia.modules.water.risk import (
            rank_next_year,
            read_inventory,
            read_repairs,
            renewal_plan,
        )

        inv = read_inventory(None, inventory)
        breaks = read_repairs(repairs, inventory=inv)
        scored = rank_next_year(inv, breaks, year)
        plan = renewal_plan(scored, scored["risk"].to_numpy(), km_per_year=km_per_year)
        plan[
            ["pipe", "material", "install_year", "length_m", "n_prev", "risk", "plan_year"]
        ].to_csv(out, index=False)
        click.echo(
            f"Plan de renouvellement ({len(plan)} canalisations, "
            f"{km_per_year} km/an) écrit dans {out}."
        )
        if commune:
            from communia.core.communes import commune_by_slug
            from communia.core.db import write_session
            from communia.modules.water import service

            with write_session() as session:
                cid = commune_by_slug(session, commune).id
                service.save_risk(
                    session,
                    commune_id=cid,
                    year=year,
                    rows=scored.to_dict("records"),
                    actor="cli:water",
                )
            click.echo(f"Classement enregistré pour {commune}.")

    return water
