"""The web application: core pages, JSON API, and every module's routers.

Errors are translated here, once: a ``CommuniaError`` becomes a French page (or JSON
under ``/api``) with its HTTP status; nothing else shows a stack trace.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from communia import __version__
from communia.core.errors import CommuniaError, ConfigurationError
from communia.core.registry import load_modules
from communia.core.settings import PLACEHOLDER_SECRET, Settings, get_settings
from communia.web.middleware import BodySizeLimit, SecurityHeaders
from communia.web.rendering import render
from communia.web.security import LoginRequired, deny_read_only_writes

__all__ = ["create_app"]

log = logging.getLogger("communia.web")
HERE = Path(__file__).parent

_STATUS_TEXT = {
    400: "Requête incorrecte",
    401: "Connexion requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    409: "Conflit de modification",
    413: "Envoi trop volumineux",
    422: "Données invalides",
    429: "Trop de tentatives",
    500: "Erreur interne",
    503: "Service momentanément indisponible",
}


def _wants_json(request: Request) -> bool:
    """The API, and the files a program downloads (``/c/<commune>/algorithmes.json``)."""
    path = request.url.path
    return path.startswith(("/api/", "/v1/")) or path.endswith(".json")


def _error(request: Request, status: int, message: str, code: str = "erreur") -> Response:
    if request.url.path.startswith("/v1/"):  # the OpenAI-compatible API: its clients' shape
        from communia.core.llm.api import openai_error

        return openai_error(status, message, code)
    if _wants_json(request):
        return JSONResponse({"error": code, "message": message}, status_code=status)
    return render(
        request,
        "error.html",
        {"status": status, "title": _STATUS_TEXT.get(status, "Erreur"), "message": message},
        status_code=status,
    )


def _check_production(settings: Settings) -> None:
    if settings.env == "production" and (
        settings.secret_key == PLACEHOLDER_SECRET or len(settings.secret_key) < 32
    ):
        raise ConfigurationError(
            "Démarrage refusé en production : COMMUNIA_SECRET_KEY a sa valeur par défaut ou "
            "fait moins de 32 caractères."
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    _check_production(settings)
    app = FastAPI(
        title="Communia",
        version=__version__,
        description="API JSON de Communia. Authentification : `Authorization: Bearer <jeton>` "
        "(jeton créé dans « Mon compte » ou par `communia users token`, valable 90 jours par "
        "défaut ; un jeton expiré reçoit une erreur 401).",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the Swagger UI would load scripts from a CDN: see web/apidocs.py
        redoc_url=None,
        dependencies=[Depends(deny_read_only_writes)],
    )
    app.add_middleware(SecurityHeaders)
    mib = 1024 * 1024
    app.add_middleware(
        BodySizeLimit,
        max_bytes=int(settings.max_request_mb * mib),
        # A module's page that takes a larger file (a year of telemetry) says so in its contract.
        paths={
            f"/app/{m.name}{path}": int(max(mb, settings.max_request_mb) * mib)
            for m in load_modules()
            for path, mb in m.upload_limits_mb.items()
        },
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(CommuniaError)
    async def _domain_error(request: Request, exc: CommuniaError):
        return _error(request, exc.http_status, exc.message, exc.code)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/connexion?suivant={quote(target)}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        fields = [".".join(str(p) for p in err["loc"][1:]) or "corps" for err in exc.errors()]
        message = "Données invalides ou incomplètes : " + ", ".join(dict.fromkeys(fields)) + "."
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            fields = ["corps"]  # pydantic names the position of the error, not a field
            message = "Le corps de la requête n'est pas du JSON valide."
        if request.url.path.startswith("/v1/"):
            return _error(request, 422, message, "donnees_invalides")
        if _wants_json(request):
            return JSONResponse(
                {"error": "donnees_invalides", "message": message, "details": {"champs": fields}},
                status_code=422,
            )
        if all(err["loc"][0] == "path" for err in exc.errors()):
            # /app/taches/abc is a page that does not exist, not a form to correct ("job_id").
            return _error(
                request, 404, "Cette page n'existe pas ou n'appartient pas à votre commune."
            )
        return _error(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        message = {
            404: "Cette page n'existe pas ou n'appartient pas à votre commune.",
            405: "Cette action n'est pas possible à cette adresse.",
        }.get(exc.status_code, str(exc.detail))
        return _error(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return _error(
            request,
            500,
            "Une erreur inattendue s'est produite. Rien n'a été enregistré à moitié ; "
            "réessayez, et si le problème persiste, signalez-le à l'administration de la commune.",
        )

    from communia.web import api, apidocs, pages

    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(apidocs.router)  # /api/v1/docs: the French reference, no script
    for module in load_modules():
        if module.web_router is not None:
            app.include_router(module.web_router(), prefix=f"/app/{module.name}")
        if module.public_router is not None:
            app.include_router(module.public_router(), prefix=f"/c/{{commune}}/{module.name}")
        if module.api_router is not None:
            app.include_router(module.api_router(), prefix=f"/api/v1/{module.name}")

    from communia.core.llm.api import openai_router

    app.include_router(openai_router())  # /v1: OpenAI-compatible API of the sovereign model
    from communia.core.jobs.web import install as install_jobs

    install_jobs(app)  # job pages and API; starts/stops the embedded worker with the app

    from communia.core.privacy.web import install as install_privacy

    install_privacy(app)  # /app/confidentialite: pseudonymise a pasted or uploaded text
    from communia.core.llm.web import install as install_llm_page

    install_llm_page(app)  # /app/llm: chat with the sovereign model (streams from /v1)
    return app
