"""Pages of the use-case library: agents' catalogue and editor, citizens' public catalogue."""

from __future__ import annotations

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from communia.core.communes import commune_by_slug
from communia.core.db import read_session, write_session
from communia.core.errors import CommuniaError, InvalidInput, Unavailable
from communia.core.users import Actor, require_write
from communia.modules.usecases import service
from communia.modules.usecases.models import FIELD_LABELS, SIZES, STATUSES
from communia.web.forms import form_data
from communia.web.rendering import csv_download, redirect_with_flash, render
from communia.web.security import check_csrf, optional_actor, require_actor

__all__ = ["router", "public_router"]

router = APIRouter(include_in_schema=False)
public_router = APIRouter(include_in_schema=False)
_CTX = {"statuses": STATUSES, "sizes": SIZES, "labels": FIELD_LABELS}


@router.get("", response_class=HTMLResponse)
def catalogue(
    request: Request,
    q: str = "",
    statut: str = "",
    taille: str = "",
    actor: Actor = Depends(require_actor),
):
    with read_session() as s:
        cases = service.search(s, actor, query=q, status=statut, size=taille)
    return render(
        request,
        "usecases/list.html",
        {**_CTX, "cases": cases, "q": q, "statut": statut, "taille": taille, "public": False},
    )


def _catalogue_refusal(request: Request, actor: Actor, status_code: int, **context):
    """The catalogue again, with what was refused (a file, another instance's address)."""
    with read_session() as s:
        cases = service.search(s, actor)
    return render(
        request,
        "usecases/list.html",
        {**_CTX, "cases": cases, "q": "", "statut": "", "taille": "", "public": False, **context},
        status_code=status_code,
    )


@router.get("/export.{fmt}")
def export(fmt: str, actor: Actor = Depends(require_actor)):
    with read_session() as s:
        cases = service.search(s, actor, limit=100_000)
        if fmt == "csv":  # with a BOM, like every CSV download, so a spreadsheet reads accents
            return csv_download(service.export_csv(cases), "cas-usage.csv")
        if fmt == "json":
            import json

            body = json.dumps(service.export_json(cases), ensure_ascii=False, indent=2).encode()
            media = "application/json"
        else:
            raise InvalidInput("Format d'export inconnu (json ou csv).")
    return Response(
        body,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="cas-usage.{fmt}"'},
    )


@router.post("/import", response_class=HTMLResponse)
async def import_file(
    request: Request, fichier: UploadFile = File(...), actor: Actor = Depends(require_actor)
):
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    check_csrf(request, actor, str(form.get("csrf_token", "")))
    raw = await fichier.read()

    def _do():
        records = service.parse_import(raw, filename=fichier.filename or "")
        with write_session() as s:
            return service.import_records(
                s, records, source=f"fichier {fichier.filename}", by=actor.email
            )

    try:
        report = await run_in_threadpool(_do)
    except InvalidInput as exc:
        return _catalogue_refusal(
            request,
            actor,
            422,
            errors=exc.message,
            rejects=exc.details.get("rejets", []),
        )
    return redirect_with_flash(
        "/app/usecases",
        f"Import terminé : {service.import_summary(report)}.",
    )


@router.post("/federation")
def federation(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    check_csrf(request, actor, form.get("csrf_token"))
    url = form.get("url", "").strip()
    try:
        with write_session() as s:
            report = service.pull(s, url, by=actor.email)
    except (InvalidInput, Unavailable) as exc:  # next to the form, the address kept
        return _catalogue_refusal(
            request, actor, exc.http_status, federation_error=exc.message, federation_url=url
        )
    return redirect_with_flash(
        "/app/usecases",
        f"Catalogue récupéré : {service.import_summary(report)}.",
    )


@router.get("/{case_id}", response_class=HTMLResponse)
def case_form(request: Request, case_id: str, actor: Actor = Depends(require_actor)):
    case = None
    if case_id == "nouveau":
        require_write(actor)  # an élu would find an empty form with no button
    else:
        with read_session() as s:
            case = service.get_case(s, actor, _id(case_id))
    return render(request, "usecases/form.html", {**_CTX, "case": case, "errors": None})


@router.post("/{case_id}", response_class=HTMLResponse)
def case_save(
    request: Request,
    case_id: str,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
):
    check_csrf(request, actor, form.get("csrf_token"))
    cid = None if case_id == "nouveau" else _id(case_id)
    try:
        with write_session() as s:
            case = service.save_case(
                s,
                actor,
                form,
                case_id=cid,
                expected_version=int(form["version"]) if form.get("version") else None,
            )
            new_id = case.id
    except CommuniaError as exc:
        if exc.http_status not in (409, 422):
            raise
        return render(
            request,
            "usecases/form.html",
            {**_CTX, "case": None, "draft": form, "errors": exc.message},
            status_code=exc.http_status,
        )
    return redirect_with_flash(f"/app/usecases/{new_id}", "Cas d'usage enregistré.")


def _id(value: str) -> int:
    if not value.isdigit():
        raise service.NotFound("Ce cas d'usage n'existe pas.")
    return int(value)


@public_router.get("", response_class=HTMLResponse)
def public_catalogue(
    request: Request,
    commune: str,
    q: str = "",
    statut: str = "",
    taille: str = "",
    actor: Actor | None = Depends(optional_actor),
):
    with read_session() as s:
        commune_obj = commune_by_slug(s, commune)
        cases = service.search(s, None, query=q, status=statut, size=taille)
    return render(
        request,
        "usecases/list.html",
        {
            **_CTX,
            "cases": cases,
            "q": q,
            "statut": statut,
            "taille": taille,
            "public": True,
            "commune": commune_obj,
        },
    )
