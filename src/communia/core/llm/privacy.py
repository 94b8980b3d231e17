"""What the gateway needs from pseudonymisation, and a small fallback.

``communia.core.privacy`` (built separately) does the real work: French NER, addresses,
checksummed identifiers, encrypted mappings. The gateway only needs the two calls of
``Pseudonymiser``. ``RegexPseudonymiser`` is a deliberately simple stand-in used by tests and
when an administrator explicitly opts in; it is *not* chosen automatically for real traffic,
because it does not find personal names without a capitalised title or context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = ["Pseudonymiser", "RegexPseudonymiser", "default_pseudonymiser"]


@runtime_checkable
class Pseudonymiser(Protocol):
    """Replace personal data by aliases, and put it back.

    ``pseudonymise(text)`` returns the pseudonymised text and an opaque ``token`` (the
    mapping, or a reference to where it is stored). ``reidentify(text, token)`` puts the
    original values back wherever their aliases appear in ``text``. The same token may be
    passed to several ``pseudonymise`` calls' results: the gateway pseudonymises each
    message separately but must reuse aliases across messages, so it calls
    ``pseudonymise`` once on the joined messages (see ``gateway._pseudonymise_messages``).
    """

    def pseudonymise(self, text: str) -> tuple[str, Any]: ...

    def reidentify(self, text: str, token: Any) -> str: ...


# Order matters: checksummed and structured identifiers before free-form names.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("IBAN", re.compile(r"\bFR\d{2}(?:\s?[0-9A-Z]{4}){5}\s?[0-9A-Z]{3}\b")),
    (
        "NIR",
        re.compile(
            r"\b[12]\s?\d{2}\s?(?:0[1-9]|1[0-2])\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}\s?\d{2}\b"
        ),
    ),
    ("SIRET", re.compile(r"\b\d{3}\s?\d{3}\s?\d{3}\s?\d{5}\b")),
    ("TELEPHONE", re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")),
    (
        "ADRESSE",
        re.compile(
            r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|impasse|allée|route|quai|cours)"
            r"\s+(?:[dl][eu']?\s?|des\s|de\sla\s)?[A-ZÉÈÀ][\w'’-]*(?:\s+[A-ZÉÈÀ][\w'’-]*)*",
            re.IGNORECASE,
        ),
    ),
    (
        "PERSONNE",
        re.compile(
            r"\b(?:M\.|Mme|Mlle|Monsieur|Madame|Mademoiselle|Dr|Docteur|Maître|Me)\s+"
            r"[A-ZÉÈ][\w'’-]+(?:\s+[A-ZÉÈ][\w'’-]+){0,2}"
        ),
    ),
)


@dataclass
class RegexPseudonymiser:
    """Regex stand-in: e-mails, IBAN, NIR, SIRET, French phones, street addresses, and names
    following a civility (« M. Jean Martin »). Aliases look like ``[PERSONNE_1]``.
    Extra literal values (e.g. names known from the database) can be given in ``known``."""

    known: dict[str, str] = field(default_factory=dict)  # value -> category

    def pseudonymise(self, text: str) -> tuple[str, dict[str, str]]:
        mapping: dict[str, str] = {}  # alias -> original
        reverse: dict[str, str] = {}
        counters: dict[str, int] = {}

        def alias_for(category: str, value: str) -> str:
            if value in reverse:
                return reverse[value]
            counters[category] = counters.get(category, 0) + 1
            alias = f"[{category}_{counters[category]}]"
            mapping[alias] = value
            reverse[value] = alias
            return alias

        for value, category in sorted(self.known.items(), key=lambda kv: -len(kv[0])):
            if value and value in text:
                text = text.replace(value, alias_for(category, value))
        for category, pattern in _PATTERNS:
            text = pattern.sub(lambda m, c=category: alias_for(c, m.group(0)), text)
        return text, mapping

    def reidentify(self, text: str, token: dict[str, str]) -> str:
        if not token:
            return text
        pattern = re.compile("|".join(re.escape(a) for a in sorted(token, key=len, reverse=True)))
        return pattern.sub(lambda m: token[m.group(0)], text)


def default_pseudonymiser() -> Pseudonymiser | None:
    """The project's pseudonymiser when ``communia.core.privacy`` provides one, else ``None``.

    Expected hook (to be provided by the privacy service): ``communia.core.privacy``
    exposing ``gateway_pseudonymiser() -> Pseudonymiser``. Without it the gateway refuses to
    send anything to a remote endpoint.
    """
    try:
        from communia.core import privacy  # type: ignore[attr-defined]
    except ImportError:
        return None
    factory = getattr(privacy, "gateway_pseudonymiser", None)
    if factory is None:
        return None
    candidate = factory()
    return candidate if isinstance(candidate, Pseudonymiser) else None
