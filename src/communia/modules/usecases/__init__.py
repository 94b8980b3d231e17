"""Use-case library: the Senate's "bibliothèque des cas d'usage" for pooling between communes."""

from __future__ import annotations

from pathlib import Path

from communia.core.registry import AlgorithmCard, Module

__all__ = ["MODULE"]


def _web():
    from communia.modules.usecases.web import router

    return router


def _public():
    from communia.modules.usecases.web import public_router

    return public_router


def _api():
    from communia.modules.usecases.api import router

    return router


def _seed(session):
    from communia.modules.usecases.service import seed

    return seed(session)


def _cli():
    from communia.modules.usecases.cli import group

    return group


MODULE = Module(
    name="usecases",
    nav_label="Cas d'usage",
    web_action="Consulter ou décrire un cas d'usage",
    public_action="Consulter les cas d'usage des communes",
    card=AlgorithmCard(
        title="Bibliothèque des cas d'usage",
        summary="Catalogue partagé des usages de l'IA par les collectivités : problème traité, taille de "
        "la commune, données, outil, coût, résultats chiffrés, risques et contact.",
        purpose="Mutualiser les expériences entre communes, comme le recommande le rapport du Sénat "
        "n° 447 (2025), et favoriser les solutions souveraines et sobres.",
        data_used=(
            "Fiches rédigées par le personnel des communes",
            "Catalogues publics d'autres instances Communia (fédération)",
        ),
        logic="Aucun traitement automatique : recherche plein texte et filtres sur les fiches. "
        "Chaque fiche importée d'une autre instance garde la mention de sa provenance.",
        human_oversight="Les fiches sont rédigées et publiées par le personnel des communes ; rien "
        "n'est publié sans lui.",
        model="Aucun modèle d'IA",
    ),
    web_router=_web,
    public_router=_public,
    api_router=_api,
    cli=_cli,
    migrations=Path(__file__).parent / "migrations",
    seed=_seed,
)
