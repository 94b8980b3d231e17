"""Manager pages: import, events, order sheets with explanations, exports, after the fact."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from communia.core.db import read_session, utcnow, write_session
from communia.core.errors import InvalidInput, TooLarge
from communia.core.formatting import fr_date, fr_datetime, fr_number
from communia.core.users import Actor
from communia.modules.canteen import MAX_IMPORT_MB
from communia.modules.canteen.tasks import parse_day, submit_forecast, submit_training
from communia.web.forms import form_data
from communia.web.rendering import redirect_with_flash, render
from communia.web.security import check_csrf, require_actor

__all__ = ["build_router"]

KIND_LABELS = {
    "greve": "Grève",
    "fermeture": "Fermeture",
    "sortie": "Sortie scolaire",
    "repas_festif": "Repas festif",
}


CATEGORY_LABELS = {
    "poisson": "Poisson",
    "porc": "Porc",
    "viande": "Autre viande",
    "vegetarien": "Végétarien",
    "festif": "Repas festif",
    "autre": "Autre (sans effet)",
}


EVENTS_SHOWN = 30


def _overview(actor: Actor) -> dict:
    from sqlalchemy import func, select

    from communia.modules.canteen.models import (
        Attendance,
        Canteen,
        CanteenEvent,
        CanteenImport,
        ForecastRun,
    )

    cid = actor.commune_id
    with read_session() as s:
        first, last, n = s.execute(
            select(func.min(Attendance.day), func.max(Attendance.day), func.count()).where(
                Attendance.commune_id == cid
            )
        ).one()
        canteens = s.scalars(
            select(Canteen.name).where(Canteen.commune_id == cid).order_by(Canteen.name)
        ).all()
        names = dict(
            s.execute(select(Canteen.id, Canteen.name).where(Canteen.commune_id == cid)).all()
        )
        # The latest entered first: an imported strike file reaching years ahead must not
        # push the event the manager has just typed off the list.
        events = (
            s.execute(
                select(CanteenEvent)
                .where(CanteenEvent.commune_id == cid)
                .order_by(CanteenEvent.id.desc())
                .limit(EVENTS_SHOWN)
            )
            .scalars()
            .all()
        )
        events_total = s.scalar(
            select(func.count()).select_from(CanteenEvent).where(CanteenEvent.commune_id == cid)
        )
        imports = s.scalars(
            select(CanteenImport)
            .where(CanteenImport.commune_id == cid)
            .order_by(CanteenImport.id.desc())
            .limit(5)
        ).all()
        runs = s.scalars(
            select(ForecastRun)
            .where(ForecastRun.commune_id == cid)
            .order_by(ForecastRun.id.desc())
            .limit(20)
        ).all()
    return {
        "history": {"first": first, "last": last, "rows": n},
        "canteens": canteens,
        "events_shown": EVENTS_SHOWN,
        "events_total": events_total,
        "events": [
            {
                "day": e.day,
                "canteen": names.get(e.canteen_id, "Toutes"),
                "kind": KIND_LABELS.get(e.kind, e.kind),
                "comment": e.comment,
                "delta": e.delta,
            }
            for e in events
        ],
        "imports": imports,
        "runs": runs,
        "kinds": KIND_LABELS,
        "categories": CATEGORY_LABELS,
        "model": _model_status(cid),
    }


def _model_status(commune_id: int) -> dict:
    """The saved model's watermark and the latest retraining job, for the history section."""

    from communia.core.errors import CommuniaError
    from communia.core.jobs import list_jobs
    from communia.modules.canteen.artifact import read_header
    from communia.modules.canteen.store import model_path

    out: dict = {"header": None, "job": None}
    path = model_path(commune_id)
    if path.exists():
        try:
            header = read_header(path)
            out["header"] = {
                "trained_at": dt.datetime.fromisoformat(header["trained_at"]),
                "last_date": dt.date.fromisoformat(header["history_last_date"]),
                "rows": header.get("history_rows", 0),
            }
        except (CommuniaError, KeyError, ValueError):
            out["header"] = None
    jobs = [j for j in list_jobs(commune_id=commune_id, limit=100) if j.name == "canteen.train"]
    out["job"] = jobs[0] if jobs else None
    return out


