"""Test helper other modules reuse (the LLM gateway's tests, for one).

from communia.core.privacy.testing import assert_no_personal_data
assert_no_personal_data(sent_text, known=("Jean Dupont", "06 12 34 56 78"))
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from communia.core.privacy.aliases import normalise_value
from communia.core.privacy.entities import ALIAS_PREFIX
from communia.core.privacy.pipeline import scan

__all__ = ["assert_no_personal_data"]

_ALIAS = re.compile(
    r"(?:"
    + "|".join(re.escape(p) for p in sorted(ALIAS_PREFIX.values(), key=len, reverse=True))
    + r") \d+"
)


def assert_no_personal_data(text: str, *, known: Iterable[str] = (), use_ner: bool = True) -> None:
    """Fail when ``text`` holds personal data: any detection, or any of the ``known`` values.

    Aliases ("Personne 1", "Adresse 2") are allowed. ``known`` values are compared
    loosely (case, accents and separators ignored), so "06.12.34.56.78" also catches
    "06 12 34 56 78".
    """
    problems = []
    for e in scan(text, use_ner=use_ner).entities:
        if not _ALIAS.fullmatch(e.text.strip()):
            problems.append(f"{e.type}: {e.text!r}")
    flat = normalise_value("ADRESSE", text).replace(" ", "")
    digits = re.sub(r"\D", "", text)
    for value in known:
        value_digits = re.sub(r"\D", "", value)
        if len(value_digits) >= 6 and not re.sub(r"[\d\s.+()/-]", "", value):
            leaked = value_digits in digits  # a number: compare digits only
        else:
            key = normalise_value("ADRESSE", value).replace(" ", "")
            leaked = bool(key) and key in flat
        if leaked:
            problems.append(f"valeur connue en clair : {value!r}")
    if problems:
        raise AssertionError("Données personnelles en clair : " + "; ".join(problems))
