"""Settings of the LLM gateway and per-commune sovereignty policy.

Instance settings (an administrator's choice) are read like a module's own settings:
``COMMUNIA_MODULES__LLM__<FIELD>`` or the ``[modules.llm]`` table of ``communia.toml``.
The per-commune policy lives in ``Commune.settings["llm"]``::

    {"llm": {"policy": "local-only"}}                       # default
    {"llm": {"policy": "allowed", "endpoints": ["albert"],  # names of instance endpoints
             "default_backend": "albert", "audit_text": "hash"}}
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from communia.core.errors import ConfigurationError, InvalidInput

__all__ = [
    "EndpointConfig",
    "LlmSettings",
    "CommunePolicy",
    "LOCAL_BACKEND",
    "get_llm_settings",
    "policy_from_settings",
    "set_commune_policy",
    "describe_policy",
]

LOCAL_BACKEND = "local"


class EndpointConfig(BaseModel):
    """An OpenAI-compatible endpoint (Albert API, Mistral, vLLM, Ollama, llama.cpp server)."""

    base_url: str = Field(
        description="URL de base de l'API compatible OpenAI (sans `/chat/completions`).",
        examples=["https://albert.api.etalab.gouv.fr/v1"],
    )
    model: str = Field(description="Nom du modèle à demander.", examples=["albert-large"])
    api_key_env: str = Field(
        "",
        description=(
            "Nom de la variable d'environnement qui contient la clé d'API "
            "(jamais la clé elle-même)."
        ),
        examples=["COMMUNIA_ALBERT_API_KEY"],
    )
    timeout_s: float = Field(
        60.0, description="Délai maximal d'une requête, en secondes.", examples=[60]
    )
    max_retries: int = Field(
        2, description="Nouvelles tentatives après une erreur réseau ou 429/5xx.", examples=[2]
    )
    backoff_s: float = Field(
        0.5,
        description="Attente avant la première nouvelle tentative, doublée ensuite (s).",
        examples=[0.5],
    )
    power_watts: float = Field(
        300.0,
        description="Puissance attribuée à une requête distante pour l'estimation d'énergie (W).",
        examples=[300],
    )

    @property
    def api_key(self) -> str:
        return os.environ.get(self.api_key_env, "") if self.api_key_env else ""


class LlmSettings(BaseModel):
    """Instance-wide settings of the gateway."""

    model_path: Path | None = Field(
        None,
        description=(
            "Fichier GGUF du modèle local. "
            "Vide : `<data_dir>/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf`."
        ),
        examples=["/var/lib/communia/models/mon-modele.gguf"],
    )
    n_threads: int = Field(2, description="Fils de calcul du modèle local.", examples=[2])
    n_ctx: int = Field(
        4096, description="Taille du contexte du modèle local, en jetons.", examples=[8192]
    )
    max_tokens: int = Field(
        512, description="Longueur maximale d'une réponse par défaut, en jetons.", examples=[512]
    )
    max_concurrent_local: int = Field(
        1,
        description=(
            "Générations simultanées du modèle local (1 sur 2 cœurs : les autres attendent)."
        ),
        examples=[1],
    )
    max_concurrent_remote: int = Field(
        4, description="Requêtes simultanées vers les services distants.", examples=[4]
    )
    queue_timeout_s: float = Field(
        120.0,
        description="Attente maximale d'une requête dans la file avant refus, en secondes.",
        examples=[120],
    )
    local_power_watts: float = Field(
        30.0,
        description=(
            "Puissance attribuée au modèle local pour l'estimation d'énergie (W) : deux cœurs x86 "
            "chargés à 100 % (environ 15 W par cœur, mémoire comprise)."
        ),
        examples=[30],
    )
    endpoints: dict[str, EndpointConfig] = Field(
        default_factory=dict,
        description="Services compatibles OpenAI déclarés par l'administrateur, par nom.",
        examples=[
            {
                "albert": {
                    "base_url": "https://albert.api.etalab.gouv.fr/v1",
                    "model": "albert-large",
                    "api_key_env": "COMMUNIA_ALBERT_API_KEY",
                }
            }
        ],
    )
    temperature: float = Field(0.2, description="Température par défaut.", examples=[0.0])

    @field_validator("endpoints", mode="before")
    @classmethod
    def _endpoints_from_json(cls, value: Any) -> Any:
        """``COMMUNIA_MODULES__LLM__ENDPOINTS`` holds the JSON of the reference's example."""
        if isinstance(value, str):
            import json

            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(f"JSON illisible ({exc.msg}, caractère {exc.pos + 1})") from exc
        return value


