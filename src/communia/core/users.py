"""Users, roles, sessions and API tokens.

Roles: ``admin`` (manages the commune, its agents and settings), ``agent`` (works with
the modules), ``elu`` (elected official: reads everything of the commune, changes nothing).
Every user belongs to exactly one commune; an ``Actor`` carries that scope into every call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from communia.core import audit
from communia.core.db import utcnow
from communia.core.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
)
from communia.core.formatting import fr_date
from communia.core.models import ROLES, ApiToken, User, UserSession
from communia.core.security import (
    DUMMY_HASH,
    check_password_strength,
    clear_failures,
    hash_password,
    is_locked,
    needs_rehash,
    new_token,
    register_failure,
    token_digest,
    verify_password,
)
from communia.core.settings import get_settings
from communia.core.tenancy import get_scoped, scoped

__all__ = [
    "Actor",
    "ROLE_LABELS",
    "actor_for",
    "authenticate",
    "record_login_failure",
    "create_user",
    "update_user",
    "change_own_password",
    "list_users",
    "get_user",
    "open_session",
    "actor_from_session",
    "close_session",
    "api_token_validity",
    "create_api_token",
    "list_api_tokens",
    "revoke_api_token",
    "api_token_actor",
    "actor_by_email",
    "require_write",
    "require_admin",
]

# Roles are named by their function, in words that are neither masculine nor feminine
# (docs/architecture.md, « Interface : écriture des rôles »).
ROLE_LABELS = {
    "admin": "Administration",
    "agent": "Personnel municipal",
    "elu": "Conseil municipal (lecture seule)",
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Actor:
    """Who is acting, and for which commune. Passed explicitly to every library call."""

    user_id: int
    email: str
    full_name: str
    role: str
    commune_id: int
    commune_slug: str
    session_id: int | None = None
    csrf_token: str = ""
    #: the commune's name, for people (the slug is for URLs)
    commune_name: str = ""

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "agent")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def require_write(actor: Actor) -> None:
    if not actor.can_write:
        raise PermissionDenied("Votre rôle (conseil municipal) donne accès en lecture seule.")


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDenied("Cette action est réservée à l'administration de la commune.")


def actor_for(user: User, *, session_id: int | None = None, csrf_token: str = "") -> Actor:
    return Actor(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        commune_id=user.commune_id,
        commune_slug=user.commune.slug,
        commune_name=user.commune.name,
        session_id=session_id,
        csrf_token=csrf_token,
    )


def _validate(email: str, full_name: str, role: str) -> tuple[str, str]:
    email = email.strip().lower()
    full_name = full_name.strip()
    if not EMAIL_RE.match(email) or len(email) > 200:
        raise InvalidInput("Adresse électronique invalide.")
    if not full_name or len(full_name) > 200:
        raise InvalidInput("Le nom complet est obligatoire (200 caractères au plus).")
    if role not in ROLES:
        raise InvalidInput(f"Rôle inconnu : « {role} ». Rôles possibles : admin, agent, elu.")
    return email, full_name


def create_user(
    session: Session,
    *,
    commune_id: int,
    email: str,
    full_name: str,
    role: str,
    password: str,
    by: str,
    check_strength: bool = True,
) -> User:
    email, full_name = _validate(email, full_name, role)
    if check_strength and (reason := check_password_strength(password)):
        raise InvalidInput(reason)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict("Un compte existe déjà avec cette adresse électronique.")
    user = User(
        commune_id=commune_id,
        email=email,
        full_name=full_name,
        role=role,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="user.create",
        commune_id=commune_id,
        object_type="user",
        object_id=user.id,
        summary=f"Compte créé, rôle : {ROLE_LABELS[role]}",
        inputs_hash=audit.hash_inputs(email, role),
    )
    return user


def update_user(
    session: Session,
    actor: Actor,
    user_id: int,
    *,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    require_admin(actor)
    user = get_scoped(session, User, user_id, actor.commune_id)
    changes = {}
    if role is not None:
        if role not in ROLES:
            raise InvalidInput(f"Rôle inconnu : « {role} ».")
        if user.id == actor.user_id and role != "admin":
            raise InvalidInput(
                "Vous ne pouvez pas retirer le rôle Administration à votre propre compte."
            )
        changes["role"] = role
        user.role = role
    if active is not None:
        if user.id == actor.user_id and not active:
            raise InvalidInput("Vous ne pouvez pas désactiver votre propre compte.")
        changes["active"] = active
        user.active = active
        if not active:
            session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    if password is not None:
        if reason := check_password_strength(password):
            raise InvalidInput(reason)
        user.password_hash = hash_password(password)
        changes["password"] = "changé"
    audit.record(
        session,
        actor=actor.email,
        action="user.update",
        commune_id=actor.commune_id,
        object_type="user",
        object_id=user.id,
        summary="Compte modifié",
        details=changes,
    )
    return user


def change_own_password(session: Session, actor: Actor, *, current: str, new: str) -> int:
    """Change the actor's own password after checking the current one. Every other session of
    the account is closed (a stolen session dies with the old password); API tokens are kept.
    Returns the number of sessions closed."""
    user = get_scoped(session, User, actor.user_id, actor.commune_id)
    if not verify_password(user.password_hash, current or ""):
        raise InvalidInput("Le mot de passe actuel est incorrect : rien n'a été changé.")
    if new == current:
        raise InvalidInput("Le nouveau mot de passe doit être différent de l'actuel.")
    if reason := check_password_strength(new or ""):
        raise InvalidInput(reason)
    user.password_hash = hash_password(new)
    others = delete(UserSession).where(UserSession.user_id == user.id)
    if actor.session_id is not None:
        others = others.where(UserSession.id != actor.session_id)
    closed = session.execute(others).rowcount or 0
    audit.record(
        session,
        actor=actor.email,
        action="user.password",
        commune_id=actor.commune_id,
        object_type="user",
        object_id=user.id,
        summary="Mot de passe changé par l'utilisateur",
        details={"autres_sessions_fermees": closed},
    )
    return closed


def list_users(session: Session, actor: Actor) -> list[User]:
    return list(session.scalars(scoped(User, actor.commune_id).order_by(User.full_name)))


def get_user(session: Session, actor: Actor, user_id: int) -> User:
    return get_scoped(session, User, user_id, actor.commune_id)


def authenticate(session: Session, email: str, password: str, *, client: str) -> User:
    """Check credentials with rate limiting; the same message whatever went wrong."""
    settings = get_settings()
    keys = _login_keys(email, client)
    email = (email or "").strip().lower()
    failed = AuthenticationFailed("Adresse électronique ou mot de passe incorrect.")
    if is_locked(
        session,
        *keys,
        max_attempts=settings.login_max_attempts,
        minutes=settings.login_lockout_minutes,
    ):
        raise RateLimited(
            "Trop de tentatives de connexion. Réessayez dans "
            f"{int(settings.login_lockout_minutes)} minutes."
        )
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        verify_password(DUMMY_HASH, password)  # same cost as a real check: no user enumeration
        raise failed
    if not verify_password(user.password_hash, password) or not user.active:
        raise failed
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    clear_failures(session, keys[0])
    user.last_login_at = utcnow()
    return user


def _login_keys(email: str, client: str) -> tuple[str, str]:
    return f"email:{(email or '').strip().lower()}", f"ip:{client}"


def record_login_failure(session: Session, email: str, *, client: str) -> None:
    """Count a failed login (call in its own transaction: the failed one is rolled back)."""
    register_failure(session, *_login_keys(email, client))


def open_session(session: Session, user: User) -> tuple[str, UserSession]:
    token = new_token()
    hours = get_settings().session_hours
    row = UserSession(
        token_hash=token_digest(token),
        user_id=user.id,
        csrf_token=new_token(24),
        expires_at=utcnow() + timedelta(hours=hours),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=user.email,
        action="session.open",
        commune_id=user.commune_id,
        object_type="user",
        object_id=user.id,
        summary="Connexion",
    )
    return token, row


def actor_from_session(session: Session, token: str) -> Actor | None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return actor_for(row.user, session_id=row.id, csrf_token=row.csrf_token)


def close_session(session: Session, token: str) -> None:
    session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))


#: the longest validity a token may be given, in days (ten years)
API_TOKEN_MAX_DAYS = 3650
#: how precisely a token's last use is noted: at most one write per token and per hour
API_TOKEN_USE_PRECISION = timedelta(hours=1)


def _local_date(when: datetime) -> str:
    from communia.core.communes import PARIS  # communes imports this module

    return fr_date(when.astimezone(PARIS))


def api_token_validity(days: int | None = None) -> int:
    """How many days a new token lasts: ``days``, or the ``api_token_days`` setting; refused
    in French outside 1 to ``API_TOKEN_MAX_DAYS``."""
    days = get_settings().api_token_days if days is None else days
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise InvalidInput(
            f"Durée de validité invalide : {days} jours (entre 1 et {API_TOKEN_MAX_DAYS})."
        )
    return days


def create_api_token(
    session: Session, actor: Actor, *, label: str = "", days: int | None = None
) -> str:
    """A bearer token for the JSON API, shown once; only its hash is kept. It is valid for
    ``days`` days (``api_token_days`` by default, see :func:`api_token_validity`), then
    refused."""
    days = api_token_validity(days)
    token = new_token()
    row = ApiToken(
        token_hash=token_digest(token),
        user_id=actor.user_id,
        label=label[:200],
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(row)
    audit.record(
        session,
        actor=actor.email,
        action="api_token.create",
        commune_id=actor.commune_id,
        object_type="user",
        object_id=actor.user_id,
        summary=f"Jeton d'API créé : {label[:80]} (valable jusqu'au {_local_date(row.expires_at)})",
    )
    return token


def list_api_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    """The actor's own API tokens, newest first (revoked and expired ones included, marked)."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == actor.user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def _own_token(session: Session, actor: Actor, token_id: int | None, label: str | None) -> ApiToken:
    if label is None:
        row = session.get(ApiToken, token_id) if token_id is not None else None
        if row is None or row.user_id != actor.user_id:
            raise NotFound("Ce jeton n'existe pas ou n'est pas l'un des vôtres.")
        return row
    rows = [t for t in list_api_tokens(session, actor) if t.label == label and not t.revoked]
    if not rows:
        raise NotFound(f"Aucun de vos jetons non révoqués ne porte le libellé « {label} ».")
    if len(rows) > 1:
        numbers = ", ".join(f"n° {t.id}" for t in rows)
        raise Conflict(
            f"{len(rows)} de vos jetons portent le libellé « {label} » ({numbers}) : "
            "désignez-le par son numéro."
        )
    return rows[0]


