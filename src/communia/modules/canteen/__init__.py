"""Canteen: forecast school meals per canteen and day, and turn them into orders.

Light on import: pandas, LightGBM and the calendars are imported inside functions.
"""

from __future__ import annotations

from pathlib import Path

from communia.core.registry import AlgorithmCard, HealthResult, Module

__all__ = ["MAX_IMPORT_MB", "MODULE"]

#: Largest attendance file the manager's page accepts (Nantes' 8 years: about 3 Mo).
MAX_IMPORT_MB = 50


def _cli():
    from communia.modules.canteen.cli import build_cli

    return build_cli()


def _web():
    from communia.modules.canteen.web import build_router

    return build_router()


def _seed_demo(slug: str) -> None:
    from communia.modules.canteen.demo import seed_demo

    seed_demo(slug)


def _api():
    from communia.modules.canteen.api import build_api_router

    return build_api_router()


def _check_libraries() -> HealthResult:
    import importlib.util

    missing = [
        name
        for name in (
            "pandas",
            "lightgbm",
            "sklearn",
            "vacances_scolaires_france",
            "jours_feries_france",
        )
        if importlib.util.find_spec(name) is None
    ]
    return HealthResult(
        ok=not missing,
        label="Cantines : bibliothèques de prévision installées",
        fix="pip install 'communia[canteen]'" if missing else "",
        optional=True,
    )


CARD = AlgorithmCard(
    title="Prévision des repas dans les cantines scolaires",
    summary=(
        "Prévoit, pour chaque cantine et chaque jour de classe, le nombre de repas qui seront "
        "servis, et propose une commande qui limite le gaspillage sans manquer de repas."
    ),
    purpose=(
        "Réduire le gaspillage alimentaire et les achats inutiles de la restauration scolaire "
        "en ajustant les commandes à la fréquentation attendue."
    ),
    data_used=(
        "Historique des repas servis et commandés par cantine et par jour (logiciel de la "
        "restauration scolaire) ; aucune donnée sur un enfant en particulier.",
        "Effectifs d'élèves par école et par année scolaire, rattachement des écoles aux cantines.",
        "Menus du jour, grèves annoncées, sorties et fermetures saisies par le gestionnaire.",
        "Calendrier des vacances scolaires (paquet vacances-scolaires-france, données du "
        "ministère) et jours fériés (paquet jours-feries-france).",
    ),
    logic=(
        "Pour chaque cantine, on part de son niveau habituel : la moyenne des repas servis "
        "pendant la dernière année scolaire complète, ajustée à l'évolution des effectifs "
        "(une nouvelle cantine part de ses effectifs et des cantines semblables). Deux modèles "
        "d'arbres de décision (gradient boosting, LightGBM) apprennent sur les années passées "
        "comment ce niveau varie selon le jour de la semaine, la proximité des vacances et "
        "des jours fériés, le menu (poisson, porc, autre viande, végétarien, repas de fête), "
        "les grèves et la période de l'année. L'un vise la moyenne, l'autre la valeur du "
        "milieu (la médiane), moins sensible aux jours exceptionnels : un jour de grève, la "
        "plupart des cantines servent presque normalement et quelques-unes, jamais les mêmes, "
        "presque rien. La prévision est la moyenne des deux. Les jours où une cantine a servi "
        "moins de 30 % ou plus de trois fois ses repas habituels de l'année (fermeture "
        "partielle, sortie, erreur de saisie ; hors grèves) sont écartés de l'apprentissage. "
        "La prévision ne dépend jamais des repas "
        "servis après la dernière date de l'historique. La commande ajoute une marge tirée des "
        "erreurs passées du modèle, mesurées sur une année scolaire mise de côté, séparément "
        "pour l'automne et le printemps ; cette marge croît comme la racine carrée du nombre "
        "de repas prévus (plus de repas en plus pour une grande cantine, mais moins en "
        "proportion). Au niveau de service 95 %, la cantine ne doit manquer de repas qu'environ "
        "un jour sur vingt. Un jour de grève, la prévision baisse un peu, mais la commande "
        "n'est jamais inférieure à celle du même jour sans grève : on ne sait pas d'avance "
        "quelles cantines suivront la grève, et celles qui servent normalement ne doivent "
        "pas manquer de repas. Le modèle est réentraîné en arrière-plan à chaque nouvel import "
        "de fréquentation. Pour chaque jour, l'écran indique les principaux facteurs de la "
        "prévision (par exemple « menu végétarien : −9 repas »)."
    ),
    human_oversight=(
        "Le gestionnaire de la restauration valide et peut modifier chaque commande avant "
        "envoi ; il saisit les grèves, sorties et fermetures que le modèle ne peut pas "
        "connaître, et corrige la catégorie d'un plat. Les écarts entre prévision et repas "
        "servis sont affichés après coup."
    ),
    model=(
        "Arbres de décision combinés (méthode « gradient boosting », bibliothèque LightGBM), "
        "comparés à une prévision simple (le niveau habituel), appris sur les seules données "
        "de la commune"
    ),
    model_version="canteen-gbm-3",
    risks=(
        "Un événement non saisi (grève, sortie) peut provoquer un manque ou un surplus ce jour-là.",
        "Une cantine nouvelle ou profondément modifiée est prévue avec moins de précision.",
    ),
    affects_people=False,
)

MODULE = Module(
    name="canteen",
    card=CARD,
    web_action="Voir les prévisions de repas et les commandes",
    cli=_cli,
    web_router=_web,
    api_router=_api,
    migrations=Path(__file__).parent / "migrations",
    health_checks=(_check_libraries,),
    seed_demo=_seed_demo,
    nav_label="Cantines",
    upload_limits_mb={"/import": MAX_IMPORT_MB},
)