def grouped_rejects(
    rejected: list[dict], *, most: int = 15, examples: int = 3
) -> tuple[list[str], str]:
    """The refused lines of an import, one line per file and reason, the most frequent first
    (then in the report's order):
    « 1 250 lignes : cantine inconnue « X » (frequentation.csv, lignes 12, 57, 98…) »; beyond
    ``most`` reasons, what is left in one line (« … et 4 autres motifs, 9 lignes »)."""
    groups: dict[tuple[str, str], list[int]] = {}
    for row in rejected:
        groups.setdefault((row["source"], row["reason"]), []).append(row["line"])
    ordered = sorted(groups.items(), key=lambda item: -len(item[1]))  # stable: file order
    shown = []
    for (source, reason), lines in ordered[:most]:
        lines = sorted(lines)
        numbers = ", ".join(str(n) for n in lines[:examples]) + (
            "…" if len(lines) > examples else ""
        )
        where = "ligne" if len(lines) == 1 else "lignes"
        shown.append(
            f"{_count(len(lines), 'ligne', 'lignes')} : {reason} ({source}, {where} {numbers})"
        )
    left = ordered[most:]
    rest = ""
    if left:
        n_lines = sum(len(lines) for _key, lines in left)
        rest = (
            f"… et {_count(len(left), 'autre motif', 'autres motifs')}, "
            f"{_count(n_lines, 'ligne', 'lignes')}"
        )
    return shown, rest


def _count(count: int, one: str, many: str) -> str:
    """« 1 ligne », « 1 250 lignes »."""
    return f"1 {one}" if count == 1 else f"{fr_number(count)} {many}"


