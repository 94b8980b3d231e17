"""Authentication and CSRF for the web layer.

- Agents' pages use a server-side session (cookie ``communia_session``: a random token,
  HttpOnly, SameSite=Lax); every form carries the session's CSRF token.
- The login form, used before any session exists, uses a double-submit CSRF cookie.
- The JSON API accepts ``Authorization: Bearer <token>``, or the session cookie plus an
  ``X-CSRF-Token`` header for unsafe methods (the pages' own scripts).
"""

from __future__ import annotations

import hmac

from fastapi import Request

from communia.core.db import read_session
from communia.core.errors import AuthenticationFailed, PermissionDenied
from communia.core.users import Actor, actor_from_api_token, actor_from_session

__all__ = [
    "SESSION_COOKIE",
    "LOGIN_CSRF_COOKIE",
    "optional_actor",
    "require_actor",
    "api_actor",
    "check_csrf",
    "LoginRequired",
]

SESSION_COOKIE = "communia_session"
LOGIN_CSRF_COOKIE = "communia_login_csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    """Raised by page dependencies; the app redirects to the login page."""


def _session_actor(request: Request) -> Actor | None:
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with read_session() as s:
        actor = actor_from_session(s, token)
    request.state.actor = actor
    return actor


def optional_actor(request: Request) -> Actor | None:
    return _session_actor(request)


def require_actor(request: Request) -> Actor:
    actor = _session_actor(request)
    if actor is None:
        raise LoginRequired()
    return actor


def check_csrf(request: Request, actor: Actor, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(submitted, actor.csrf_token):
        raise PermissionDenied(
            "Le formulaire a expiré ou ne vient pas de Communia (jeton de sécurité invalide). "
            "Rechargez la page et recommencez."
        )


def api_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with read_session() as s:
            actor = actor_from_api_token(s, header[7:].strip())
        if actor is None:
            raise AuthenticationFailed("Jeton d'API invalide ou révoqué.")
        return actor
    actor = _session_actor(request)
    if actor is None:
        raise AuthenticationFailed(
            "Authentification requise : jeton d'API (en-tête Authorization: Bearer …) "
            "ou session ouverte."
        )
    if request.method in UNSAFE:
        check_csrf(request, actor, request.headers.get("x-csrf-token"))
    return actor
