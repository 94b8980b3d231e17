"""Passwords (argon2id), random tokens and login rate limiting."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from communia.core.db import utcnow
from communia.core.models import LoginAttempt

__all__ = [
    "hash_password",
    "verify_password",
    "needs_rehash",
    "new_token",
    "token_digest",
    "check_password_strength",
    "PASSWORD_MIN_LENGTH",
    "register_failure",
    "is_locked",
    "clear_failures",
    "DUMMY_HASH",
]

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
DUMMY_HASH = _hasher.hash("communia-dummy-password")  # equalises timing for unknown accounts


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


PASSWORD_MIN_LENGTH = 12


def check_password_strength(password: str) -> str | None:
    """French reason why a password is refused, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"Le mot de passe doit contenir au moins {PASSWORD_MIN_LENGTH} caractères."
    if (
        password.lower() == password
        or password.upper() == password
        or not any(c.isdigit() for c in password)
    ):
        return "Le mot de passe doit mêler majuscules, minuscules et chiffres."
    return None


def new_token(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _window(minutes: float):
    return utcnow() - timedelta(minutes=minutes)


def register_failure(session: Session, *keys: str) -> None:
    for key in keys:
        session.add(LoginAttempt(key=key))


def is_locked(session: Session, *keys: str, max_attempts: int, minutes: float) -> bool:
    since = _window(minutes)
    for key in keys:
        count = session.scalar(
            select(func.count()).where(LoginAttempt.key == key, LoginAttempt.at >= since)
        )
        if (count or 0) >= max_attempts:
            return True
    return False


def clear_failures(session: Session, key: str) -> None:
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == key))
