"""Generate ``docs/settings.md`` from the settings declarations (core and modules)."""

from __future__ import annotations

import json

from pydantic import BaseModel

from communia.core.registry import load_modules
from communia.core.settings import Settings

__all__ = ["render_settings_doc", "CORE_SERVICE_SETTINGS"]

# Settings of core services, read like a module's (``COMMUNIA_MODULES__<NAME>__...``).
CORE_SERVICE_SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("documents", "communia.core.documents.limits:DocumentLimits", "Lecture des documents"),
    ("jobs", "communia.core.jobs.config:JobsSettings", "Tâches en arrière-plan"),
    ("llm", "communia.core.llm.config:LlmSettings", "Passerelle des modèles de langage"),
)


def _fmt(value) -> str:
    if isinstance(value, str):
        return f"`{value}`" if value else "(vide)"
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def _table(model: type[BaseModel], env_prefix: str, toml_prefix: str) -> list[str]:
    lines = [
        "| Variable d'environnement | Clé TOML | Type | Défaut | Description | Exemple |",
        "|---|---|---|---|---|---|",
    ]
    for name, field in model.model_fields.items():
        default = field.get_default(call_default_factory=True)
        annotation = getattr(field.annotation, "__name__", None) or str(field.annotation).replace(
            "typing.", ""
        )
        example = _fmt(field.examples[0]) if field.examples else ""
        lines.append(
            f"| `{env_prefix}{name.upper()}` | `{toml_prefix}{name}` | {annotation} | {_fmt(default)} | "
            f"{(field.description or '').replace('|', '/')} | {example} |"
        )
    return lines


def render_settings_doc() -> str:
    out = [
        "# Réglages de Communia",
        "",
        "Fichier généré par `communia settings-doc --output docs/settings.md` à partir des déclarations "
        "du code ; ne pas modifier à la main (un test vérifie qu'il est à jour).",
        "",
        "Les réglages se lisent, par ordre de priorité : variables d'environnement (préfixe `COMMUNIA_`), "
        "puis fichier TOML désigné par `COMMUNIA_CONFIG` (par défaut `communia.toml` dans le dossier courant), "
        "puis les valeurs par défaut.",
        "",
        "## Noyau",
        "",
        *_table(Settings, "COMMUNIA_", ""),
        "",
    ]
    import importlib

    for name, target, title in CORE_SERVICE_SETTINGS:
        path, _, attr = target.partition(":")
        model = getattr(importlib.import_module(path), attr)
        out += [
            f"## Service `{name}` — {title}",
            "",
            *_table(model, f"COMMUNIA_MODULES__{name.upper()}__", f"modules.{name}."),
            "",
        ]
    for module in load_modules():
        if module.settings is None:
            continue
        out += [
            f"## Module `{module.name}` — {module.card.title}",
            "",
            *_table(
                module.settings,
                f"COMMUNIA_MODULES__{module.name.upper()}__",
                f"modules.{module.name}.",
            ),
            "",
        ]
    return "\n".join(out)
