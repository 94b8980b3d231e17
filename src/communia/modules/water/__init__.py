"""Water: leak detection and localisation from network telemetry, pipe break risk.

Light on purpose: WNTR, pandas and scipy are imported inside the functions that need them.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from communia.core.registry import AlgorithmCard, HealthResult, Module

__all__ = ["MAX_UPLOAD_MB", "MODULE", "WaterSettings"]

#: A year of 5-minute telemetry (L-Town: about 30 Mo as a ZIP of .csv.gz), decompressed.
MAX_UPLOAD_MB = 200


class WaterSettings(BaseModel):
    """Settings of the water module (env ``COMMUNIA_MODULES__WATER__...``)."""

    signature_cache: str = Field(
        default="",
        description=(
            "Dossier du cache des signatures de fuite "
            "simulées (vide : <data_dir>/water/signatures)."
        ),
        examples=["/var/lib/communia/water/signatures"],
    )
    renewal_km_per_year: float = Field(
        default=1.0,
        description="Budget de renouvellement par défaut, en km de canalisations par an.",
        examples=[0.8],
    )


def _wntr_available() -> HealthResult:
    import importlib.util

    ok = all(importlib.util.find_spec(m) is not None for m in ("wntr", "six", "pandas", "scipy"))
    return HealthResult(
        ok=ok,
        label="Moteur hydraulique WNTR/EPANET pour le module eau",
        fix="Installez l'extra : pip install 'communia[water]'",
        optional=True,
    )


def _web():
    from communia.modules.water.web import router

    return router


def _api():
    from communia.modules.water.api import router

    return router


def _cli():
    from communia.modules.water.cli import water_group

    return water_group()


CARD = AlgorithmCard(
    title="Eau potable : fuites et risque de casse",
    summary=(
        "Détecte les fuites à partir des débits, pressions et compteurs communicants, propose "
        "les canalisations suspectes, et classe les conduites par risque de casse."
    ),
    purpose="Réduire les pertes d'eau et cibler le renouvellement des canalisations.",
    data_used=(
        "Mesures envoyées à distance par le réseau (débits d'entrée, pressions, niveau des "
        "réservoirs), toutes les 5 minutes",
        "Consommations des compteurs communicants (agrégées, aucune donnée nominative)",
        "Plan hydraulique du réseau, au format du logiciel public de simulation EPANET",
        "Inventaire des canalisations et journal des réparations",
    ),
    logic=(
        "1) Bilan d'eau par secteur : l'eau qui entre, moins celle stockée dans les "
        "réservoirs. 2) Consommation attendue : celle des compteurs communicants, heure par "
        "heure, corrigée par un coefficient par heure et type de jour (semaine, week-end ou "
        "férié) appris sur une période passée. 3) L'écart entre les deux, le débit que rien "
        "n'explique, est suivi dans le temps (somme cumulée, « CUSUM ») : un saut brusque "
        "donne une alerte en quelques heures, une fuite qui grossit lentement finit par "
        "dépasser le seuil, une baisse durable est lue comme une réparation. 4) Localisation "
        ": le changement des pressions mesurées est comparé aux effets de fuites simulées en "
        "chaque point du plan du réseau (logiciel public EPANET) ; la conduite proposée est "
        "celle près de laquelle la fuite a le plus de chances de se trouver (à moins de 300 "
        "m), avec les autres conduites possibles et leur probabilité. Des règles complètent "
        "ce calcul pour les cas difficiles : plusieurs fuites en même temps, une fuite brusque "
        "qui part pendant le suivi d'une autre, une fuite cachée "
        "par la réparation d'une autre, une fuite déjà présente au début des données, la "
        "marche des pompes ; une hausse de moins de 1 m³/h, ou qu'aucune fuite simulée "
        "n'explique, n'est pas signalée. Le détail de chaque règle est publié avec le "
        "logiciel (documentation du module eau, « Méthode de détection en détail »), avec ses "
        "mesures. Méthode de référence comparée : le débit minimum de nuit. Risque de casse : "
        "un modèle statistique qui compte les casses (de type LEYP, courant pour les réseaux "
        "d'eau) tient compte de l'âge, du matériau, du diamètre, de la longueur et surtout "
        "des casses passées de la conduite ; il est comparé à l'âge seul."
    ),
    human_oversight=(
        "Une alerte est une proposition : le service des eaux la confirme, la rejette ou la "
        "déclare réparée après recherche sur le terrain ; le plan de renouvellement est une aide "
        "à la décision du service des eaux et du conseil municipal."
    ),
    model=(
        "Calculs statistiques sur les mesures du réseau (bilan d'eau, régression, somme cumulée "
        "des écarts « CUSUM ») ; simulation hydraulique du réseau par un logiciel public (EPANET, "
        "par la bibliothèque WNTR) ; modèle statistique du nombre de casses (régression de Poisson)"
    ),
    model_version="water-16",
    risks=(
        "Une fuite déjà présente au début de la période n'est visible qu'avec une calibration "
        "apprise sur une période passée dont les fuites sont connues (étape de calibration).",
        "Localisation moins précise pour les petites fuites (< 8 m³/h) et les zones peu "
        "instrumentées.",
        "Écarts entre le modèle EPANET et le réseau réel (rugosités, diamètres) : sur des années "
        "simulées avec un autre écart tiré au hasard, une partie des fuites brusques est placée "
        "à 400–700 m de la vraie conduite (fausse alerte et fuite manquée à la fois).",
        "Une nouvelle fuite proche d'une fuite déjà signalée et non réparée peut être placée "
        "trop loin, l'effet de la fuite signalée étant mis de côté pour la chercher.",
        "Au début d'une période, deux fuites ajustées ensemble peuvent donner deux alertes "
        "dont une fausse (l'écart du modèle ressemble parfois à une seconde fuite).",
    ),
)


def _attention(session, commune_id: int) -> str:
    from communia.core.formatting import fr_count
    from communia.modules.water.service import list_alerts

    n = len(list_alerts(session, commune_id, status="ouverte"))
    return fr_count(n, "alerte de fuite à vérifier", "alertes de fuite à vérifier") if n else ""


def _seed_demo(slug: str) -> None:
    from communia.modules.water.demo import seed_demo

    seed_demo(slug)


MODULE = Module(
    name="water",
    card=CARD,
    web_action="Voir les alertes de fuite et le risque de casse",
    settings=WaterSettings,
    cli=_cli,
    web_router=_web,
    api_router=_api,
    migrations=Path(__file__).parent / "migrations",
    nav_label="Eau potable",
    health_checks=(_wntr_available,),
    seed_demo=_seed_demo,
    attention=_attention,
    upload_limits_mb={"/telereleve": MAX_UPLOAD_MB},
)
