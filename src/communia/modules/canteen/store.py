"""Persistence: a commune's canteen history, events and order sheets in the database.

Imports are all-or-nothing: the caller's transaction (``write_session``) holds every row of
one import, so a failure leaves nothing behind. Training runs without any database
connection open (data is read first, results written after).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from communia.core.audit import record
from communia.core.errors import InvalidInput, NotFound
from communia.core.formatting import fr_number
from communia.modules.canteen.io import EVENT_KINDS
from communia.modules.canteen.models import (
    Attendance,
    Canteen,
    CanteenEvent,
    CanteenImport,
    DishCategory,
    Enrolment,
    ForecastLine,
    ForecastRun,
    MenuDish,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from communia.modules.canteen.io import CanteenData

__all__ = [
    "import_data",
    "commune_data",
    "add_event",
    "set_dish_category",
    "create_order_sheet",
    "order_sheet",
    "after_the_fact",
    "canteen_names",
    "model_path",
    "current_model",
    "train_model",
    "set_manual_order",
    "validate_run",
]

MODEL_VERSION = "canteen-gbm-3"


def _canteen_ids(session: Session, commune_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Canteen.name, Canteen.id).where(Canteen.commune_id == commune_id)
    ).all()
    return dict(rows)


def canteen_names(session: Session, commune_id: int) -> list[str]:
    """The commune's canteens, by name."""
    return sorted(_canteen_ids(session, commune_id))


def import_data(
    session: Session, commune_id: int, data: CanteenData, *, filename: str, actor: str
) -> CanteenImport:
    """Store an imported history (replacing the same canteen-days) in one transaction."""
    import pandas as pd

    ids = _canteen_ids(session, commune_id)
    for name, kind, sector in data.canteens[["canteen", "kind", "sector"]].itertuples(index=False):
        if name not in ids:
            canteen = Canteen(
                commune_id=commune_id, name=name, kind=kind or "M/E", sector=sector or ""
            )
            session.add(canteen)
            session.flush()
            ids[name] = canteen.id
    imp = CanteenImport(
        commune_id=commune_id,
        filename=filename[:300],
        actor=actor,
        rows=len(data.attendance),
        report=data.report.to_dict() | {"rejected": data.report.to_dict()["rejected"][:200]},
    )
    session.add(imp)
    session.flush()
    att = data.attendance
    if len(att):
        first, last = att["date"].min().date(), att["date"].max().date()
        canteen_ids = [ids[c] for c in att["canteen"].unique()]
        session.execute(
            delete(Attendance).where(
                Attendance.commune_id == commune_id,
                Attendance.canteen_id.in_(canteen_ids),
                Attendance.day >= first,
                Attendance.day <= last,
            )
        )
        session.execute(
            Attendance.__table__.insert(),
            [
                {
                    "commune_id": commune_id,
                    "canteen_id": ids[c],
                    "day": d.date(),
                    "served": None if pd.isna(s) else float(s),
                    "ordered": None if pd.isna(o) else float(o),
                    "import_id": imp.id,
                }
                for d, c, s, o in att[["date", "canteen", "served", "ordered"]].itertuples(
                    index=False
                )
            ],
        )
    for c, year, pupils in data.enrolment[["canteen", "school_year", "pupils"]].itertuples(
        index=False
    ):
        if c not in ids:
            continue
        session.execute(
            delete(Enrolment).where(
                Enrolment.canteen_id == ids[c], Enrolment.school_year == int(year)
            )
        )
        session.add(
            Enrolment(
                commune_id=commune_id,
                canteen_id=ids[c],
                school_year=int(year),
                pupils=float(pupils),
            )
        )
    if len(data.menus):
        days = sorted({d.date() for d in data.menus["date"]})
        session.execute(
            delete(MenuDish).where(MenuDish.commune_id == commune_id, MenuDish.day.in_(days))
        )
        session.execute(
            MenuDish.__table__.insert(),
            [
                {"commune_id": commune_id, "day": d.date(), "dish": str(dish)[:300]}
                for d, dish in data.menus[["date", "dish"]].itertuples(index=False)
            ],
        )
    existing = set(
        session.execute(
            select(CanteenEvent.day, CanteenEvent.canteen_id, CanteenEvent.kind).where(
                CanteenEvent.commune_id == commune_id
            )
        ).all()
    )
    for d, c, kind, comment in data.events[["date", "canteen", "kind", "comment"]].itertuples(
        index=False
    ):
        key = (d.date(), ids.get(c) if c else None, kind)
        if key in existing:  # the same strike listed again by a later import
            continue
        existing.add(key)
        session.add(
            CanteenEvent(
                commune_id=commune_id,
                day=d.date(),
                canteen_id=ids.get(c) if c else None,
                kind=kind,
                comment=comment or "",
                actor=actor,
            )
        )
    record(
        session,
        actor=actor,
        action="canteen.import",
        commune_id=commune_id,
        object_type="canteen_import",
        object_id=imp.id,
        summary=(
            f"Import de l'historique des cantines « {filename} » : "
            f"{fr_number(len(att))} jours-cantines"
        ),
        details={"rejected": len(data.report.rejected), "accepted": data.report.accepted},
    )
    return imp


