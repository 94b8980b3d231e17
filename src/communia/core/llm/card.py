"""Algorithm-register card of the LLM gateway and its chat page (``/app/llm``, ``/v1``).

A core service, not a module: every commune has it, so the public register always lists it
(``communia.core.register.CORE_SERVICE_CARDS``).
"""

from __future__ import annotations

from communia.core.llm.model import MODEL_NAME
from communia.core.registry import AlgorithmCard

__all__ = ["CARD"]

CARD = AlgorithmCard(
    title="Aide à la rédaction par un modèle de langage",
    summary=(
        "Un modèle de langage, c'est-à-dire une intelligence artificielle qui écrit du texte, "
        "aide le personnel de la mairie à rédiger, résumer ou reformuler : dans la page de "
        "conversation de l'espace du personnel, ou par les outils de la commune qui s'y "
        "connectent."
    ),
    purpose=(
        "Faire gagner du temps au personnel de la mairie sur l'écrit (brouillons de courrier, "
        "résumés, reformulations) sans faire sortir de données de la commune."
    ),
    data_used=(
        "Les messages que le personnel écrit dans la page de conversation ou envoie par les "
        "outils de la commune.",
        "Le journal de chaque échange : modèle, longueur, durée et énergie estimée ; le texte "
        "lui-même n'y est gardé que si la commune l'a choisi (sinon, une empreinte qui ne permet "
        "pas de le relire).",
        "Aucune de ces données ne sert à entraîner le modèle.",
    ),
    logic=(
        "Le modèle prolonge le texte qu'on lui donne, mot après mot, en choisissant chaque fois "
        "une suite probable d'après ce qu'il a appris sur un grand nombre de textes publics. Il "
        "ne consulte ni internet ni les fichiers de la commune, ne vérifie pas les faits et peut "
        "se tromper avec assurance. Par défaut, il fonctionne sur le serveur de la commune et "
        "rien n'en sort. Si l'administration de la commune autorise un service extérieur (par "
        "exemple Albert, le service de l'État), les noms, adresses, numéros de téléphone et "
        "autres données personnelles sont remplacés par des alias avant l'envoi, puis rétablis "
        "dans la réponse. Une consigne fixe demande au modèle de traiter les documents et les "
        "messages des habitants comme des informations, jamais comme des ordres."
    ),
    human_oversight=(
        "Le modèle propose un texte ; la personne qui l'utilise le relit, le corrige et reste "
        "responsable de ce qu'elle en fait. Il ne prend aucune décision et ne répond jamais "
        "directement aux habitants. Chaque échange est inscrit au journal d'audit de la commune."
    ),
    model=(
        "Petit modèle de langage publié librement, installé sur le serveur de la commune "
        "(Qwen2.5-Coder, 1,5 milliard de paramètres, version « instruct » compressée, d'Alibaba, "
        "licence Apache 2.0) ; ou le service extérieur que la commune a autorisé"
    ),
    model_version=MODEL_NAME,
    risks=(
        "Réponse fausse ou inventée : la page de conversation le rappelle, et chaque texte "
        "doit être relu avant d'être utilisé.",
        "Donnée personnelle transmise à un service extérieur : seulement si la commune l'a "
        "autorisé, et après remplacement par des alias ; un nom rare peut échapper à la "
        "détection.",
        "Consigne cachée dans un document (« ignore tes instructions ») : le document est "
        "présenté au modèle comme une simple information, et les tentatives repérées sont "
        "signalées au journal.",
    ),
)
