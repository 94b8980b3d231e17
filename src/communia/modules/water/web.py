"""The water page an agent opens: map, district flows, alerts to act on, pipe risk, exports."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from communia.core.db import read_session, write_session
from communia.core.errors import InvalidInput
from communia.core.users import Actor
from communia.modules.water import MAX_UPLOAD_MB, service
from communia.modules.water.models import ALERT_STATUSES, RUNNING_STATUSES
from communia.modules.water.tasks import LONG_CSV
from communia.web.forms import form_data
from communia.web.rendering import csv_download, redirect_with_flash, render
from communia.web.security import check_csrf, require_actor

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_DECISIONS = {"confirmee": "Confirmée", "rejetee": "Rejetée", "reparee": "Réparée"}


def _km(value: str | float | None) -> float:
    try:
        km = float(str(value).replace(",", ".")) if value not in (None, "") else 1.0
    except ValueError as exc:
        raise InvalidInput(
            "Budget de renouvellement invalide : indiquez des km par an (ex. 1,5)."
        ) from exc
    if not 0 < km <= 1000:
        raise InvalidInput(
            "Le budget de renouvellement doit être compris entre 0 et 1 000 km par an."
        )
    return km


def _highlight(alerts) -> dict[str, float]:
    """Suspected pipes of the open alerts, weighted by their share of the posterior."""
    weights: dict[str, float] = {}
    for alert in alerts:
        if alert.status not in RUNNING_STATUSES:
            continue
        cands = alert.candidates or [[alert.pipe, 1.0]]
        top = max((w for _p, w in cands), default=1.0) or 1.0
        for pipe, w in cands[:5]:
            if w >= 0.2 * top:
                weights[pipe] = max(weights.get(pipe, 0.0), 0.3 + 0.7 * w / top)
        weights[alert.pipe] = 1.0
    return weights


@router.get("", response_class=HTMLResponse)
def page(request: Request, km: str = "", actor: Actor = Depends(require_actor)):
    return _water_page(request, actor, km=km)


def _water_page(request: Request, actor: Actor, *, km: str = "", upload_error: str = ""):
    """The water page; a mistyped budget or a refused telemetry upload is said beside its
    field, on the page itself (not on an error page that loses the map and the alerts); the
    plan shown meanwhile is the default budget's."""
    try:
        budget, km_error = _km(km), ""
    except InvalidInput as exc:
        budget, km_error = _km(""), exc.message
    with read_session() as s:
        network = service.latest_network(s, actor.commune_id)
        run = service.latest_run(s, actor.commune_id)
        alerts = service.list_alerts(s, actor.commune_id)
        risks = service.risk_rows(s, actor.commune_id)
        plan = service.renewal_plan_rows(risks, km_per_year=budget) if risks else []
        map_svg = (
            service.network_svg(network.inp_text, highlight=_highlight(alerts)) if network else ""
        )
        charts = (
            {area: service.flow_chart_svg(series) for area, series in (run.daily or {}).items()}
            if run
            else {}
        )
        open_alerts = [a for a in alerts if a.status in RUNNING_STATUSES]
        evidence = {a.id: service.evidence_svg(a.evidence or {}) for a in open_alerts}
        # The proposed pipe is the one with most posterior within 300 m, not always the top
        # candidate: the « autres » are the candidates other than it.
        others = {
            a.id: [(p, w) for p, w in (a.candidates or []) if p != a.pipe][:4] for a in open_alerts
        }
        notes = service.alert_notes(open_alerts)
        closed = [a for a in alerts if a.status not in RUNNING_STATUSES]
        names = service.area_names(s, actor.commune_id)
        context = {
            "network": network,
            "run": run,
            "map_svg": map_svg,
            "charts": charts,
            "open_alerts": open_alerts,
            "evidence": evidence,
            "others": others,
            "notes": notes,
            "closed_alerts": closed[:30],
            "n_closed": len(closed),
            "statuses": ALERT_STATUSES,
            "methods": service.METHOD_LABELS,
            "area_label": lambda area: service.area_label(area, names),
            "area_names": names,
            "numbered_label": service.area_label,
            "decisions": _DECISIONS,
            "risks": risks[:30],
            "n_risks": len(risks),
            "plan": plan,
            "km": budget,
            "km_typed": km if km_error else None,
            "km_error": km_error,
            "upload_error": upload_error,
            "plan_km": round(sum(r["longueur_m"] for r in plan) / 1000.0, 2),
        }
        failed = km_error or upload_error
        return render(request, "water/index.html", context, status_code=422 if failed else 200)


