"""Typed settings, declared once.

Sources, by priority: environment variables (prefix ``COMMUNIA_``, ``__`` for nesting),
then the TOML file named by ``COMMUNIA_CONFIG`` (default ``communia.toml`` in the working
directory, if present), then the defaults below. ``docs/settings.md`` is generated from
these declarations (``communia settings-doc``) and a test fails when it drifts.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = ["Settings", "get_settings", "reset_settings", "module_settings", "PLACEHOLDER_SECRET"]

PLACEHOLDER_SECRET = "a-changer-en-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="COMMUNIA_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    env: Literal["development", "production"] = Field(
        "development",
        description="Mode d'exécution. En production, Communia refuse de démarrer avec un secret par défaut.",
        examples=["production"],
    )
    data_dir: Path = Field(
        Path("var"),
        description="Dossier des données locales (base SQLite, fichiers déposés, modèles entraînés).",
        examples=["/var/lib/communia"],
    )
    database_url: str = Field(
        "",
        description="URL SQLAlchemy de la base. Vide : fichier SQLite `communia.db` dans `data_dir`.",
        examples=["postgresql+psycopg://communia@127.0.0.1:5432/communia"],
    )
    secret_key: str = Field(
        PLACEHOLDER_SECRET,
        description="Secret servant à signer les jetons et à chiffrer les tables de correspondance.",
        examples=["une-longue-chaine-aleatoire-de-64-caracteres"],
    )
    host: str = Field(
        "127.0.0.1", description="Adresse d'écoute du serveur web.", examples=["0.0.0.0"]
    )
    port: int = Field(8000, description="Port d'écoute du serveur web.", examples=[8000])
    workers: int = Field(1, description="Nombre de processus du serveur web.", examples=[2])
    base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Adresse publique de l'instance (liens envoyés aux usagers).",
        examples=["https://communia.saint-exemple.fr"],
    )
    max_request_mb: float = Field(
        25.0,
        description=(
            "Taille maximale d'une requête HTTP ou d'un fichier déposé, en Mo (les pages qui "
            "reçoivent de plus gros fichiers, comme la télérelève, ont leur propre limite)."
        ),
        examples=[50],
    )
    session_hours: float = Field(
        8.0, description="Durée de vie d'une session d'agent, en heures.", examples=[12]
    )
    api_token_days: int = Field(
        90,
        gt=0,
        le=3650,
        description=(
            "Durée de validité par défaut d'un jeton d'API, en jours (la commande "
            "`communia users token --days` en choisit une autre)."
        ),
        examples=[30],
    )
    login_max_attempts: int = Field(
        5,
        description="Tentatives de connexion échouées tolérées par compte et par adresse IP avant blocage temporaire.",
        examples=[5],
    )
    login_lockout_minutes: float = Field(
        15.0, description="Durée du blocage après trop de tentatives, en minutes.", examples=[15]
    )
    secure_cookies: bool = Field(
        False,
        description="Cookies marqués « Secure » (à activer derrière HTTPS).",
        examples=[True],
    )
    demo: bool = Field(
        False,
        description="Instance de démonstration : affiche les identifiants de la commune fictive sur la page de connexion.",
        examples=[True],
    )
    jobs_backend: Literal["embedded", "rq"] = Field(
        "embedded",
        description="Exécution des tâches longues : `embedded` (dans le processus web) ou `rq` (file Redis distribuée).",
        examples=["rq"],
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="URL du serveur Redis, utilisée quand `jobs_backend = rq`.",
        examples=["redis://127.0.0.1:6379/0"],
    )
    speech_model_dir: Path | None = Field(
        None,
        description="Dossier d'un modèle Whisper (CTranslate2) à utiliser à la place du modèle assemblé "
        "dans `data_dir/models/whisper-base`.",
        examples=["/srv/modeles/whisper-small"],
    )
    modules: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Réglages propres à chaque module, par nom de module (voir la section de chaque module).",
        examples=[{"canteen": {"service_level": 0.95}}],
    )

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'communia.db').resolve()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("COMMUNIA_CONFIG", "communia.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget cached settings (tests and ``communia`` commands that change the environment)."""
    get_settings.cache_clear()


def module_settings(name: str, model: type[BaseModel]) -> BaseModel:
    """Settings of one module: ``COMMUNIA_MODULES__<NAME>__<FIELD>`` or ``[modules.<name>]``."""
    raw = get_settings().modules.get(name, {})
    return model.model_validate(raw)