def _days(count: int) -> str:
    """« 1 jour-cantine enregistré », « 2 508 jours-cantines enregistrés »."""
    return _count(count, "jour-cantine enregistré", "jours-cantines enregistrés")


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("", response_class=HTMLResponse)
    def home(request: Request, actor: Actor = Depends(require_actor)):
        return render(request, "canteen/home.html", _overview(actor))

    @router.post("/import", response_class=HTMLResponse)
    async def import_file(
        request: Request, fichier: UploadFile = File(...), actor: Actor = Depends(require_actor)
    ):
        import tempfile
        from pathlib import Path

        from starlette.concurrency import run_in_threadpool

        from communia.modules.canteen import store
        from communia.modules.canteen.io import load_upload

        form = await request.form()
        check_csrf(request, actor, str(form.get("csrf_token", "")))
        name = Path(fichier.filename or "import.csv").name
        suffix = Path(name).suffix.lower()
        raw = await fichier.read()
        skip_unmapped = form.get("sans_sites_absents") == "oui"

        def _do():
            # Refusals are shown on the canteen page itself, like a rejected line.
            if suffix not in (".csv", ".xlsx", ".zip"):
                raise InvalidInput(
                    f"« {name} » n'est pas un fichier CSV, XLSX ou ZIP (voir le modèle à remplir)."
                )
            if len(raw) > MAX_IMPORT_MB * 1024 * 1024:
                raise InvalidInput(f"Fichier trop volumineux ({MAX_IMPORT_MB} Mo au plus).")
            with read_session() as s:
                known = store.canteen_names(s, actor.commune_id)
            with tempfile.TemporaryDirectory() as tmp:
                # The manager's own file name, so that error messages name the file they chose
                # (a single CSV or XLSX is read as the « frequentation » table whatever its name).
                path = Path(tmp) / (name if len(name.encode()) <= 200 else "import" + suffix)
                path.write_bytes(raw)
                data = load_upload(path, known_canteens=known, skip_unmapped=skip_unmapped)
            with write_session() as s:
                store.import_data(s, actor.commune_id, data, filename=name, actor=actor.email)
            return data

        try:
            data = await run_in_threadpool(_do)
        except (InvalidInput, TooLarge) as exc:  # TooLarge: a ZIP bomb
            ctx = _overview(actor)
            ctx["errors"] = exc.message.split("\n")[0]
            ctx["skip_unmapped"] = skip_unmapped
            rejected = exc.details.get("rejected", [])
            ctx["n_rejects"] = len(rejected)
            ctx["rejects"], ctx["more_rejects"] = grouped_rejects(rejected)
            return render(request, "canteen/home.html", ctx, status_code=exc.http_status)
        # New history: the model retrains in the background (progress on the job's page).
        job = submit_training(actor)
        left_out = "".join(f" {n}" for n in data.report.left_out)
        return redirect_with_flash(
            "/app/canteen",
            f"Import accepté : {_days(len(data.attendance))}.{left_out} Le modèle est "
            f"réentraîné en arrière-plan (tâche n° {job.id}).",
        )

    @router.get("/modele.xlsx")
    def template(actor: Actor = Depends(require_actor)):
        import tempfile
        from pathlib import Path

        from communia.modules.canteen.io import write_template

        with tempfile.TemporaryDirectory() as tmp:
            body = write_template(Path(tmp) / "modele.xlsx").read_bytes()
        return Response(
            body,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": 'attachment; filename="modele-cantines.xlsx"'},
        )

    @router.post("/evenements")
    def add_event(
        request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
    ):
        from communia.modules.canteen import store

        check_csrf(request, actor, form.get("csrf_token"))
        delta = form.get("ecart", "").strip()
        try:
            delta_value = float(delta.replace(",", ".")) if delta else None
        except ValueError as exc:
            raise InvalidInput(f"Écart de repas invalide « {delta} ».") from exc
        with write_session() as s:
            event = store.add_event(
                s,
                actor.commune_id,
                day=parse_day(form.get("date", ""), "Date de l'événement"),
                kind=form.get("type", ""),
                canteen=form.get("cantine", ""),
                comment=form.get("commentaire", ""),
                delta=delta_value,
                actor=actor.email,
            )
        return redirect_with_flash(
            "/app/canteen",
            "Événement enregistré : il sera pris en compte dans les prochaines prévisions."
            if event is not None
            else "Cet événement était déjà enregistré : il n'a pas été ajouté une seconde fois.",
        )

    @router.post("/feuilles")
    def new_sheet(
        request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
    ):
        check_csrf(request, actor, form.get("csrf_token"))
        job = submit_forecast(
            actor,
            start=form.get("debut", ""),
            end=form.get("fin", ""),
            service_level=form.get("niveau", "0.95"),
        )
        return redirect_with_flash(
            f"/app/taches/{job.id}",
            "Calcul des commandes lancé : la feuille sera prête dans quelques instants.",
        )

    @router.get("/feuilles/{run_id}", response_class=HTMLResponse)
    def sheet(request: Request, run_id: int, actor: Actor = Depends(require_actor)):
        from communia.modules.canteen import store
        from communia.modules.canteen.exports import drivers_text, kitchen_totals

        with read_session() as s:
            run, table = store.order_sheet(s, actor.commune_id, run_id)
        totals = kitchen_totals(table) if len(table) else None
        return render(
            request,
            "canteen/sheet.html",
            {
                "run": run,
                "rows": []
                if table.empty
                else table.assign(explanation=[drivers_text(d) for d in table["drivers"]]).to_dict(
                    "records"
                ),
                "totals": [] if totals is None else totals.to_dict("records"),
                "chart": _chart(totals) if totals is not None else "",
                "after": store.after_the_fact(table) if len(table) else {"days": 0},
            },
        )

    @router.post("/feuilles/{run_id}/valider")
    def validate(
        request: Request,
        run_id: int,
        actor: Actor = Depends(require_actor),
        form: dict = Depends(form_data),
    ):
        from communia.modules.canteen import store

        check_csrf(request, actor, form.get("csrf_token"))
        with write_session() as s:
            store.validate_run(s, actor.commune_id, run_id=run_id, actor=actor.email)
        return redirect_with_flash(
            f"/app/canteen/feuilles/{run_id}", "Feuille de commande validée."
        )

    @router.post("/feuilles/{run_id}/lignes/{line_id}")
    def override(
        request: Request,
        run_id: int,
        line_id: int,
        actor: Actor = Depends(require_actor),
        form: dict = Depends(form_data),
    ):
        from communia.modules.canteen import store

        check_csrf(request, actor, form.get("csrf_token"))
        value = form.get("commande", "").strip()
        if not value.isdigit():
            raise InvalidInput(f"Commande invalide « {value} » : un nombre entier de repas.")
        with write_session() as s:
            store.set_manual_order(
                s,
                actor.commune_id,
                run_id=run_id,
                line_id=line_id,
                meals=int(value),
                actor=actor.email,
            )
        return redirect_with_flash(f"/app/canteen/feuilles/{run_id}", "Commande modifiée.")

    @router.post("/plats")
    def dish_category(
        request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
    ):
        from communia.modules.canteen import store

        check_csrf(request, actor, form.get("csrf_token"))
        dish = form.get("plat", "").strip()
        if not dish:
            raise InvalidInput("Indiquez le plat à corriger.")
        with write_session() as s:
            store.set_dish_category(
                s,
                actor.commune_id,
                dish=dish,
                category=form.get("categorie", ""),
                actor=actor.email,
            )
        return redirect_with_flash("/app/canteen", f"Catégorie du plat « {dish} » enregistrée.")

    @router.get("/feuilles/{run_id}/export.{fmt}")
    def export(run_id: int, fmt: str, actor: Actor = Depends(require_actor)):
        from communia.modules.canteen import exports, store

        with read_session() as s:
            run, table = store.order_sheet(s, actor.commune_id, run_id)
        if table.empty:
            raise InvalidInput("Feuille vide : rien à exporter.")
        title = f"Commandes de repas du {fr_date(run.start)} au {fr_date(run.end)}"
        subtitle = (
            f"{actor.commune_name}. Niveau de service {fr_number(100 * run.service_level)} % ; "
            f"historique jusqu'au {fr_date(run.history_last_date) or '?'}. "
            + (
                "Feuille validée par le gestionnaire."
                if run.status == "validee"
                else "Proposition calculée par un modèle statistique (intelligence "
                "artificielle), à vérifier et valider par le gestionnaire avant commande."
            )
        )
        made = f"{actor.commune_name} — commandes de repas, feuille n° {run_id} — " + (
            f"Communia, le {fr_datetime(utcnow())}"
        )
        if fmt == "csv":
            body, media = exports.to_csv(table), "text/csv; charset=utf-8"
        elif fmt == "xlsx":
            body = exports.to_xlsx(table, about=(title, subtitle, made))
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        elif fmt == "pdf":
            body = exports.to_pdf(table, title=title, subtitle=subtitle, footer=made)
            media = "application/pdf"
        else:
            raise InvalidInput("Format d'export inconnu (csv, xlsx ou pdf).")
        return Response(
            body,
            media_type=media,
            headers={"content-disposition": f'attachment; filename="commandes-{run_id}.{fmt}"'},
        )

    return router


