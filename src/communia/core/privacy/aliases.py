"""Consistent aliases: the same person, address or number gets the same "Personne 1".

``AliasTable`` is the in-memory mapping (alias -> original value); ``replace`` and
``restore`` are exact inverses on the aliases the table knows. Storage and encryption are in
``communia.core.privacy.store``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from communia.core.privacy.checksums import compact
from communia.core.privacy.entities import ALIAS_PREFIX, Entity
from communia.core.privacy.lexicon import fold

__all__ = ["AliasEntry", "AliasTable", "normalise_value"]

_MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}  # fmt: skip


def _date_key(value: str) -> str:
    v = fold(value).replace("1er", "1")
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", v)
    if m:
        return f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}"
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", v)
    if m:
        return v
    m = re.fullmatch(r"(\d{1,2})\s+([a-z]+)\s+(\d{4})", v)
    if m and m[2] in _MONTHS:
        return f"{m[3]}-{_MONTHS[m[2]]:02d}-{int(m[1]):02d}"
    return v


def normalise_value(kind: str, value: str) -> str:
    """Comparison key: two spellings of the same datum give the same key."""
    if kind == "EMAIL":
        return value.strip().lower()
    if kind == "TELEPHONE":
        digits = re.sub(r"\D", "", value.replace("(0)", ""))
        if digits.startswith("0033"):
            digits = "0" + digits[4:]
        elif digits.startswith("33") and len(digits) == 11:
            digits = "0" + digits[2:]
        return digits
    if kind in {"NIR", "IBAN", "SIRET", "SIREN", "PLAQUE"}:
        return compact(value)
    if kind == "DATE_NAISSANCE":
        return _date_key(value)
    words = re.findall(r"[\w]+", fold(value))
    return " ".join(words)


def _same_person(a: str, b: str) -> bool:
    """Whether two person keys name the same person: "Dupont" or "M. Jean Dupont" after
    "Jean Dupont" (the full words of one are a subset of the other's), and "J. Dupont" or
    "S. Lefèvre-Garnier" after "Jean Dupont" or "Sophie Lefèvre-Garnier" (an initial stands for
    a word of the other that starts with it; "J. Dupont" is not "Marie Dupont")."""
    a_words, b_words = _name_words(a), _name_words(b)
    a_full = {w for w in a_words if len(w) > 1}
    b_full = {w for w in b_words if len(w) > 1}
    if not a_full or not b_full:
        return False
    if a_full <= b_full:
        short, short_full, long_words = a_words, a_full, b_words
    elif b_full <= a_full:
        short, short_full, long_words = b_words, b_full, a_words
    else:
        return False
    spare = [w for w in long_words if w not in short_full]
    return all(any(w.startswith(i) for w in spare) for i in short if len(i) == 1)


def _name_words(key: str) -> list[str]:
    words = key.split()
    return words[1:] if words[:1] == ["m"] else words  # "M." is "Monsieur", not an initial


@dataclass
class AliasEntry:
    alias: str
    type: str
    value: str  # the first (or longest, for persons) spelling seen
    keys: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"alias": self.alias, "type": self.type, "value": self.value, "keys": self.keys}


@dataclass
class AliasTable:
    entries: list[AliasEntry] = field(default_factory=list)

    # -- lookup ------------------------------------------------------------------------
    def _find(self, kind: str, key: str) -> AliasEntry | None:
        same_type = [e for e in self.entries if e.type == kind]
        for entry in same_type:
            if key in entry.keys:
                return entry
        if kind == "PERSONNE":
            for entry in same_type:
                if any(_same_person(key, k) for k in entry.keys):
                    return entry
        return None

    def alias_for(self, kind: str, value: str) -> str:
        key = normalise_value(kind, value)
        entry = self._find(kind, key)
        if entry is None:
            number = sum(1 for e in self.entries if e.type == kind) + 1
            entry = AliasEntry(f"{ALIAS_PREFIX[kind]} {number}", kind, value, [key])
            self.entries.append(entry)
        else:
            if key not in entry.keys:
                entry.keys.append(key)
            if kind == "PERSONNE" and len(value) > len(entry.value):
                entry.value = value  # restore the fullest spelling
        return entry.alias

    # -- text --------------------------------------------------------------------------
    def replace(self, text: str, entities: list[Entity]) -> str:
        """``text`` with each entity replaced by its alias (entities must not overlap)."""
        out, pos = [], 0
        for e in sorted(entities, key=lambda e: e.start):
            if e.start < pos:
                raise ValueError("overlapping entities")
            out.append(text[pos : e.start])
            out.append(self.alias_for(e.type, e.text))
            pos = e.end
        out.append(text[pos:])
        return "".join(out)

    def _alias_regex(self) -> re.Pattern[str] | None:
        if not self.entries:
            return None
        aliases = sorted((e.alias for e in self.entries), key=len, reverse=True)
        return re.compile(
            r"(?<![\w])(?:"
            + "|".join(re.escape(a) for a in aliases)
            + r")(?![\w])(?![ \u00a0.,]?\d)"
        )

    def restore(self, text: str) -> str:
        """Put the original values back in place of the aliases."""
        regex = self._alias_regex()
        if regex is None:
            return text
        values = {e.alias: e.value for e in self.entries}
        return regex.sub(lambda m: values[m.group()], text)

    def aliases_in(self, text: str) -> list[str]:
        regex = self._alias_regex()
        return regex.findall(text) if regex else []

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e.type] = out.get(e.type, 0) + 1
        return out

    # -- serialisation -------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"version": 1, "entries": [e.to_dict() for e in self.entries]}

    @classmethod
    def from_json(cls, data: dict) -> AliasTable:
        if data.get("version") != 1:
            raise ValueError("unknown alias table version")
        return cls([AliasEntry(**e) for e in data["entries"]])
