"""Domain exceptions.

Every expected failure is a ``CommuniaError`` carrying a French message for people,
an HTTP status for the web layer and an exit code for the CLI. They are translated
once in ``communia.web.app`` and once in ``communia.cli.main``; nothing else catches them
to print a stack trace.
"""

from __future__ import annotations

__all__ = [
    "CommuniaError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "AuthenticationFailed",
    "Conflict",
    "TooLarge",
    "RateLimited",
    "Unavailable",
    "ConfigurationError",
    "EXIT_OK",
]

EXIT_OK = 0


class CommuniaError(Exception):
    """Base of all expected errors. ``message`` is French and shown to the user."""

    http_status = 400
    exit_code = 1
    code = "erreur"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict:
        return {
            "error": self.code,
            "message": self.message,
            **({"details": self.details} if self.details else {}),
        }


class InvalidInput(CommuniaError):
    http_status = 422
    exit_code = 2
    code = "donnees_invalides"


class AuthenticationFailed(CommuniaError):
    http_status = 401
    exit_code = 3
    code = "authentification_requise"


class PermissionDenied(CommuniaError):
    http_status = 403
    exit_code = 3
    code = "acces_refuse"


class NotFound(CommuniaError):
    http_status = 404
    exit_code = 4
    code = "introuvable"


class Conflict(CommuniaError):
    http_status = 409
    exit_code = 5
    code = "conflit"


class TooLarge(CommuniaError):
    http_status = 413
    exit_code = 2
    code = "trop_volumineux"


class RateLimited(CommuniaError):
    http_status = 429
    exit_code = 6
    code = "trop_de_tentatives"


class Unavailable(CommuniaError):
    """A dependency (database, model, broker) cannot be reached right now."""

    http_status = 503
    exit_code = 7
    code = "service_indisponible"


class ConfigurationError(CommuniaError):
    http_status = 500
    exit_code = 8
    code = "configuration_invalide"
