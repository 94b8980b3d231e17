"""Which service of the town hall handles a topic.

Two signals: (1) each imported service-public fiche gets a default service from its theme
(breadcrumb) by the rules below, editable by agents per fiche; (2) a routing index of each
service's description and of real request texts it handled (e.g. the Paris participatory
budget: citizen titles and the department that ran them), searched with core.search.
"""

from __future__ import annotations

import re

from communia.core.search.analysis import fold_accents

__all__ = ["THEME_RULES", "HINTS", "service_for_breadcrumb", "resolve_service", "DEFAULT_SERVICE"]

DEFAULT_SERVICE = "accueil"

# (words found in the fiche's breadcrumb or title, service slug); first match wins.
THEME_RULES: list[tuple[tuple[str, ...], str]] = [
    (
        ("elections", "liste electorale", "listes electorales", "referendum", "carte electorale"),
        "elections",
    ),
    (
        ("deces", "obseques", "sepulture", "cimetiere", "inhumation", "cremation", "concession"),
        "etat-civil",
    ),
    (
        (
            "etat civil",
            "naissance",
            "mariage",
            "pacs",
            "pacte civil",
            "livret de famille",
            "nom et prenom",
            "changement de prenom",
            "union libre",
            "separation de corps",
            "bapteme civil",
            "accouchement sous x",
            "reconnaissance",
        ),
        "etat-civil",
    ),
    (
        (
            "garde d enfants",
            "creche",
            "assistante maternelle",
            "jardin d enfants",
            "faire garder",
            "enfant handicape de moins de 3 ans",
        ),
        "petite-enfance",
    ),
    (
        (
            "ecole",
            "scolaire",
            "scolarite",
            "cantine",
            "obligation scolaire",
            "instruction obligatoire",
            "college et lycee",
            "ecole a la maison",
            "bourse",
        ),
        "scolaire",
    ),
    (("assainissement", "qualite de l eau", "eau du robinet"), "eau"),
    (
        (
            "accueil de loisirs",
            "centre de loisirs",
            "colonie",
            "sejours de loisirs",
            "bafa",
            "bafd",
            "sport",
            "auberge de jeunesse",
            "jeunes travailleurs",
        ),
        "jeunesse-sport",
    ),
    (("dechets", "ordures", "encombrants", "debroussaillage", "bacs a poubelle"), "proprete"),
    (
        (
            "autorisations d urbanisme",
            "permis de construire",
            "permis d amenager",
            "permis de demolir",
            "declaration prealable",
            "certificat d urbanisme",
            "preemption",
            "expropriation",
            "achat d un terrain",
            "travaux",
            "cloture",
            "piscine",
            "mitoyen",
            "plantations",
            "ravalement",
            "alignement",
            "terrain agricole",
            "architecte",
            "transformer un local",
            "eau de pluie",
            "solaire",
            "ouverture",
            "annexes",
            "maison",
        ),
        "urbanisme",
    ),
    (
        (
            "troubles de voisinage",
            "animal de compagnie",
            "chien",
            "chat",
            "stationnement",
            "masque",
            "reserve communale",
            "caravanage",
        ),
        "police-municipale",
    ),
    (
        (
            "personnes agees",
            "personne agee",
            "apa",
            "aspa",
            "rsa",
            "hebergement social",
            "precarite",
            "logement social",
            "fonds de solidarite",
            "loyer",
            "microcredit",
            "aide sociale",
            "migrants",
            "aides au paiement",
            "depot de garantie",
            "portage des repas",
            "soins a domicile",
            "insalubre",
            "peril",
            "habitat",
        ),
        "ccas",
    ),
]


# Words that identify each canonical service among a commune's own services, whatever their
# slugs ("Accueil et état civil", "Services techniques"...): slug and name first, then description.
HINTS: dict[str, tuple[str, ...]] = {
    "accueil": ("accueil",),
    "etat-civil": ("etat civil", "etat-civil", "cimetiere"),
    "elections": ("election", "citoyennete"),
    "scolaire": ("scolaire", "education", "ecole", "enfance"),
    "petite-enfance": ("petite enfance", "petite-enfance", "creche", "enfance"),
    "jeunesse-sport": ("jeunesse", "sport", "loisirs"),
    "proprete": ("proprete", "dechets", "technique"),
    "voirie": ("voirie", "technique", "espaces verts"),
    "eau": ("eau", "assainissement", "technique"),
    "urbanisme": ("urbanisme",),
    "police-municipale": ("police", "tranquillite"),
    "ccas": ("ccas", "social", "solidarite"),
}


def _fold(text: str) -> str:
    return fold_accents(text.lower()).replace("'", " ").replace("’", " ")


def resolve_service(canonical: str, services: dict[str, tuple[str, str]]) -> str:
    """The commune's service for a canonical one (``services``: slug → (name, description))."""
    if canonical in services:
        return canonical
    hints = HINTS.get(canonical, ())
    for use_description in (False, True):
        for slug, (name, description) in services.items():
            text = _fold(description if use_description else f"{slug} {name}")
            if any(re.search(rf"\b{re.escape(h)}", text) for h in hints):
                return slug
    return ""


def service_for_breadcrumb(
    breadcrumb: list[str], title: str, available: set[str] | dict[str, tuple[str, str]]
) -> str:
    """Default service of a fiche among the commune's services (the reception otherwise)."""
    services = available if isinstance(available, dict) else {s: (s, "") for s in available}
    text = _fold(" ".join([*breadcrumb[1:], title]))
    for words, slug in THEME_RULES:
        if any(re.search(rf"\b{w}s?\b", text) for w in words):
            found = resolve_service(slug, services)
            if found:
                return found
    return resolve_service(DEFAULT_SERVICE, services)
