"""Web adapter of the privacy service: the agents' page ``/app/confidentialite``.

An agent pastes a text or uploads a file (text, or a document the documents service reads:
PDF, DOCX, ODT, e-mail...), gets the pseudonymised text to copy or download, and (agents and
administrators) can re-identify a text with its table id. A refused submission comes back on
the same page with a French message and the pasted text kept.
Wire it into the app with ``install(app)``. Heavy imports stay in the handlers.
"""

from __future__ import annotations

import re
import threading

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from communia.core.errors import CommuniaError, InvalidInput, TooLarge
from communia.core.users import Actor

__all__ = ["page_router", "api_router", "install", "warm_up", "MAX_UPLOAD_BYTES", "upload_text"]

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
#: read as plain text (UTF-8, else Windows-1252: a web form has no encoding field)
_TEXT_TYPES = (".txt", ".md", ".csv", ".eml", ".html", ".htm", ".xml", ".json")


async def _read_form(request: Request) -> tuple[dict[str, str], bytes | None, str]:
    """Fields of the multipart form, plus the uploaded file (bytes, name) if any."""
    from communia.core.documents import get_limits

    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("fichier")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return fields, None, ""
    limit = max(MAX_UPLOAD_BYTES, get_limits().max_file_bytes)
    return fields, await upload.read(limit + 1), upload.filename


def upload_text(name: str, data: bytes) -> str:
    """The text of an uploaded file: text files decoded, documents read by the documents
    service (PDF text layer or OCR, DOCX, ODT...). French errors for what cannot be read."""
    from communia.core.privacy.pipeline import document_text

    if name.lower().endswith(_TEXT_TYPES) and b"\x00" not in data[:8192]:
        if len(data) > MAX_UPLOAD_BYTES:
            raise TooLarge("Fichier trop volumineux (2 Mo au plus pour un fichier texte).")
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        return data.decode("latin-1")
    return document_text(name, data)


def _download_name(name: str) -> str:
    """``courrier.docx`` → ``courrier-pseudonymise.txt``; idempotent, since the download form
    sends back the name shown on its button."""
    stem = re.sub(r"[^\w.-]+", "_", name.rsplit(".", 1)[0])[:60].removesuffix("-pseudonymise")
    return f"{stem or 'texte'}-pseudonymise.txt"


def _page(request: Request, context: dict, status_code: int = 200) -> HTMLResponse:
    """The page, with the size limit its file field announces."""
    from communia.core.documents import get_limits
    from communia.web.rendering import render

    limits = {"max_file_mb": get_limits().max_file_mb}
    return render(request, "privacy.html", {**limits, **context}, status_code=status_code)


