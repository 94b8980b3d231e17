"""Entity types, their French labels and the ``Entity`` record returned by detection."""

from __future__ import annotations

from dataclasses import asdict, dataclass

__all__ = ["Entity", "ENTITY_TYPES", "LABELS", "ALIAS_PREFIX", "PRIORITY"]

# Order = priority when two detections overlap (first wins): identifiers proven by a
# checksum or a strict syntax beat contextual guesses, addresses beat the names inside them
# ("12 avenue Victor Hugo" is an address, not a person).
ENTITY_TYPES: tuple[str, ...] = (
    "EMAIL",
    "IBAN",
    "NIR",
    "SIRET",
    "SIREN",
    "IDENTIFIANT",
    "TELEPHONE",
    "PLAQUE",
    "PARCELLE",
    "ADRESSE",
    "DATE_NAISSANCE",
    "PERSONNE",
)
PRIORITY = {name: i for i, name in enumerate(ENTITY_TYPES)}

LABELS: dict[str, str] = {
    "PERSONNE": "nom de personne",
    "ADRESSE": "adresse postale",
    "TELEPHONE": "numéro de téléphone",
    "EMAIL": "adresse électronique",
    "NIR": "numéro de sécurité sociale (NIR)",
    "IBAN": "IBAN",
    "SIRET": "SIRET",
    "SIREN": "SIREN",
    "IDENTIFIANT": "numéro personnel (CAF, impôts, passeport…)",
    "DATE_NAISSANCE": "date de naissance",
    "PLAQUE": "plaque d'immatriculation",
    "PARCELLE": "parcelle cadastrale",
}

# What replaces a value: "<prefix> <n>", e.g. "Personne 1", "Adresse 2".
ALIAS_PREFIX: dict[str, str] = {
    "PERSONNE": "Personne",
    "ADRESSE": "Adresse",
    "TELEPHONE": "Téléphone",
    "EMAIL": "Courriel",
    "NIR": "NIR",
    "IBAN": "IBAN",
    "SIRET": "SIRET",
    "SIREN": "SIREN",
    "IDENTIFIANT": "Identifiant",
    "DATE_NAISSANCE": "Date de naissance",
    "PLAQUE": "Immatriculation",
    "PARCELLE": "Parcelle",
}


@dataclass(frozen=True)
class Entity:
    """One personal datum found in a text: ``text[start:end]`` is the value."""

    type: str
    start: int
    end: int
    text: str
    score: float
    source: str  # which recogniser: "regex:nir", "spacy", "regle:civilite", ...

    def to_dict(self) -> dict:
        return asdict(self)