def commune_data(session: Session, commune_id: int) -> CanteenData:
    """Everything stored for a commune, as the forecaster's ``CanteenData``."""
    import pandas as pd

    from communia.modules.canteen.io import CanteenData, ImportReport

    canteens = session.execute(
        select(Canteen.id, Canteen.name, Canteen.kind, Canteen.sector).where(
            Canteen.commune_id == commune_id
        )
    ).all()
    names = {i: n for i, n, _, _ in canteens}
    att = session.execute(
        select(Attendance.day, Attendance.canteen_id, Attendance.served, Attendance.ordered).where(
            Attendance.commune_id == commune_id
        )
    ).all()
    attendance = pd.DataFrame(
        [(pd.Timestamp(d), names[c], s, o) for d, c, s, o in att],
        columns=["date", "canteen", "served", "ordered"],
    ).astype({"served": float, "ordered": float})
    enrol = session.execute(
        select(Enrolment.canteen_id, Enrolment.school_year, Enrolment.pupils).where(
            Enrolment.commune_id == commune_id
        )
    ).all()
    menus = session.execute(
        select(MenuDish.day, MenuDish.dish).where(MenuDish.commune_id == commune_id)
    ).all()
    events = session.execute(
        select(
            CanteenEvent.day,
            CanteenEvent.canteen_id,
            CanteenEvent.kind,
            CanteenEvent.comment,
            CanteenEvent.delta,
        ).where(CanteenEvent.commune_id == commune_id)
    ).all()
    overrides = dict(
        session.execute(
            select(DishCategory.dish, DishCategory.category).where(
                DishCategory.commune_id == commune_id
            )
        ).all()
    )
    return CanteenData(
        attendance=attendance.sort_values(["date", "canteen"]).reset_index(drop=True),
        canteens=pd.DataFrame(
            [(n, k, s) for _, n, k, s in canteens], columns=["canteen", "kind", "sector"]
        ),
        enrolment=pd.DataFrame(
            [(names[c], y, p) for c, y, p in enrol], columns=["canteen", "school_year", "pupils"]
        ),
        menus=pd.DataFrame(
            [(pd.Timestamp(d), dish) for d, dish in menus], columns=["date", "dish"]
        ).astype({"date": "datetime64[ns]"}),
        events=pd.DataFrame(
            [
                (pd.Timestamp(d), names.get(c, "") if c else "", k, cm, dl)
                for d, c, k, cm, dl in events
            ],
            columns=["date", "canteen", "kind", "comment", "delta"],
        ).astype({"date": "datetime64[ns]", "delta": float}),
        dish_categories=overrides,
        report=ImportReport(),
    )


