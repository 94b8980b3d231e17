"""Assistant settings (``COMMUNIA_MODULES__ASSISTANT__...``)."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["AssistantSettings", "get_assistant_settings"]


class AssistantSettings(BaseModel):
    retention_days: int = Field(
        90,
        description="Durée de conservation des conversations, en jours (défaut de la commune).",
        examples=[30],
    )
    max_message_chars: int = Field(
        2000,
        description="Longueur au-delà de laquelle un message est tronqué avant analyse.",
        examples=[2000],
    )
    answer_threshold: float = Field(
        0.45,
        description="Confiance minimale pour répondre ; en dessous, l'assistant oriente.",
        examples=[0.5],
    )
    timezone: str = Field(
        "Europe/Paris", description="Fuseau des horaires d'ouverture.", examples=["Europe/Paris"]
    )
    embed_sections: bool = Field(
        False,
        description="Calculer les plongements de chaque section des fiches (meilleure recherche "
        "sémantique, indexation ~15 fois plus longue). Par défaut : titre et résumé de chaque "
        "fiche, FAQ et pages locales en sémantique, sections par mots-clés.",
        examples=[True],
    )
    use_llm: bool = Field(
        False,
        description="Reformuler les passages trouvés avec le modèle de langage local.",
        examples=[True],
    )


def get_assistant_settings() -> AssistantSettings:
    from communia.core.settings import module_settings

    s = module_settings("assistant", AssistantSettings)
    assert isinstance(s, AssistantSettings)
    return s
