"""Server-rendered pages: public commune pages, login, agents' dashboard and administration.

Each handler parses, makes one library call in a transaction, and renders.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from communia.core import audit as audit_lib
from communia.core import communes as communes_lib
from communia.core import users as users_lib
from communia.core.db import read_session, write_session
from communia.core.errors import CommuniaError, InvalidInput
from communia.core.models import AuditEntry
from communia.core.registry import load_modules
from communia.core.security import PASSWORD_MIN_LENGTH, new_token
from communia.core.settings import get_settings
from communia.core.users import Actor
from communia.web.forms import form_data, form_list
from communia.web.rendering import csv_download, redirect_with_flash, render
from communia.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    optional_actor,
    require_actor,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/app"


def _modules_for(commune) -> list:
    enabled = set(commune.enabled_modules or [])
    return [m for m in load_modules() if m.name in enabled]


# ---------------------------------------------------------------- public side
@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: Actor | None = Depends(optional_actor)):
    with read_session() as s:
        communes = communes_lib.list_communes(s)
        if actor is not None:
            commune = s.get(communes_lib.Commune, actor.commune_id)
        elif len(communes) == 1:
            commune = communes[0]
        else:
            commune = None
        modules = _modules_for(commune) if commune else []
        services = communes_lib.list_services(s, commune.id) if commune else []
    return render(
        request,
        "home.html",
        {"communes": communes, "commune": commune, "modules": modules, "services": services},
    )


@router.get("/c/{slug}", response_class=HTMLResponse)
def commune_public(request: Request, slug: str, actor: Actor | None = Depends(optional_actor)):
    with read_session() as s:
        commune = communes_lib.commune_by_slug(s, slug)
        services = communes_lib.list_services(s, commune.id)
        modules = _modules_for(commune)
    return render(
        request,
        "commune_public.html",
        {
            "commune": commune,
            "services": services,
            "modules": modules,
            "format_hours": communes_lib.format_hours,
        },
    )


#: when the accessibility statement was last established (RGAA: the statement is dated)
ACCESSIBILITY_STATEMENT_DATE = "27 novembre 2026"


@router.get("/accessibilite", response_class=HTMLResponse)
def accessibility(request: Request, actor: Actor | None = Depends(optional_actor)):
    with read_session() as s:
        contacts = [
            {"name": c.name, "email": c.email, "phone": c.phone}
            for c in communes_lib.list_communes(s)
            if c.email or c.phone
        ]
    return render(
        request,
        "accessibilite.html",
        {"contacts": contacts, "statement_date": ACCESSIBILITY_STATEMENT_DATE},
    )


# ---------------------------------------------------------------- login
@router.get("/connexion", response_class=HTMLResponse)
def login_form(
    request: Request, suivant: str = "/app", actor: Actor | None = Depends(optional_actor)
):
    if actor is not None:
        return redirect_with_flash(_safe_next(suivant))
    return _login_page(request, _safe_next(suivant))


def _login_page(request: Request, suivant: str, *, status_code: int = 200, **context):
    """The login form with a fresh double-submit CSRF token (cookie + hidden field)."""
    settings = get_settings()
    token = new_token(24)
    demo = None
    if settings.demo:
        from communia.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

        demo = {"accounts": DEMO_ACCOUNTS, "password": DEMO_PASSWORD}
    response = render(
        request,
        "login.html",
        {"login_csrf": token, "suivant": suivant, "demo": demo, **context},
        status_code=status_code,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        max_age=3600,
    )
    return response


@router.post("/connexion")
def login(request: Request, form: dict = Depends(form_data)):
    settings = get_settings()
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    suivant = _safe_next(form.get("suivant"))
    if not cookie_token or form.get("csrf_token") != cookie_token:
        raise InvalidInput("Le formulaire de connexion a expiré. Rechargez la page et recommencez.")
    client = request.client.host if request.client else "inconnu"
    try:
        with write_session() as s:
            user = users_lib.authenticate(
                s, form.get("email", ""), form.get("password", ""), client=client
            )
            token, _row = users_lib.open_session(s, user)
    except CommuniaError as exc:
        if exc.http_status == 401:  # own transaction: the failed one was rolled back
            with write_session() as s:
                users_lib.record_login_failure(s, form.get("email", ""), client=client)
        return _login_page(
            request,
            suivant,
            status_code=exc.http_status,
            error=exc.message,
            email=form.get("email", ""),
        )
    response = redirect_with_flash(suivant)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=int(settings.session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/deconnexion")
def logout(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    check_csrf(request, actor, form.get("csrf_token"))
    with write_session() as s:
        users_lib.close_session(s, request.cookies.get(SESSION_COOKIE, ""))
    response = redirect_with_flash("/", "Déconnexion effectuée.")
    response.delete_cookie(SESSION_COOKIE)
    return response


# ---------------------------------------------------------------- agents
@router.get("/app", response_class=HTMLResponse)
def dashboard(request: Request, actor: Actor = Depends(require_actor)):
    with read_session() as s:
        commune = communes_lib.get_commune(s, actor)
        modules = _modules_for(commune)
        attention = {m.name: m.attention(s, commune.id) for m in modules if m.attention}
        recent = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.commune_id == actor.commune_id)
            .order_by(AuditEntry.seq.desc())
            .limit(8)
        ).all()
    return render(
        request,
        "dashboard.html",
        {"commune": commune, "modules": modules, "attention": attention, "recent": recent},
    )


def _account_page(request: Request, actor: Actor, new_token: str | None = None):
    with read_session() as s:
        tokens = users_lib.list_api_tokens(s, actor)
    context = {
        "new_token": new_token,
        "tokens": tokens,
        "token_days": get_settings().api_token_days,
        "token_max_days": users_lib.API_TOKEN_MAX_DAYS,
        "password_min_length": PASSWORD_MIN_LENGTH,
    }
    return render(request, "account.html", context)


@router.get("/app/compte", response_class=HTMLResponse)
def account(request: Request, actor: Actor = Depends(require_actor)):
    return _account_page(request, actor)


@router.post("/app/compte/jeton", response_class=HTMLResponse)
def account_token(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    check_csrf(request, actor, form.get("csrf_token"))
    days = form.get("jours", "").strip()
    if days and not days.isdigit():
        raise InvalidInput(f"Durée de validité invalide : « {days} » (un nombre de jours).")
    with write_session() as s:
        token = users_lib.create_api_token(
            s,
            actor,
            label=form.get("label", "")[:200] or "Jeton web",
            days=int(days) if days else None,
        )
    return _account_page(request, actor, token)


@router.post("/app/compte/jetons/{token_id}/revoquer")
def account_token_revoke(
    request: Request,
    token_id: int,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
):
    check_csrf(request, actor, form.get("csrf_token"))
    with write_session() as s:
        label = users_lib.revoke_api_token(s, actor, token_id).label
    return redirect_with_flash(
        "/app/compte", f"Jeton « {label} » révoqué : il ne donne plus accès à l'API."
    )


@router.post("/app/compte/mot-de-passe")
def account_password(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    check_csrf(request, actor, form.get("csrf_token"))
    new = form.get("nouveau", "")
    if new != form.get("confirmation", ""):
        raise InvalidInput(
            "Les deux saisies du nouveau mot de passe diffèrent : rien n'a été changé."
        )
    with write_session() as s:
        closed = users_lib.change_own_password(s, actor, current=form.get("actuel", ""), new=new)
    others = {0: "", 1: " Votre autre session ouverte a été fermée."}.get(
        closed, f" Vos {closed} autres sessions ouvertes ont été fermées."
    )
    return redirect_with_flash("/app/compte", "Mot de passe changé." + others)


@router.get("/app/commune", response_class=HTMLResponse)
def commune_profile(request: Request, actor: Actor = Depends(require_actor)):
    with read_session() as s:
        commune = communes_lib.get_commune(s, actor)
    return _commune_page(request, commune)


def _commune_page(
    request: Request, commune, errors: str | None = None, status_code: int = 200, **extra
):
    """The administration page: profile, modules, sovereignty policy of the language model."""
    from communia.core.llm.config import LOCAL_BACKEND, get_llm_settings, policy_from_settings

    context = {
        "commune": commune,
        "modules": load_modules(),
        "errors": errors,
        "llm_policy": policy_from_settings(commune.settings),
        "llm_endpoints": get_llm_settings().endpoints,
        "llm_local": LOCAL_BACKEND,
        **extra,
    }
    return render(request, "admin_commune.html", context, status_code=status_code)


@router.post("/app/commune", response_class=HTMLResponse)
def commune_profile_save(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    check_csrf(request, actor, form.get("csrf_token"))
    data = {k: form.get(k, "") for k in communes_lib.PROFILE_FIELDS}
    try:
        with write_session() as s:
            communes_lib.update_profile(
                s, actor, data, expected_version=int(form.get("version") or 0)
            )
    except CommuniaError as exc:
        if exc.http_status not in (409, 422):
            raise
        with read_session() as s:
            commune = communes_lib.get_commune(s, actor)
        for key, value in data.items():  # keep what the user typed
            setattr(commune, key, value)
        return _commune_page(request, commune, exc.message, exc.http_status)
    return redirect_with_flash("/app/commune", "Profil de la commune enregistré.")


@router.post("/app/commune/modules")
def commune_modules_save(
    request: Request,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
    chosen: list[str] = Depends(form_list("modules")),
):
    check_csrf(request, actor, form.get("csrf_token"))
    with write_session() as s:
        communes_lib.set_enabled_modules(s, actor, chosen)
    return redirect_with_flash("/app/commune", "Modules de la commune enregistrés.")


@router.post("/app/commune/llm", response_class=HTMLResponse)
def commune_llm_policy_save(
    request: Request,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
    chosen: list[str] = Depends(form_list("services")),
):
    from communia.core.llm.config import describe_policy, set_commune_policy

    check_csrf(request, actor, form.get("csrf_token"))
    try:
        with write_session() as s:
            policy = set_commune_policy(
                s,
                actor,
                policy=form.get("politique", ""),
                endpoints=chosen,
                default_backend=form.get("defaut", "local"),
                audit_text=form.get("journal", "hash"),
            )
    except InvalidInput as exc:  # back to the page, the choices kept
        with read_session() as s:
            commune = communes_lib.get_commune(s, actor)
        typed = {
            "politique": form.get("politique", ""),
            "services": chosen,
            "defaut": form.get("defaut", "local"),
            "journal": form.get("journal", "hash"),
        }
        return _commune_page(request, commune, None, 422, llm_error=exc.message, llm_typed=typed)
    return redirect_with_flash(
        "/app/commune", "Politique de souveraineté enregistrée : " + describe_policy(policy) + "."
    )


@router.get("/app/services", response_class=HTMLResponse)
def services(request: Request, actor: Actor = Depends(require_actor)):
    with read_session() as s:
        items = communes_lib.list_services(s, actor.commune_id)
    return render(
        request,
        "admin_services.html",
        {"services": items, "format_hours": communes_lib.format_hours},
    )


@router.get("/app/services/{service_id}", response_class=HTMLResponse)
def service_form(request: Request, service_id: str, actor: Actor = Depends(require_actor)):
    if service_id == "nouveau":
        service = None
    else:
        with read_session() as s:
            service = communes_lib.get_service(s, actor, _int_id(service_id))
    return render(
        request,
        "admin_service.html",
        {"service": service, "format_hours": communes_lib.format_hours, "errors": None},
    )


def _int_id(value: str) -> int:
    if not value.isdigit():
        raise communes_lib.NotFound("Cet élément n'existe pas ou n'appartient pas à votre commune.")
    return int(value)


@router.post("/app/services/{service_id}", response_class=HTMLResponse)
def service_save(
    request: Request,
    service_id: str,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
):
    check_csrf(request, actor, form.get("csrf_token"))
    sid = None if service_id == "nouveau" else _int_id(service_id)
    data = {k: form.get(k, "") for k in (*communes_lib.SERVICE_FIELDS, "hours")}
    try:
        with write_session() as s:
            if form.get("action") == "supprimer" and sid is not None:
                communes_lib.delete_service(s, actor, sid)
                return redirect_with_flash("/app/services", "Service supprimé.")
            communes_lib.save_service(
                s,
                actor,
                data,
                service_id=sid,
                expected_version=int(form["version"]) if form.get("version") else None,
            )
    except CommuniaError as exc:
        if exc.http_status not in (409, 422):
            raise
        return render(
            request,
            "admin_service.html",
            {
                "service": None if sid is None else _ServiceDraft(sid, data, form.get("version")),
                "format_hours": communes_lib.format_hours,
                "errors": exc.message,
                "draft": data,
            },
            status_code=exc.http_status,
        )
    return redirect_with_flash("/app/services", "Service enregistré.")


class _ServiceDraft:
    """What the user typed, re-shown after a validation error."""

    def __init__(self, sid: int, data: dict, version: str | None) -> None:
        self.id, self.version = sid, version
        for key, value in data.items():
            setattr(self, key, value)


@router.get("/app/agents", response_class=HTMLResponse)
def agents(request: Request, actor: Actor = Depends(require_actor)):
    with read_session() as s:
        items = users_lib.list_users(s, actor)
    return render(
        request,
        "admin_agents.html",
        {"users": items, "roles": users_lib.ROLE_LABELS, "errors": None},
    )


@router.post("/app/agents", response_class=HTMLResponse)
def agent_create(
    request: Request, actor: Actor = Depends(require_actor), form: dict = Depends(form_data)
):
    check_csrf(request, actor, form.get("csrf_token"))
    try:
        with write_session() as s:
            users_lib.require_admin(actor)
            users_lib.create_user(
                s,
                commune_id=actor.commune_id,
                email=form.get("email", ""),
                full_name=form.get("full_name", ""),
                role=form.get("role", ""),
                password=form.get("password", ""),
                by=actor.email,
            )
    except CommuniaError as exc:
        if exc.http_status not in (409, 422):
            raise
        with read_session() as s:
            items = users_lib.list_users(s, actor)
        return render(
            request,
            "admin_agents.html",
            {"users": items, "roles": users_lib.ROLE_LABELS, "errors": exc.message, "draft": form},
            status_code=exc.http_status,
        )
    return redirect_with_flash("/app/agents", "Compte créé.")


@router.post("/app/agents/{user_id}")
def agent_update(
    request: Request,
    user_id: str,
    actor: Actor = Depends(require_actor),
    form: dict = Depends(form_data),
):
    check_csrf(request, actor, form.get("csrf_token"))
    with write_session() as s:
        users_lib.update_user(
            s,
            actor,
            _int_id(user_id),
            role=form.get("role") or None,
            active={"1": True, "0": False}.get(form.get("active", "")),
            password=form.get("password") or None,
        )
    return redirect_with_flash("/app/agents", "Compte modifié.")


PAGE_SIZE = 50


def _audit_filter(request: Request) -> tuple[audit_lib.AuditFilter, dict[str, str], str]:
    """The journal's filters from the query string, the raw values to show back in the
    form, and a French error for a date that cannot be read (that filter is then ignored)."""
    from datetime import date

    raw = {k: request.query_params.get(k, "").strip() for k in ("ia", "q", "du", "au")}
    days: dict[str, date | None] = {}
    errors = []
    for key, label in (("du", "de début"), ("au", "de fin")):
        try:
            days[key] = date.fromisoformat(raw[key]) if raw[key] else None
        except ValueError:
            days[key] = None
            errors.append(f"La date {label} « {raw[key]} » n'est pas une date valide.")
    if days["du"] and days["au"] and days["du"] > days["au"]:
        errors.append(
            "La date de début est après la date de fin : aucune ligne ne peut correspondre."
        )
    flt = audit_lib.AuditFilter(
        ai_only=raw["ia"] == "1", text=raw["q"][:200], start=days["du"], end=days["au"]
    )
    return flt, raw, " ".join(errors)


@router.get("/app/journal", response_class=HTMLResponse)
def audit_page(request: Request, page: int = 1, actor: Actor = Depends(require_actor)):
    from urllib.parse import urlencode

    page = max(page, 1)
    flt, raw, error = _audit_filter(request)
    with read_session() as s:
        query = audit_lib.commune_entries(actor.commune_id, flt)
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        entries = s.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
        report = (
            audit_lib.verify(s) if actor.is_admin and request.query_params.get("verifier") else None
        )
    filters = urlencode({k: v for k, v in raw.items() if v})
    return render(
        request,
        "audit.html",
        {
            "entries": entries,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "total": total,
            "report": report,
            "filters": raw,
            "filtered": bool(filters),
            "query": filters,
            "error": error,
            "validation_labels": audit_lib.VALIDATION_LABELS,
        },
    )


@router.get("/app/journal.csv")
def audit_csv_export(request: Request, actor: Actor = Depends(require_actor)):
    flt, _, error = _audit_filter(request)
    if error:
        raise InvalidInput(error)
    with read_session() as s:
        entries = s.scalars(audit_lib.commune_entries(actor.commune_id, flt)).all()
        text = audit_lib.entries_csv(list(entries))
    return csv_download(text, f"journal-{actor.commune_slug}.csv")


# ---------------------------------------------------------------- algorithm register (public)
@router.get("/c/{slug}/algorithmes", response_class=HTMLResponse)
def register_page(request: Request, slug: str, actor: Actor | None = Depends(optional_actor)):
    from communia.core.formatting import fr_date
    from communia.core.register import register_for

    with read_session() as s:
        commune = communes_lib.commune_by_slug(s, slug)
        entries = register_for(commune)
    return render(
        request,
        "register.html",
        {"commune": commune, "entries": entries, "as_of": fr_date(_register_date())},
    )


def _register_date():
    """The register is built from the tools running now: it is up to date today (Paris)."""
    from datetime import datetime

    from communia.core.communes import PARIS

    return datetime.now(PARIS).date()


@router.get("/c/{slug}/algorithmes.csv")
def register_csv_export(slug: str):
    from communia.core.register import register_csv, register_for

    with read_session() as s:
        commune = communes_lib.commune_by_slug(s, slug)
        text = register_csv(register_for(commune))
    return csv_download(text, f"algorithmes-{slug}.csv")


@router.get("/c/{slug}/algorithmes.json")
def register_json_export(slug: str):
    from fastapi.responses import JSONResponse

    from communia.core.register import register_for, register_json

    with read_session() as s:
        commune = communes_lib.commune_by_slug(s, slug)
        data = register_json(register_for(commune))
    return JSONResponse(
        {
            "collectivite": commune.name,
            "siret": commune.siret,
            "mise_a_jour": _register_date().isoformat(),
            "algorithmes": data,
        }
    )
