"""``communia doctor``: check an installation and say in plain French what to fix."""

from __future__ import annotations

import tempfile

from communia.core.registry import HealthResult, load_modules
from communia.core.settings import PLACEHOLDER_SECRET, get_settings

__all__ = ["run_checks", "core_checks"]


def _database() -> list[HealthResult]:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from communia.core.db import get_engine
    from communia.core.migrate import pending_heads

    settings = get_settings()
    label = "Base de données joignable"
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return [
            HealthResult(
                False,
                label,
                "Impossible de se connecter à la base "
                f"({type(exc).__name__}). Vérifiez COMMUNIA_DATABASE_URL "
                f"(actuellement « {settings.effective_database_url.split('@')[-1]} ») "
                "et que le serveur de base de données est démarré.",
            )
        ]
    results = [HealthResult(True, label)]
    try:
        pending = pending_heads()
    except Exception as exc:  # noqa: BLE001 - any Alembic failure is reported, not raised
        return results + [HealthResult(False, "Schéma de la base", f"Lecture impossible : {exc}")]
    if pending:
        results.append(
            HealthResult(
                False,
                "Schéma de la base à jour",
                "Des migrations ne sont pas appliquées ("
                + ", ".join(sorted(pending))
                + ") : lancez « communia migrate ».",
            )
        )
    else:
        results.append(HealthResult(True, "Schéma de la base à jour"))
    return results


def _data_dir() -> HealthResult:
    settings = get_settings()
    label = f"Dossier de données accessible en écriture ({settings.data_dir})"
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=settings.data_dir):
            pass
    except OSError as exc:
        return HealthResult(
            False,
            label,
            f"Écriture impossible ({exc.strerror}). Donnez les droits d'écriture au compte qui "
            "exécute Communia, ou choisissez un autre dossier avec COMMUNIA_DATA_DIR.",
        )
    return HealthResult(True, label)


def _secret() -> HealthResult:
    settings = get_settings()
    label = "Secret de l'instance personnalisé"
    if settings.secret_key == PLACEHOLDER_SECRET or len(settings.secret_key) < 32:
        return HealthResult(
            False,
            label,
            "COMMUNIA_SECRET_KEY a sa valeur par défaut ou fait moins de 32 caractères : "
            "générez-en un avec « python -c 'import secrets; print(secrets.token_urlsafe(48))' ».",
            optional=settings.env != "production",
        )
    return HealthResult(True, label)


def _speech() -> HealthResult:
    from communia.core.speech.model import whisper_dir

    label = "Modèle de reconnaissance vocale (Whisper) installé"
    if (whisper_dir() / "model.bin").is_file():
        return HealthResult(True, label, optional=True)
    return HealthResult(
        False,
        label,
        "Lancez « communia speech install-model » (module téléphonique).",
        optional=True,
    )


def core_checks() -> list[HealthResult]:
    from communia.core.llm.model import health_check as llm_check
    from communia.core.privacy.health import health_checks as privacy_checks

    return [*_database(), _data_dir(), _secret(), *privacy_checks(), llm_check(), _speech()]


def run_checks() -> list[tuple[str, HealthResult]]:
    """All checks, core first then each module's, labelled by where they come from."""
    results = [("noyau", r) for r in core_checks()]
    for module in load_modules():
        for check in module.health_checks:
            try:
                result = check()
            except Exception as exc:  # noqa: BLE001 - a broken check must not stop the others
                result = HealthResult(False, f"Vérification {check.__name__}", str(exc))
            results.append((module.name, result))
    return results