def page_router() -> APIRouter:
    from communia.web.security import check_csrf, require_actor

    router = APIRouter(include_in_schema=False)

    @router.get("/app/confidentialite", response_class=HTMLResponse)
    def privacy_page(request: Request, actor: Actor = Depends(require_actor)):
        return _page(request, {"result": None})

    @router.post("/app/confidentialite", response_class=HTMLResponse)
    async def privacy_submit(request: Request, actor: Actor = Depends(require_actor)):
        from starlette.concurrency import run_in_threadpool

        fields, data, filename = await _read_form(request)
        check_csrf(request, actor, fields.get("csrf_token"))
        pasted = fields.get("texte", "")
        keep = fields.get("reversible") == "1" and actor.can_write  # a table is commune data
        try:
            # Reading a scanned PDF runs OCR: keep the event loop free.
            raw = pasted if data is None else await run_in_threadpool(upload_text, filename, data)
            if not raw.strip():
                raise InvalidInput(
                    f"« {filename} » ne contient aucun texte."
                    if data is not None
                    else "Collez un texte ou choisissez un fichier."
                )
            return await _pseudonymise_and_render(request, actor, raw, filename, keep)
        except (InvalidInput, TooLarge) as exc:  # back to the form, the pasted text kept
            return _page(
                request,
                {"result": None, "error": exc.message, "draft": pasted, "keep": keep},
                exc.http_status,
            )

    async def _pseudonymise_and_render(request, actor, raw, filename, keep):
        from starlette.concurrency import run_in_threadpool

        from communia.core.db import write_session
        from communia.core.privacy import LABELS, pseudonymise_detailed

        def work():
            if not keep:
                return pseudonymise_detailed(raw, commune_id=None, session=None)
            with write_session() as s:
                return pseudonymise_detailed(
                    raw, commune_id=actor.commune_id, session=s, actor=actor.email
                )

        result = await run_in_threadpool(work)  # spaCy is CPU-bound: keep the loop free
        counts = [(LABELS[k], v) for k, v in sorted(result.counts.items())]
        return _page(
            request,
            {
                "result": result,
                "counts": counts,
                "download_name": _download_name(filename or "texte"),
            },
        )

    @router.post("/app/confidentialite/telecharger")
    async def privacy_download(request: Request, actor: Actor = Depends(require_actor)):
        fields, _, _ = await _read_form(request)
        check_csrf(request, actor, fields.get("csrf_token"))
        name = _download_name(fields.get("nom", "texte"))
        return Response(
            fields.get("texte", ""),
            media_type="text/plain; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @router.post("/app/confidentialite/reidentifier", response_class=HTMLResponse)
    async def privacy_reidentify(request: Request, actor: Actor = Depends(require_actor)):
        from communia.core.db import write_session
        from communia.core.privacy import reidentify

        fields, _, _ = await _read_form(request)
        check_csrf(request, actor, fields.get("csrf_token"))
        text, mapping_id = fields.get("texte", ""), fields.get("correspondance", "").strip()
        try:
            with write_session() as s:
                restored = reidentify(
                    text,
                    mapping_id,
                    commune_id=actor.commune_id,
                    session=s,
                    role=actor.role,
                    actor=actor.email,
                )
        except CommuniaError as exc:  # back to the form, the id and the text kept
            return _page(
                request,
                {
                    "result": None,
                    "reid_error": exc.message,
                    "reid_draft": text,
                    "reid_id": mapping_id,
                },
                exc.http_status,
            )
        return _page(request, {"result": None, "restored": restored})

    return router


class TextIn(BaseModel):
    texte: str = Field(description="Texte à analyser (UTF-8).", examples=["M. Jean Dupont"])
    reversible: bool = Field(
        False,
        description="Conserver la table de correspondance chiffrée (pseudonymise ; refusé au "
        "conseil municipal, en lecture seule).",
    )


class ReidentifyIn(BaseModel):
    texte: str = Field(description="Texte contenant des alias.", examples=["Personne 1"])
    correspondance: str = Field(description="Identifiant de la table de correspondance.")


def api_router() -> APIRouter:
    """JSON API under ``/api/v1/privacy`` (same library calls as the page and the CLI)."""
    from starlette.concurrency import run_in_threadpool

    from communia.web.security import api_actor

    router = APIRouter(prefix="/api/v1/privacy", tags=["données personnelles"])

    @router.post("/scan", summary="Données personnelles repérées dans un texte")
    async def scan_endpoint(body: TextIn, actor: Actor = Depends(api_actor)) -> dict:
        from communia.core.privacy import scan

        result = await run_in_threadpool(scan, body.texte)
        return {
            "entites": [e.to_dict() for e in result.entities],
            "totaux": result.counts(),
            "modele": result.ner_model or None,
            "avertissements": result.warnings,
        }

    @router.post("/pseudonymise", summary="Remplace les données personnelles par des alias")
    async def pseudonymise_endpoint(body: TextIn, actor: Actor = Depends(api_actor)) -> dict:
        from communia.core.db import write_session
        from communia.core.privacy import pseudonymise_detailed
        from communia.core.users import require_write

        if body.reversible:
            require_write(actor)  # a table is commune data: not for an élu, as on the page

        def work():
            if not body.reversible:
                return pseudonymise_detailed(body.texte, commune_id=None, session=None)
            with write_session() as s:
                return pseudonymise_detailed(
                    body.texte, commune_id=actor.commune_id, session=s, actor=actor.email
                )

        res = await run_in_threadpool(work)
        return {
            "texte": res.text,
            "correspondance": res.mapping_id,
            "totaux": res.counts,
            "modele": res.ner_model or None,
            "avertissements": res.warnings,
        }

    @router.post("/reidentify", summary="Rétablit les données d'origine (agents, administrateurs)")
    def reidentify_endpoint(body: ReidentifyIn, actor: Actor = Depends(api_actor)) -> dict:
        from communia.core.db import write_session
        from communia.core.privacy import reidentify

        with write_session() as s:
            text = reidentify(
                body.texte,
                body.correspondance.strip(),
                commune_id=actor.commune_id,
                session=s,
                role=actor.role,
                actor=actor.email,
            )
        return {"texte": text}

    return router


def warm_up() -> threading.Thread:
    """Load the French NER model in a background thread and return that thread.

    Every citizen message has its personal data masked before it is stored, and the first
    load takes seconds: without this, the first message after a start (an emergency
    included) waits for it.
    """
    from communia.core.privacy.ner import ner_status

    thread = threading.Thread(target=ner_status, name="communia-ner-warm-up", daemon=True)
    thread.start()
    return thread


def install(app: FastAPI) -> None:
    """Mount the page and the API; start loading the NER model when the app starts."""
    from contextlib import asynccontextmanager

    app.include_router(page_router())
    app.include_router(api_router())
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application):
        application.state.ner_warm_up = warm_up()
        async with inner(application) as state:
            yield state

    app.router.lifespan_context = lifespan
