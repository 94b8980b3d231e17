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
        "1) Bilan d'eau par secteur : ce qui entre moins ce qui est stocké dans les réservoirs. "
        "2) Consommation attendue : les compteurs communicants indiquent la consommation des "
        "abonnés à chaque heure ; un coefficient par heure et par type de jour (semaine, "
        "week-end ou férié), appris sur une période de calibration, donne la consommation "
        "attendue de chaque secteur. 3) L'écart (débit non expliqué) est suivi par une somme "
        "cumulée (CUSUM) : un saut brusque déclenche l'alerte en quelques heures, une fuite "
        "qui grossit lentement s'accumule jusqu'au seuil ; après une alerte la référence "
        "intègre la fuite, et une baisse durable (réparation) la fait redescendre. Le bruit "
        "de l'écart est mesuré sur la première semaine des données, compté entre 1 % et 2 % "
        "de la consommation du secteur : au-delà, c'est une fuite qui commence, pas du bruit. "
        "4) Localisation : le changement des pressions mesurées est comparé aux signatures de "
        "fuites simulées en chaque point du plan EPANET ; la conduite proposée est celle qui "
        "maximise la probabilité que la fuite soit à moins de 300 m ; le changement est mesuré "
        "par rapport à des instants postérieurs à la fuite ou à la réparation précédente de la "
        "zone ; si l'endroit trouvé est celui d'une fuite déjà signalée dans la zone (elle "
        "grossit, ou cache une nouvelle fuite), l'effet simulé de celle-ci est mis de côté et "
        "un autre endroit, à plus de 300 m, est retenu s'il est assez probable (70 %). "
        "Si cette probabilité reste sous 50 %, l'alerte attend une demi-journée au plus (une "
        "fuite brusque est signalée moins de 24 h après son début estimé) et la "
        "localisation est refaite ; une hausse qui n'atteint jamais 1 m³/h "
        "n'est pas signalée, ni une hausse restée trop faible pour être localisée dont "
        "aucune fuite simulée n'explique au moins le quart du changement des pressions (la "
        "dérive du bilan, pas une fuite). Après une réparation dans la zone, une fuite lente mal "
        "expliquée par les jours écoulés depuis la réparation est aussi comparée aux pressions "
        "« sans fuite » de la calibration : si cette lecture désigne un autre endroit, à plus "
        "de 300 m, les deux sont signalés (une fuite cachée avant la réparation). Sinon, une "
        "seconde fuite y est cherchée : la réparation est elle-même localisée par les pressions "
        "qu'elle a rendues, les endroits signalés à moins de 300 m de là (la fuite réparée) ne "
        "sont plus mis de côté, ceux de l'événement le sont, et un endroit à plus de 300 m, "
        "probable à au moins 50 %, est signalé aussi. "
        "Une fuite qui grossit est relocalisée chaque semaine : une seconde "
        "alerte n'est émise que si elle a grossi de moitié et qu'un autre endroit, à plus de "
        "300 m, devient nettement plus probable. "
        "Une calibration apprise sur une période passée dont les fuites sont connues retire "
        "leur débit du bilan et, par simulation, leur effet sur les pressions : elle donne les "
        "pressions « sans fuite » (par heure et type de jour, et en fonction des débits "
        "mesurés) qui permettent de situer une fuite déjà présente au début de la période "
        "analysée ; la plus sûre des deux références l'emporte. Plusieurs fuites peuvent "
        "déjà courir ensemble : le changement est aussi ajusté par deux fuites à la fois "
        "(toutes les paires de conduites éloignées de plus de 300 m, débits positifs), "
        "contre chacune des deux références, la plus sûre d'abord ; si "
        "une seule fuite en explique au moins la moitié, que la paire laisse nettement moins "
        "d'écart (au plus 65 % de ce qu'une fuite laisse) et que chacune porte au moins 20 % "
        "du débit, les deux endroits sont signalés. Pour ces fuites du début, les directions "
        "selon lesquelles les pressions « sans fuite » de la période de calibration "
        "s'écartaient d'un jour à l'autre de ces références (saison, répartition de la "
        "consommation) sont mises de côté, comme une hausse uniforme de la demande : elles "
        "ne désignent pas une fuite. Pour une fuite qui apparaît pendant la période, "
        "comparée aux semaines d'avant, ces mêmes directions comptent moins à proportion "
        "de l'erreur qu'elles portaient d'un jour à l'autre (une direction à peine plus "
        "grande que le bruit reste presque entière). Quand une pompe mesurée emporte l'eau "
        "d'une zone vers une autre (une zone alimentée par un réservoir), la variation de son "
        "débit (une fuite en aval : la pompe tourne plus longtemps pour remplir le réservoir) "
        "baisse les pressions de la zone près de la pompe ; cet effet, calculé par la "
        "simulation de la pompe en marche et à l'arrêt, est retiré avant de situer la fuite. "
        "Méthode de référence comparée : le débit minimum de nuit. "
        "Risque de casse : un modèle statistique qui compte les casses (de type LEYP, courant "
        "pour les réseaux d'eau) tient compte de l'âge, du matériau, du diamètre, de la "
        "longueur et surtout des casses passées de la conduite ; il est comparé à l'âge seul."
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
    model_version="water-15",
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