def revoke_api_token(
    session: Session, actor: Actor, token_id: int | None = None, *, label: str | None = None
) -> ApiToken:
    """Revoke one of the actor's own tokens, by number or by label (the only one not revoked
    with that label): the software using it is refused from now on."""
    row = _own_token(session, actor, token_id, label)
    if not row.revoked:
        row.revoked = True
        audit.record(
            session,
            actor=actor.email,
            action="api_token.revoke",
            commune_id=actor.commune_id,
            object_type="user",
            object_id=actor.user_id,
            summary=f"Jeton d'API révoqué : {row.label[:80]}",
        )
    return row


def _valid_api_token(session: Session, token: str) -> ApiToken:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked or not row.user.active:
        raise AuthenticationFailed("Jeton d'API invalide ou révoqué.")
    if row.expired:
        raise AuthenticationFailed(
            f"Jeton d'API « {row.label} » expiré depuis le {_local_date(row.expires_at)} : "
            "créez-en un nouveau (page « Mon compte » ou commande « communia users token »)."
        )
    return row


def api_token_actor(token: str) -> Actor:
    """The actor behind a bearer token, for every API; ``AuthenticationFailed`` (401, in
    French) when it is unknown, revoked, expired or its account closed. One read, and the
    token's last use noted in a short write of its own at most once an hour (a busy
    integration does not write on every call)."""
    from communia.core.db import read_session, write_session

    with read_session() as s:
        row = _valid_api_token(s, token)
        actor, token_id = actor_for(row.user), row.id
        stale = row.last_used_at is None or row.last_used_at < utcnow() - API_TOKEN_USE_PRECISION
    if stale:
        with write_session() as s:
            s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))
    return actor


def actor_by_email(session: Session, email: str) -> Actor:
    """The CLI acts as a named user (``--as``), with that user's commune and role."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise AuthenticationFailed(f"Aucun compte actif pour « {email} ».")
    return actor_for(user)
