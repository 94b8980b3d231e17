"""Algorithm-register card of the pseudonymisation service (``/app/confidentialite``, the
LLM gateway and the assistant's stored messages).

A core service, not a module: every commune has it, so the public register always lists it
(``communia.core.register.CORE_SERVICE_CARDS``).
"""

from __future__ import annotations

from communia.core.privacy.ner import MODEL_NAME
from communia.core.registry import AlgorithmCard

__all__ = ["CARD", "NER_MODEL_VERSION"]

# The version pinned in pyproject.toml's ``privacy`` extra (a test keeps them equal).
NER_MODEL_VERSION = "3.8.0"

CARD = AlgorithmCard(
    title="Masquage des données personnelles (pseudonymisation)",
    summary=(
        "Repère dans un texte les noms, adresses, numéros de téléphone, courriels, numéros de "
        "sécurité sociale, coordonnées bancaires et autres données personnelles, et les "
        "remplace par des alias (« Personne 1 », « Adresse 1 ») avant que le texte soit "
        "enregistré ou confié à un modèle de langage."
    ),
    purpose=(
        "Protéger la vie privée des habitants : ne garder et ne transmettre que ce qui est "
        "nécessaire, comme le demande le Règlement général sur la protection des données (RGPD)."
    ),
    data_used=(
        "Textes collés ou déposés par le personnel de la mairie (courriers, comptes rendus).",
        "Messages des habitants à l'assistant d'accueil, masqués avant d'être enregistrés.",
        "Textes envoyés à un modèle de langage extérieur, quand la commune l'autorise.",
        "Table de correspondance entre les alias et les données d'origine, chiffrée, propre à "
        "chaque commune, qui l'efface quand elle n'en a plus besoin.",
    ),
    logic=(
        "Deux méthodes se complètent. Des règles reconnaissent les données qui ont une forme "
        "fixe : numéros de téléphone, adresses électroniques et postales, dates de naissance, "
        "plaques d'immatriculation, parcelles du cadastre, et les numéros d'allocataire, "
        "fiscal, de passeport, de carte d'identité ou de France Travail écrits après leur nom ; "
        "pour le numéro de sécurité sociale, le compte bancaire (IBAN) et le numéro "
        "d'entreprise (SIRET), le chiffre de contrôle est vérifié. Les noms de personnes sont repérés par un modèle d'analyse de la langue "
        "française, qui a appris sur des articles de presse à reconnaître les noms propres, "
        "complété par des règles (« M. », « Mme », prénoms : ceux donnés en France depuis 1900 "
        "d'après le fichier des prénoms de l'Insee, et d'autres pays). Chaque donnée trouvée est "
        "remplacée par un alias, le même pour toutes les mentions d'une même personne. Aucun "
        "texte n'est rédigé par une intelligence artificielle."
    ),
    human_oversight=(
        "La personne qui masque un texte voit les données repérées et le texte obtenu avant de "
        "s'en servir, et peut le corriger. Retrouver les données d'origine est réservé aux "
        "comptes du personnel et de l'administration de la commune, jamais aux comptes en "
        "lecture seule, et chaque fois inscrit au journal d'audit."
    ),
    model=(
        "Règles écrites pour le français et petit modèle d'analyse de la langue française "
        f"installé sur le serveur de la commune ({MODEL_NAME}, de la bibliothèque libre spaCy)"
    ),
    model_version=f"{MODEL_NAME} {NER_MODEL_VERSION}",
    risks=(
        "Une donnée personnelle peut ne pas être repérée (nom rare écrit en minuscules, adresse "
        "incomplète) : les taux de détection mesurés pour chaque type de donnée sont publiés, "
        "et un texte doit être relu avant d'être diffusé.",
        "Un mot ordinaire peut être pris pour un nom et masqué à tort : le texte d'origine "
        "n'est pas modifié.",
        "Sans le modèle d'analyse de la langue (installation minimale), les noms ne sont "
        "repérés que par les règles : la page et les résultats le signalent.",
    ),
)
