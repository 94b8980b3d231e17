"""Public register of the algorithms a commune uses (CRPA L312-1-3, L311-3-1; AI Act art. 50).

Built from the cards of the modules the commune has enabled and of the core services every
commune uses (the LLM gateway, pseudonymisation), so the register can never drift from what
actually runs. Exported as a web page, CSV and JSON (open data), and
used to write the plain-language notice attached to any decision that used an algorithm.
"""

from __future__ import annotations

import csv
import importlib
import io
from dataclasses import asdict, dataclass

from communia.core.models import Commune
from communia.core.registry import AlgorithmCard, load_modules

__all__ = [
    "RegisterEntry",
    "enumeration",
    "register_for",
    "register_csv",
    "register_json",
    "decision_notice",
    "AI_DISCLOSURE",
    "REGISTER_FIELDS",
    "CORE_SERVICE_CARDS",
    "algorithm_cards",
]

# Core services that process text with AI for every commune, whatever modules it enabled:
# name -> "module:attribute" of their card, declared beside the service like a module's.
CORE_SERVICE_CARDS: dict[str, str] = {
    "llm": "communia.core.llm.card:CARD",
    "privacy": "communia.core.privacy.card:CARD",
}
AI_DISCLOSURE = "Vous échangez avec une intelligence artificielle."
REGISTER_FIELDS = (
    "collectivite", "siret", "module", "titre", "finalite", "resume", "donnees", "fonctionnement",
    "modele", "version_modele", "controle_humain", "risques", "contact", "decision_individuelle",
    "interaction_citoyens",
)  # fmt: skip


@dataclass(frozen=True)
class RegisterEntry:
    collectivite: str
    siret: str
    module: str
    titre: str
    finalite: str
    resume: str
    donnees: tuple[str, ...]  # one item a line on the page, joined by « ; » in the exports
    fonctionnement: str
    modele: str
    version_modele: str
    controle_humain: str
    risques: tuple[str, ...]
    contact: str
    decision_individuelle: bool
    interaction_citoyens: bool


def enumeration(items: tuple[str, ...]) -> str:
    """Join a card's list items with « ; », dropping each item's final full stop."""
    return " ; ".join(item.rstrip(".") for item in items)


def _entry(commune: Commune, name: str, card: AlgorithmCard) -> RegisterEntry:
    contact = card.contact
    if commune.email:
        contact = f"{card.contact} — {commune.email}"
    return RegisterEntry(
        collectivite=commune.name,
        siret=commune.siret,
        module=name,
        titre=card.title,
        finalite=card.purpose,
        resume=card.summary,
        donnees=card.data_used,
        fonctionnement=card.logic,
        modele=card.model,
        version_modele=card.model_version,
        controle_humain=card.human_oversight,
        risques=card.risks,
        contact=contact,
        decision_individuelle=card.affects_people,
        interaction_citoyens=card.citizen_facing,
    )


def algorithm_cards(enabled: set[str] | None = None) -> list[tuple[str, AlgorithmCard]]:
    """(name, card) of the modules (only the ``enabled`` ones, if given), then the core services."""
    cards = [(m.name, m.card) for m in load_modules() if enabled is None or m.name in enabled]
    for name, target in CORE_SERVICE_CARDS.items():
        path, _, attr = target.partition(":")
        cards.append((name, getattr(importlib.import_module(path), attr)))
    return cards


def register_for(commune: Commune) -> list[RegisterEntry]:
    enabled = set(commune.enabled_modules or [])
    return [_entry(commune, name, card) for name, card in algorithm_cards(enabled)]


def _open_data(entry: RegisterEntry) -> dict:
    """An entry as the open-data exports give it: each list one text, items joined by « ; »."""
    return {
        **asdict(entry),
        "donnees": enumeration(entry.donnees),
        "risques": enumeration(entry.risques),
    }


def register_csv(entries: list[RegisterEntry]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REGISTER_FIELDS, lineterminator="\n")
    writer.writeheader()
    for entry in entries:
        row = _open_data(entry)
        row["decision_individuelle"] = "oui" if entry.decision_individuelle else "non"
        row["interaction_citoyens"] = "oui" if entry.interaction_citoyens else "non"
        writer.writerow(row)
    return buffer.getvalue()


def register_json(entries: list[RegisterEntry]) -> list[dict]:
    return [_open_data(e) for e in entries]


def decision_notice(commune: Commune, module_name: str, *, decision: str, contribution: str) -> str:
    """The mention owed to a person when an individual decision used an algorithm (CRPA L311-3-1).

    ``decision`` says what was decided; ``contribution`` how far the algorithm contributed
    (e.g. "le classement proposé par l'outil a été revu et modifié par un agent").
    """
    card = dict(algorithm_cards()).get(module_name)
    if card is None:
        raise ValueError(f"unknown module {module_name!r}")
    return (
        f"{decision}\n\n"
        f"Cette décision a été prise sur le fondement d'un traitement algorithmique : « {card.title} ». "
        f"Finalité : {card.purpose} Degré de contribution : {contribution}. "
        f"Données utilisées : {'; '.join(card.data_used)}. "
        f"Fonctionnement : {card.logic} "
        f"Contrôle humain : {card.human_oversight}\n\n"
        "Vous pouvez demander à la commune de vous communiquer les règles de ce traitement et les "
        "principales caractéristiques de sa mise en œuvre (article L311-3-1 du code des relations "
        f"entre le public et l'administration) en écrivant à {commune.email or 'la mairie'}. "
        "Aucune décision vous concernant n'est prise par une machine seule : une personne de la "
        "mairie l'a validée."
    )