def add_event(
    session: Session,
    commune_id: int,
    *,
    day: dt.date,
    kind: str,
    actor: str,
    canteen: str = "",
    comment: str = "",
    delta: float | None = None,
) -> CanteenEvent | None:
    """A strike, closure, school trip... entered by the manager; ``None`` when the very same
    event is already entered (a form sent twice), which is not entered again."""
    if kind not in EVENT_KINDS:
        raise InvalidInput(f"Type d'événement inconnu « {kind} ».")
    canteen_id = None
    if canteen:
        canteen_id = _canteen_ids(session, commune_id).get(canteen)
        if canteen_id is None:
            raise InvalidInput(f"Cantine inconnue « {canteen} ».")
    if delta is not None and abs(delta) > 5000:
        raise InvalidInput("Écart de repas absurde (plus de 5 000).")
    if delta is not None and canteen_id is None:
        # the forecast applies a typed change of meals to one canteen: for all, it was ignored
        raise InvalidInput(
            "Un écart de repas se saisit pour une cantine : choisissez la cantine concernée "
            "(pour toutes les cantines, saisissez la grève ou la fermeture sans écart)."
        )
    comment = comment[:2000]
    same = session.scalar(
        select(CanteenEvent.id).where(
            CanteenEvent.commune_id == commune_id,
            CanteenEvent.day == day,
            CanteenEvent.canteen_id.is_(None)
            if canteen_id is None
            else CanteenEvent.canteen_id == canteen_id,
            CanteenEvent.kind == kind,
            CanteenEvent.comment == comment,
            CanteenEvent.delta.is_(None) if delta is None else CanteenEvent.delta == delta,
        )
    )
    if same is not None:
        return None
    event = CanteenEvent(
        commune_id=commune_id,
        day=day,
        canteen_id=canteen_id,
        kind=kind,
        comment=comment,
        delta=delta,
        actor=actor,
    )
    session.add(event)
    session.flush()
    record(
        session,
        actor=actor,
        action="canteen.event",
        commune_id=commune_id,
        object_type="canteen_event",
        object_id=event.id,
        summary=(
            f"Événement « {EVENT_KINDS[kind]} » le {day:%d/%m/%Y} "
            f"({canteen or 'toutes les cantines'})"
        ),
    )
    return event


def set_dish_category(session: Session, commune_id: int, *, dish: str, category: str, actor: str):
    from communia.modules.canteen.menus import CATEGORIES

    if category not in CATEGORIES:
        raise InvalidInput(f"Catégorie inconnue « {category} » ({', '.join(CATEGORIES)}).")
    row = session.scalar(
        select(DishCategory).where(DishCategory.commune_id == commune_id, DishCategory.dish == dish)
    )
    if row is None:
        row = DishCategory(commune_id=commune_id, dish=dish, category=category)
        session.add(row)
    else:
        row.category = category
    record(
        session,
        actor=actor,
        action="canteen.dish_category",
        commune_id=commune_id,
        summary=f"Catégorie du plat « {dish} » : {category}",
    )
    return row


def model_path(commune_id: int) -> Path:
    from communia.core.settings import get_settings

    return get_settings().data_dir / "canteen" / f"model-{commune_id}.json"


def _stage(progress, start: float, end: float, message: str):
    """Map a step's own ``fraction`` (0 to 1) onto ``start..end`` of a job's progress bar."""
    if progress is None:
        return None
    return lambda fraction: progress(start + (end - start) * fraction, message)


def current_model(commune_id: int, data: CanteenData, progress=None):
    """The commune's model trained on exactly this history: the saved one when its
    watermark (last day, number of rows, digest of the rows) matches, else a new one,
    trained and saved (``progress(fraction)`` follows the training). Returns
    ``(model, trained)``; ``trained`` is False when the saved model was reused."""
    from communia.modules.canteen.artifact import history_fingerprint, load_model, save_model
    from communia.modules.canteen.evaluate import fit_model

    path = model_path(commune_id)
    fingerprint = history_fingerprint(data.attendance)
    if path.exists():
        try:
            model = load_model(path, context=data.context())
            header = model.header_
            if (
                model.last_date_ == data.last_date
                and header.get("history_rows") == len(data.attendance)
                and header.get("history_fingerprint") == fingerprint
            ):
                return model, False
        except InvalidInput:
            pass  # incompatible version: retrain
    model = fit_model(data, progress=progress)
    save_model(model, path, data_rows=len(data.attendance), fingerprint=fingerprint)
    return model, True


def train_model(commune_id: int, *, actor: str, progress=None) -> dict[str, Any]:
    """Retrain the commune's model on its whole history (after an import), with no database
    connection open during training; the model file is replaced atomically."""
    import time

    from communia.core.db import read_session, write_session

    if progress:
        progress(0.05, "Lecture de l'historique")
    with read_session() as session:
        data = commune_data(session, commune_id)
    if data.attendance.empty:
        raise InvalidInput("Aucun historique importé : importez d'abord la fréquentation.")
    if progress:
        progress(0.2, "Apprentissage du modèle")
    t0 = time.perf_counter()
    model, trained = current_model(
        commune_id, data, progress=_stage(progress, 0.2, 0.95, "Apprentissage du modèle")
    )
    seconds = time.perf_counter() - t0
    info = {
        "trained": trained,
        "history_rows": int(len(data.attendance)),
        "history_last_date": f"{data.last_date:%Y-%m-%d}",
        "canteens": int(data.attendance["canteen"].nunique()),
        "seconds": round(seconds, 1),
    }
    if trained:
        with write_session() as session:
            record(
                session,
                actor=actor,
                action="canteen.train",
                commune_id=commune_id,
                summary=(
                    f"Modèle de prévision des repas réentraîné sur {info['history_rows']} "
                    f"jours-cantines (jusqu'au {data.last_date:%d/%m/%Y})"
                ),
                model="LightGBM",
                model_version=MODEL_VERSION,
            )
    if progress:
        progress(1.0, "Modèle à jour" if trained else "Modèle déjà à jour")
    return info