def _is_long_csv(raw: bytes) -> bool:
    """Whether a CSV's header is the generic long format's (``sensor,time,value,unit``)."""
    header = raw[:200].decode("utf-8-sig", errors="replace").splitlines()[:1]
    return bool(header) and {"sensor", "time", "value", "unit"} <= {
        c.strip().strip('"').lower() for c in header[0].split(",")
    }


_SCADA_NAME = re.compile(r"(pressures|flows|levels|demands)\.csv(\.gz)?", re.IGNORECASE)
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_ZIP_MEMBERS = 20


def _collect_upload(
    files: list[tuple[str, bytes]],
) -> tuple[dict[str, bytes], tuple[str, str] | None]:
    """SCADA files (canonical name -> bytes) and the optional ``.inp`` from the uploaded files.

    Accepts the four BattLeDIM files (``.csv`` or ``.csv.gz``), or one CSV in the generic long
    format (``sensor,time,value,unit``, stored as ``LONG_CSV``), and/or a ZIP holding them; an
    ``.inp`` may come along. Anything else is refused with the list of what is expected.
    """
    from communia.core.documents import ZipLimits, get_limits, unzip

    limits = ZipLimits(
        max_members=MAX_ZIP_MEMBERS,
        max_unpacked_bytes=MAX_UPLOAD_BYTES,
        max_ratio=get_limits().max_compression_ratio,
    )
    scada: dict[str, bytes] = {}
    inp: tuple[str, str] | None = None
    total = 0

    def add(name: str, raw: bytes) -> None:
        nonlocal inp, total
        base = Path(name).name
        total += len(raw)
        if total > MAX_UPLOAD_BYTES:
            raise InvalidInput(
                f"Télérelève trop volumineuse ({MAX_UPLOAD_MB} Mo au plus, décompressée)."
            )
        match = _SCADA_NAME.fullmatch(base)
        if match:
            stem = match.group(1).capitalize()
            scada[f"{stem}.csv{'.gz' if match.group(2) else ''}"] = raw
        elif base.lower().endswith(".inp"):
            inp = (base, raw.decode("utf-8", errors="replace"))
        elif base.lower().endswith(".csv") and _is_long_csv(raw):
            if LONG_CSV in scada:
                raise InvalidInput("Un seul fichier de mesures au format long à la fois.")
            scada[LONG_CSV] = raw
        else:
            raise InvalidInput(
                f"Fichier inattendu : {base}. Attendus : Pressures, Flows, Levels, Demands "
                "(.csv ou .csv.gz) ou un fichier de mesures CSV au format long "
                "(colonnes sensor,time,value,unit), éventuellement le modèle .inp, ou une "
                "archive ZIP les contenant."
            )

    for name, raw in files:
        if name.lower().endswith(".zip"):
            for member, data in unzip(raw, name=Path(name).name, limits=limits):
                add(member, data)
        else:
            add(name, raw)
    if LONG_CSV in scada:
        if len(scada) > 1:
            raise InvalidInput(
                "Déposez soit les fichiers BattLeDIM (Pressures, Flows…), soit un fichier de "
                "mesures au format long, pas les deux."
            )
        return scada, inp
    if not any(k.startswith("Flows") for k in scada):
        raise InvalidInput(
            "Flows.csv (débits) manquant : le bilan d'eau par secteur en a besoin. "
            "Joignez au moins Flows.csv et, si possible, Pressures, Levels et Demands."
        )
    return scada, inp


