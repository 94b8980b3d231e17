"""Settings of the jobs service (the backend itself is the core setting ``jobs_backend``).

Read like a module's settings: ``COMMUNIA_MODULES__JOBS__THREADS=2`` or ``[modules.jobs]``.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, Field, field_validator

__all__ = ["JobsSettings", "get_jobs_settings"]


class JobsSettings(BaseModel):
    threads: int = Field(
        1, ge=1, le=16, description="Tâches exécutées en parallèle par processus.", examples=[2]
    )
    poll_interval_s: float = Field(
        1.0,
        gt=0,
        description="Intervalle de recherche de nouvelles tâches, en secondes.",
        examples=[2],
    )
    heartbeat_s: float = Field(
        10.0,
        gt=0,
        description="Intervalle du signal de vie d'une tâche en cours, en secondes.",
        examples=[10],
    )
    stale_after_s: float = Field(
        60.0,
        gt=0,
        description="Délai sans signal de vie après lequel une tâche en cours est reprise (s).",
        examples=[120],
    )
    rq_queue: str = Field(
        "communia", description="Nom de la file Redis (RQ).", examples=["communia"]
    )
    task_modules: list[str] = Field(
        default_factory=list,
        description="Modules Python supplémentaires qui déclarent des tâches (extensions).",
        examples=[["ma_commune.taches"]],
    )

    @field_validator("task_modules", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        # From the environment the value is text: a JSON list or comma-separated names.
        if isinstance(value, str):
            value = value.strip()
            if value.startswith("["):
                return json.loads(value)
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


def get_jobs_settings() -> JobsSettings:
    from communia.core.settings import module_settings

    return module_settings("jobs", JobsSettings)  # type: ignore[return-value]