def create_order_sheet(
    commune_id: int,
    *,
    start: dt.date,
    end: dt.date,
    service_level: float,
    actor: str,
    progress=None,
) -> int:
    """Forecast a period for a commune and store it as an order sheet to validate.

    Reads the data, trains (or reuses the model trained on the same history) with no
    database connection open, then writes the sheet in one transaction.
    """
    import numpy as np

    from communia.core.db import read_session, write_session
    from communia.modules.canteen.estimators import shortage_risk
    from communia.modules.canteen.evaluate import forecast_rows, service_rows

    with read_session() as session:
        data = commune_data(session, commune_id)
    if data.attendance.empty:
        raise InvalidInput("Aucun historique importé : importez d'abord la fréquentation.")
    rows = service_rows(data, start, end)
    if progress:
        progress(0.1, "Apprentissage du modèle")
    model, _ = current_model(
        commune_id, data, progress=_stage(progress, 0.1, 0.7, "Apprentissage du modèle")
    )
    if progress:
        progress(0.7, "Prévision de la période")
    table = forecast_rows(model, rows, service_level)
    table = table.dropna(subset=["forecast"]).reset_index(drop=True)
    keys = table[["date", "canteen"]]
    table["risk"] = shortage_risk(
        model, keys, table["forecast"].to_numpy(), table["order"].to_numpy()
    )
    drivers = model.explain(keys)
    with write_session() as session:
        ids = _canteen_ids(session, commune_id)
        run = ForecastRun(
            commune_id=commune_id,
            actor=actor,
            start=start,
            end=end,
            service_level=service_level,
            history_last_date=data.last_date.date(),
            model_info={"libraries": getattr(model, "header_", {}).get("libraries", {})},
        )
        session.add(run)
        session.flush()
        session.execute(
            ForecastLine.__table__.insert(),
            [
                {
                    "commune_id": commune_id,
                    "run_id": run.id,
                    "canteen_id": ids[c],
                    "day": d.date(),
                    "forecast": float(f),
                    "order": int(o),
                    "shortage_risk": float(r) if np.isfinite(r) else 0.0,
                    "drivers": [[label, round(v, 1)] for label, v in drv],
                }
                for (d, c, f, o, r), drv in zip(
                    table[["date", "canteen", "forecast", "order", "risk"]].itertuples(index=False),
                    drivers,
                    strict=True,
                )
            ],
        )
        record(
            session,
            actor=actor,
            action="canteen.forecast",
            commune_id=commune_id,
            object_type="canteen_forecast_run",
            object_id=run.id,
            summary=(
                f"Prévision des repas du {start:%d/%m/%Y} au {end:%d/%m/%Y} "
                f"(niveau de service {100 * service_level:.0f} %) : {fr_number(len(table))} jours-cantines"
            ),
            model="LightGBM",
            model_version=MODEL_VERSION,
            validation_status="a_valider",
        )
        run_id = run.id
    if progress:
        progress(1.0, "Terminé")
    return run_id