def _chart(totals) -> str:
    """Inline SVG: forecast, order and meals served per day (city total), with the days
    (« 4 sept. ») under the x-axis and meal counts beside the y-axis."""
    import math

    from communia.core.charts import axis_ticks, date_axis_svg, y_axis_svg

    if totals is None or totals.empty:
        return ""
    w, h, left, right, top_pad, bottom_pad = 720, 250, 58, 16, 22, 58
    series = {
        "forecast": ("#1f5fa8", "Repas prévus"),
        "order": ("#c77700", "Commande"),
        "served": ("#2e7d32", "Repas servis"),
    }
    values = [float(v) for col in series if col in totals for v in totals[col] if v == v]
    ticks, decimals = axis_ticks(min(values) * 0.95, max(values)) if values else ([0, 1], 0)
    bottom, top = ticks[0], ticks[-1]
    n = len(totals)

    def x(i: int) -> float:
        return left + (w - left - right) * (i / max(n - 1, 1))

    def y(v: float) -> float:
        return h - bottom_pad - (h - bottom_pad - top_pad) * ((v - bottom) / (top - bottom))

    parts = [
        f'<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="chart-title" class="chart">',
        '<title id="chart-title">Total par jour : repas prévus, commandés et servis</title>',
        y_axis_svg(ticks, decimals, y, left=left, right=w - right, size=11, unit="repas"),
    ]
    parts.append(date_axis_svg(list(totals["date"]), x, axis_y=h - bottom_pad, size=11))
    for k, (col, (color, label)) in enumerate(series.items()):
        if col not in totals:
            continue
        pts = [
            f"{x(i):.1f},{y(v):.1f}"
            for i, v in enumerate(totals[col])
            if not (isinstance(v, float) and math.isnan(v))
        ]
        if pts:
            points = " ".join(pts)
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>'
            )
            parts.append(
                f'<text x="{left + 160 * k}" y="{h - 8}" font-size="12" '
                f'fill="{color}">■ {label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