@router.post("/telereleve")
async def upload_scada(
    request: Request,
    fichiers: list[UploadFile] = File(...),
    actor: Actor = Depends(require_actor),
):
    """Upload a period of telemetry (ZIP or the CSV files): detection runs as a background job."""
    import secrets
    import shutil

    from starlette.concurrency import run_in_threadpool

    from communia.core.jobs import submit
    from communia.core.settings import get_settings

    form = await request.form()
    check_csrf(request, actor, str(form.get("csrf_token", "")))
    files = [(f.filename or "", await f.read()) for f in fichiers if f.filename]
    if not files:
        return _water_page(
            request, actor, upload_error="Aucun fichier reçu : choisissez la télérelève à analyser."
        )

    def _prepare() -> int:
        scada, inp = _collect_upload(files)
        folder = (
            Path(get_settings().data_dir)
            / "water"
            / "uploads"
            / str(actor.commune_id)
            / secrets.token_hex(8)
        )
        with write_session() as s:
            if inp is not None:
                # the model must parse before anything is stored
                from communia.modules.water.network import network_file, read_network

                with network_file(inp[1]) as path:
                    read_network(path)
                network = service.save_network(
                    s,
                    commune_id=actor.commune_id,
                    name=inp[0],
                    inp_text=inp[1],
                    actor=actor.email,
                )
            else:
                network = service.latest_network(s, actor.commune_id)
                if network is None:
                    raise InvalidInput(
                        "Aucun modèle de réseau enregistré pour la commune : joignez le fichier "
                        ".inp (EPANET) à la télérelève."
                    )
            network_id = network.id
        try:
            folder.mkdir(parents=True)
            for name, raw in scada.items():
                (folder / name).write_bytes(raw)
            job = submit(
                "water.detect",
                {
                    "commune_id": actor.commune_id,
                    "folder": str(folder),
                    "network_id": network_id,
                    "actor": actor.email,
                },
                commune_id=actor.commune_id,
                created_by=actor.email,
            )
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return job.id

    try:
        job_id = await run_in_threadpool(_prepare)
    except InvalidInput as exc:
        return _water_page(request, actor, upload_error=exc.message)
    return redirect_with_flash(
        f"/app/taches/{job_id}", "Télérelève reçue : la détection des fuites est lancée."
    )


@router.post("/alertes/{alert_id}")
def decide(
    request: Request,
    alert_id: int,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
):
    check_csrf(request, actor, form.get("csrf_token"))
    decision = form.get("decision", "")
    comment = str(form.get("commentaire", ""))
    try:
        with write_session() as s:
            alert = service.decide(
                s,
                commune_id=actor.commune_id,
                alert_id=alert_id,
                status=decision,
                actor=actor.email,
                comment=comment,
            )
            label = f"Alerte {alert.pipe} : {ALERT_STATUSES[alert.status].lower()}."
    except InvalidInput as exc:
        if not comment.strip():
            raise
        # the field notes typed for a refused decision are given back, not lost
        raise InvalidInput(
            f"{exc.message} Votre commentaire n'a pas été enregistré : « {comment.strip()} »."
        ) from exc
    return redirect_with_flash("/app/water#alertes", label)


@router.post("/secteurs")
def rename_areas(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    """Name the balance areas as the water service knows them."""
    check_csrf(request, actor, form.get("csrf_token"))
    names = {
        key.removeprefix("nom_"): value for key, value in form.items() if key.startswith("nom_")
    }
    with write_session() as s:
        service.rename_areas(s, commune_id=actor.commune_id, names=names, actor=actor.email)
    return redirect_with_flash("/app/water#debits", "Noms des secteurs enregistrés.")


@router.get("/alertes.csv")
def alerts_csv(actor: Actor = Depends(require_actor)):
    with read_session() as s:
        names = service.area_names(s, actor.commune_id)
        body = service.alerts_csv(service.list_alerts(s, actor.commune_id), names)
    return csv_download(body, "alertes-fuites.csv")


@router.get("/plan.csv")
def plan_csv(km: str = "", actor: Actor = Depends(require_actor)):
    budget = _km(km)
    with read_session() as s:
        plan = service.renewal_plan_rows(service.risk_rows(s, actor.commune_id), km_per_year=budget)
    return csv_download(service.plan_csv(plan), "plan-renouvellement.csv")


@router.get("/rapport.pdf")
def report(km: str = "", actor: Actor = Depends(require_actor)):
    from communia.core.models import Commune

    budget = _km(km)
    with read_session() as s:
        commune = s.get(Commune, actor.commune_id)
        risks = service.risk_rows(s, actor.commune_id)
        pdf = service.report_pdf(
            commune_name=commune.name if commune else actor.commune_slug,
            alerts=service.list_alerts(s, actor.commune_id),
            plan=service.renewal_plan_rows(risks, km_per_year=budget) if risks else [],
            km_per_year=budget,
            run=service.latest_run(s, actor.commune_id),
            risk_year=risks[0].year if risks else None,
            names=service.area_names(s, actor.commune_id),
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="rapport-eau.pdf"'},
    )