def order_sheet(session: Session, commune_id: int, run_id: int) -> tuple[ForecastRun, pd.DataFrame]:
    """The stored sheet with what was served since (for the after-the-fact view)."""
    import pandas as pd

    run = session.get(ForecastRun, run_id)
    if run is None or run.commune_id != commune_id:
        raise NotFound("Feuille de commande introuvable.")
    names = {i: n for n, i in _canteen_ids(session, commune_id).items()}
    lines = session.execute(
        select(ForecastLine).where(ForecastLine.run_id == run_id).order_by(ForecastLine.day)
    ).scalars()
    table = pd.DataFrame(
        [
            {
                "date": pd.Timestamp(line.day),
                "canteen": names[line.canteen_id],
                "forecast": line.forecast,
                "order": line.manual_order if line.manual_order is not None else line.order,
                "proposed_order": line.order,
                "risk": line.shortage_risk,
                "drivers": line.drivers,
                "line_id": line.id,
            }
            for line in lines
        ]
    )
    if table.empty:
        return run, table
    served = session.execute(
        select(Attendance.day, Attendance.canteen_id, Attendance.served, Attendance.ordered).where(
            Attendance.commune_id == commune_id,
            Attendance.day >= run.start,
            Attendance.day <= run.end,
        )
    ).all()
    actual = pd.DataFrame(
        [(pd.Timestamp(d), names[c], s, o) for d, c, s, o in served],
        columns=["date", "canteen", "served", "human_order"],
    )
    table = table.merge(actual, on=["date", "canteen"], how="left")
    for col in ("served", "human_order"):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype(float)
    table["surplus"] = (table["order"] - table["forecast"].round(0)).clip(lower=0)
    return run, table.sort_values(["date", "canteen"]).reset_index(drop=True)


def after_the_fact(table: pd.DataFrame) -> dict[str, Any]:
    """Error and meals saved against the commune's own orders, on the days that passed,
    in total and per canteen (``per_canteen``).

    Savings compare like with like: only the days whose past order is known count, on both
    sides; the commune's shortages are given beside its surplus.
    """
    import numpy as np

    done = table.dropna(subset=["served"]) if "served" in table else table.iloc[0:0]
    if done.empty:
        return {"days": 0}

    def balance(rows) -> dict[str, Any]:
        known = rows.dropna(subset=["human_order"])
        over_model = float(np.clip(rows["order"] - rows["served"], 0, None).sum())
        over_human = float(np.clip(known["human_order"] - known["served"], 0, None).sum())
        over_model_known = float(np.clip(known["order"] - known["served"], 0, None).sum())
        return {
            "days": int(len(rows)),
            "mae": float((rows["forecast"] - rows["served"]).abs().mean()),
            "served": float(rows["served"].sum()),
            "order": float(rows["order"].sum()),
            "over_model": over_model,
            "short_model": float(np.clip(rows["served"] - rows["order"], 0, None).sum()),
            "over_human": over_human if len(known) else None,
            "short_human": float(np.clip(known["served"] - known["human_order"], 0, None).sum())
            if len(known)
            else None,
            "saved": (over_human - over_model_known) if len(known) else None,
        }

    return {
        **balance(done),
        "per_canteen": [
            {"canteen": canteen, **balance(rows)} for canteen, rows in done.groupby("canteen")
        ],
    }


def set_manual_order(
    session: Session, commune_id: int, *, run_id: int, line_id: int, meals: int, actor: str
) -> ForecastLine:
    """The manager overrides one proposed order."""
    line = session.get(ForecastLine, line_id)
    if line is None or line.commune_id != commune_id or line.run_id != run_id:
        raise NotFound("Ligne de commande introuvable.")
    if not 0 <= meals <= 5000:
        raise InvalidInput("Commande invalide : entre 0 et 5 000 repas.")
    if session.get(ForecastRun, run_id).status == "validee":
        # a page opened before the validation must not change what was validated
        raise InvalidInput(
            f"Cette feuille de commande est déjà validée : ses commandes ne se modifient plus "
            f"(les {meals} repas saisis n'ont pas été enregistrés). Pour changer une commande, "
            "calculez une nouvelle feuille pour la période."
        )
    line.manual_order = int(meals)
    record(
        session,
        actor=actor,
        action="canteen.order_override",
        commune_id=commune_id,
        object_type="canteen_forecast_line",
        object_id=line.id,
        summary=f"Commande modifiée : {line.order} proposés, {meals} retenus ({line.day:%d/%m/%Y})",
        validation_status="modifie",
    )
    return line


def validate_run(session: Session, commune_id: int, *, run_id: int, actor: str) -> ForecastRun:
    """The manager validates the order sheet (after any manual changes)."""
    run = session.get(ForecastRun, run_id)
    if run is None or run.commune_id != commune_id:
        raise NotFound("Feuille de commande introuvable.")
    run.status = "validee"
    record(
        session,
        actor=actor,
        action="canteen.validate",
        commune_id=commune_id,
        object_type="canteen_forecast_run",
        object_id=run.id,
        summary=f"Feuille de commande du {run.start:%d/%m/%Y} au {run.end:%d/%m/%Y} validée",
        validation_status="valide",
    )
    return run
