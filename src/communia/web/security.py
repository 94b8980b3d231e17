"""Authentication and CSRF for the web layer.

- Agents' pages use a server-side session (cookie ``communia_session``: a random token,
  HttpOnly, SameSite=Lax); every form carries the session's CSRF token.
- The login form, used before any session exists, uses a double-submit CSRF cookie.
- The JSON API accepts ``Authorization: Bearer <token>``, or the session cookie plus an
  ``X-CSRF-Token`` header for unsafe methods (the pages' own scripts).
- Read-only roles (élus) are refused every unsafe request by one app-wide dependency,
  ``deny_read_only_writes``, except on the short allow-list ``READ_ONLY_ALLOWED``: a new
  route is protected without having to remember a check.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from communia.core.db import read_session
from communia.core.errors import AuthenticationFailed, PermissionDenied
from communia.core.users import Actor, actor_from_session, api_token_actor, require_write

__all__ = [
    "SESSION_COOKIE",
    "LOGIN_CSRF_COOKIE",
    "optional_actor",
    "require_actor",
    "api_actor",
    "check_csrf",
    "LoginRequired",
    "READ_ONLY_ALLOWED",
    "read_only_may_write",
    "deny_read_only_writes",
]

SESSION_COOKIE = "communia_session"
LOGIN_CSRF_COOKIE = "communia_login_csrf"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}

# Unsafe requests a read-only role may still make: its own session and account, the public
# citizen pages and API, tools that change no commune data (staffing simulator, the sovereign
# model's chat, pseudonymising a text; never re-identifying one). An entry ending in "/" is a
# prefix, any other one an exact path.
READ_ONLY_ALLOWED = (
    "/connexion",
    "/deconnexion",
    "/app/compte/",
    "/c/",
    "/api/v1/assistant/ask",
    "/api/v1/assistant/feedback",
    "/api/v1/assistant/callback",
    "/app/assistant/effectifs",
    "/v1/chat/completions",
    "/app/confidentialite",
    "/app/confidentialite/telecharger",
    "/api/v1/privacy/scan",
    "/api/v1/privacy/pseudonymise",
)
_READ_ONLY_EXACT = frozenset(p for p in READ_ONLY_ALLOWED if not p.endswith("/"))
_READ_ONLY_PREFIXES = tuple(p for p in READ_ONLY_ALLOWED if p.endswith("/"))


def read_only_may_write(path: str) -> bool:
    """Whether a read-only actor may send an unsafe request to ``path``."""
    return path in _READ_ONLY_EXACT or path.startswith(_READ_ONLY_PREFIXES)


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


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _token_actor(request: Request, token: str) -> Actor:
    """The bearer token's actor, looked up once per request; ``AuthenticationFailed`` (unknown,
    revoked or expired token) is kept and raised again."""
    if not hasattr(request.state, "token_actor"):
        try:
            request.state.token_actor = api_token_actor(token)
        except AuthenticationFailed as exc:
            request.state.token_actor = exc
    if isinstance(request.state.token_actor, AuthenticationFailed):
        raise request.state.token_actor
    return request.state.token_actor


def deny_read_only_writes(request: Request) -> None:
    """App-wide dependency: a read-only actor's unsafe request is refused (403) unless its
    path is on ``READ_ONLY_ALLOWED``. Anonymous requests go on to the route's own checks."""
    if request.method not in UNSAFE or read_only_may_write(request.url.path):
        return
    token = _bearer_token(request)
    if token:
        try:
            actor: Actor | None = _token_actor(request, token)
        except AuthenticationFailed:
            return  # the route's own check answers 401
    else:
        actor = _session_actor(request)
    if actor is not None:
        require_write(actor)


def api_actor(request: Request) -> Actor:
    token = _bearer_token(request)
    if token:
        return _token_actor(request, token)
    actor = _session_actor(request)
    if actor is None:
        raise AuthenticationFailed(
            "Authentification requise : jeton d'API (en-tête Authorization: Bearer …) "
            "ou session ouverte."
        )
    if request.method in UNSAFE:
        check_csrf(request, actor, request.headers.get("x-csrf-token"))
    return actor