class CommunePolicy(BaseModel):
    """A commune's sovereignty policy (``Commune.settings["llm"]``)."""

    policy: Literal["local-only", "allowed"] = "local-only"
    endpoints: list[str] = Field(default_factory=list)
    default_backend: str = LOCAL_BACKEND
    # "hash": the audit trail keeps only SHA-256 of prompts and answers; "clear": the text too.
    audit_text: Literal["hash", "clear"] = "hash"

    def allows(self, backend: str) -> bool:
        if backend == LOCAL_BACKEND:
            return True
        return self.policy == "allowed" and backend in self.endpoints


def get_llm_settings() -> LlmSettings:
    from communia.core.settings import module_settings

    try:
        return module_settings("llm", LlmSettings)  # type: ignore[return-value]
    except ValidationError as exc:
        raise ConfigurationError(f"Réglages du modèle de langage invalides : {exc}") from exc


def policy_from_settings(commune_settings: dict[str, Any] | None) -> CommunePolicy:
    raw = (commune_settings or {}).get("llm") or {}
    try:
        return CommunePolicy.model_validate(raw)
    except ValidationError as exc:
        raise ConfigurationError(
            "La politique de souveraineté de la commune (réglage « llm ») est invalide : "
            f"{exc.errors()[0]['msg']}"
        ) from exc


def describe_policy(policy: CommunePolicy) -> str:
    """The policy in a few French words (audit trail, confirmation)."""
    if policy.policy == "local-only":
        where = "modèle local uniquement"
    else:
        where = f"modèle local et services autorisés : {', '.join(policy.endpoints)}"
        if policy.default_backend != LOCAL_BACKEND:
            where += f" (par défaut : {policy.default_backend})"
    kept = "empreinte seule" if policy.audit_text == "hash" else "texte en clair"
    return f"{where} ; journal : {kept}"


def set_commune_policy(
    session,
    actor,
    *,
    policy: str,
    endpoints: list[str],
    default_backend: str = LOCAL_BACKEND,
    audit_text: str = "hash",
) -> CommunePolicy:
    """Set the actor's commune's sovereignty policy (administrators only): which of the
    endpoints declared for the instance its people may use, and what the audit trail keeps."""
    from communia.core import audit
    from communia.core.communes import get_commune
    from communia.core.users import require_admin

    require_admin(actor)
    declared = get_llm_settings().endpoints
    endpoints = list(dict.fromkeys(endpoints))
    unknown = [e for e in endpoints if e not in declared]
    if unknown:
        raise InvalidInput(
            "Service(s) distant(s) non déclaré(s) pour cette instance : " + ", ".join(unknown) + "."
        )
    if policy == "local-only":
        endpoints, default_backend = [], LOCAL_BACKEND
    elif policy == "allowed" and not endpoints:
        raise InvalidInput(
            "Cochez au moins un service distant, ou choisissez « Modèle local uniquement »."
        )
    if default_backend not in (LOCAL_BACKEND, *endpoints):
        raise InvalidInput(
            "Le modèle proposé par défaut doit être le modèle local ou un service autorisé."
        )
    try:
        new = CommunePolicy(
            policy=policy,
            endpoints=endpoints,
            default_backend=default_backend,
            audit_text=audit_text,
        )
    except ValidationError as exc:
        raise InvalidInput("Politique de souveraineté invalide : choix inconnu.") from exc
    commune = get_commune(session, actor)
    commune.settings = {**(commune.settings or {}), "llm": new.model_dump()}
    audit.record(
        session,
        actor=actor.email,
        action="commune.llm_policy",
        commune_id=commune.id,
        object_type="commune",
        object_id=commune.id,
        summary="Politique de souveraineté : " + describe_policy(new),
    )
    return new
