"""Numbers said in words, as a phone transcript writes them.

A caller dictates a phone number by pairs (« zéro six, vingt-deux, quatorze, zéro zéro,
quatre-vingt-un »), a date of birth in words (« né le onze novembre trente-deux ») and an
e-mail address (« seb point lefort arobase gmail point com »). The
digit recognisers cannot see these; this module reads the French number words back into
digits and finds both.
"""

from __future__ import annotations

import re

from communia.core.numbers_fr import NUMBER_WORD, UNITS, below_hundred
from communia.core.privacy.entities import Entity
from communia.core.privacy.lexicon import MONTHS, fold

# Words of a number run, joined by spaces, hyphens, commas or an ellipsis; a caller may say
# the first pair in digits (« 06 seize vingt-huit … ») or the country code (« plus trente-trois »)
_TOKEN = rf"(?:{NUMBER_WORD}|\d{{2}}|plus)"
_RUN = re.compile(rf"(?i)(?<![\w-]){_TOKEN}(?:(?:[\s,\-]|\.\.\.|…)+{_TOKEN})*(?![\w-])")
_RUN_WORD = re.compile(rf"(?i)(?<!\w){_TOKEN}(?!\w)")


def _phone_digits(words: list[str], i: int) -> tuple[str, int]:
    """Digits dictated by pairs from ``words[i]``, and the index after the last word read:
    « zéro six » is 06, « zéro zéro » 00, « vingt-deux » 22, « quatre » 4."""
    digits = ""
    while i < len(words) and len(digits) < 10:
        if words[i].isdigit():
            digits, i = digits + words[i], i + 1
            continue
        if words[i] == "zero":
            nxt = words[i + 1] if i + 1 < len(words) else ""
            eighty = nxt == "quatre" and i + 2 < len(words) and words[i + 2].startswith("vingt")
            if nxt in UNITS and not eighty:
                digits, i = digits + f"0{UNITS[nxt]}", i + 2
            else:
                digits, i = digits + "0", i + 1
            continue
        value, j = below_hundred(words, i)
        if value is None:
            break
        digits, i = digits + str(value), j
    return digits, i


def find_spoken_phones(text: str) -> list[Entity]:
    """Ten digits said in words from a « zéro » (« zéro sept, soixante et onze, dix-huit,
    vingt-deux, zéro neuf »), from a first pair in digits (« 06 seize vingt-huit … ») or from
    the country code (« plus trente-trois six … »)."""
    found = []
    for run in _RUN.finditer(text):
        tokens = list(_RUN_WORD.finditer(text, run.start(), run.end()))
        words = [fold(t.group()) for t in tokens]
        i = 0
        while i < len(words):
            start = i
            if words[i] == "plus" and below_hundred(words, i + 1) == (33, i + 3):
                i += 2  # « plus trente-trois six … »: +33 and the nine digits after the 0
                digits, j = _phone_digits(["zero", *words[i + 1 :]], 0)
                j += i
            elif words[i] == "zero" or (words[i].isdigit() and words[i].startswith("0")):
                digits, j = _phone_digits(words, i)
            else:
                i += 1
                continue
            if len(digits) == 10 and any(not w.isdigit() for w in words[start:j]):
                a, b = tokens[start].start(), tokens[j - 1].end()
                found.append(Entity("TELEPHONE", a, b, text[a:b], 0.85, "regle:telephone-oral"))
                i = j
            else:
                i = start + 1
    return found


_MONTHS = "|".join(MONTHS)
# « né le onze novembre trente-deux », « née le premier mai mille neuf cent cinquante », « né à
# Marseille le deux février mille neuf cent quarante et un »
_BIRTH_IN_WORDS = re.compile(
    rf"(?i)\bn[ée]e?(?:\s+à\s+[^\W\d_][\w'’-]*(?:[\s-][\w'’-]+){{0,3}}?)?\s+le\s+(?P<date>(?:premier|{NUMBER_WORD}(?:[\s-]+{NUMBER_WORD})?)\s+(?:{_MONTHS})"
    rf"(?:[\s-]+{NUMBER_WORD})*)(?![\w-])"
)


def find_spoken_birth_dates(text: str) -> list[Entity]:
    """A date of birth said in words after « né le »; the day must be a number from 1 to 31."""
    found = []
    for m in _BIRTH_IN_WORDS.finditer(text):
        day_words = [fold(w) for w in re.split(r"[\s-]+", m.group("date"))]
        if day_words[0] != "premier":
            value, _ = below_hundred(day_words, 0)
            if value is None or value > 31:
                continue
        date = re.sub(r"(?i)(?:[\s-]+et)+$", "", m.group("date"))
        a = m.start("date")
        found.append(Entity("DATE_NAISSANCE", a, a + len(date), date, 0.85, "regle:ddn-oral"))
    return found


# « gerard point marin arobase wanadoo point fr »: an e-mail address said on the phone
_SPOKEN_EMAIL = re.compile(
    r"(?i)(?<![\w])[\w-]+(?:[ \u00a0]+(?:point|tiret|underscore)[ \u00a0]+[\w-]+)*"
    r"[ \u00a0]+(?:arobase|arrobase)[ \u00a0]+[\w-]+(?:[ \u00a0]+point[ \u00a0]+[\w-]+)+(?![\w])"
)


def find_spoken_emails(text: str) -> list[Entity]:
    return [
        Entity("EMAIL", m.start(), m.end(), m.group(), 0.85, "regle:courriel-oral")
        for m in _SPOKEN_EMAIL.finditer(text)
    ]
