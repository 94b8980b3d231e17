"""Rule-based recognisers of French personal data (no dependency beyond ``re``).

Each recogniser is a function ``text -> list[Entity]``. Identifiers with a key (NIR, IBAN,
SIRET/SIREN) are reported when the key is right, and also with a wrong key when their label
precedes them on the same line (« N° de sécurité sociale : … »): a mistyped number still
identifies its holder. Contextual ones (dates of birth, old-style plates, SIREN, cadastral
parcels) need a nearby cue word.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from collections.abc import Callable

from communia.core.numbers_fr import NUMBER_WORD
from communia.core.privacy.checksums import (
    IBAN_LENGTHS,
    compact,
    iban_is_valid,
    iban_key_holds,
    nir_is_valid,
    siren_is_valid,
    siret_is_valid,
)
from communia.core.privacy.entities import Entity
from communia.core.privacy.lexicon import (
    CIVILITIES,
    GIVEN_NAMES,
    GIVEN_NAMES_ALONE,
    GIVEN_NAMES_LISTED,
    GIVEN_NAMES_WIDE,
    MONTHS,
    NAMED_PLACES,
    NOT_NAMES,
    ORG_MARKERS,
    ROLE_NOUNS,
    STREET_TYPES,
    fold,
    is_census_surname,
    no_name_word,
)
from communia.core.privacy.spoken import (
    find_spoken_birth_dates,
    find_spoken_emails,
    find_spoken_phones,
)

__all__ = [
    "RULE_RECOGNIZERS",
    "find_emails",
    "find_phones",
    "find_nirs",
    "find_ibans",
    "find_sirets",
    "find_sirens",
    "find_birth_dates",
    "find_plates",
    "find_parcels",
    "find_personal_ids",
    "find_addresses",
    "find_addresses_in_fields",
    "find_residences",
    "find_persons_in_fields",
    "is_name_field_label",
    "find_places",
    "find_persons_by_rules",
    "find_persons_in_civility_lists",
    "find_persons_by_introduction",
    "find_given_names_in_lists",
    "find_persons_upper_surname_first",
    "find_spelled_names",
    "find_couples",
    "find_nicknames",
    "find_children",
    "find_greeted_names",
    "find_parties",
    "find_families",
]

# Latin letters of French and of the names of people from elsewhere (« Beñat », « Stanisław »,
# « LÓPEZ GARCÍA », « Ionuț », « Nguyễn »)
_UP = "A-ZÀ-ÖØ-ÞŸĀĂĄĆČĎĐĒĖĘĚĞĪİĶĻŁŃŅŇŌŐŒŘŚŞŠŢŤŪŮŰŲŹŻŽȘȚĨŨƠƯẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ"
_LOW = "a-zà-öø-ÿāăąćčďđēėęěğīıķļłńņňōőœřśşšţťūůűųźżžșțĩũơưạ-ỹ"
_WORD_CAP = rf"[{_UP}][{_LOW}{_UP}]*(?:[-'’][{_UP}{_LOW}][{_LOW}{_UP}]*)*"


def _entities(kind: str, matches, source: str, score: float, group: int = 0) -> list[Entity]:
    return [
        Entity(kind, m.start(group), m.end(group), m.group(group), score, source) for m in matches
    ]


# --- e-mail ----------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+(?:\.[\w+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)


def find_emails(text: str) -> list[Entity]:
    return _entities("EMAIL", _EMAIL.finditer(text), "regex:email", 1.0)


# --- phone numbers (France, metropolitan and overseas) -----------------------------------
# between pairs: a space (two on a scan), a dot, a hyphen or a dash, spaced or not
# (« 06 – 98 – 41 – 77 – 30 », « 03 . 26 . 47 . 10 . 82 »)
_PAIR_SEP = r"(?:[ \u00a0]{1,2}|[ \u00a0]?[.\-–—][ \u00a0]?)?"
# « le 06, 12, 98, 76, 54 »: a number dictated pair by pair, with commas
_PHONE_BY_PAIRS = re.compile(r"(?<![\w+,])0[1-9](?:,[ \u00a0]\d{2}){4}(?![\d,])")
_PHONE = re.compile(
    # (not the start of a pupil's INE, « 0912345678K »)
    rf"(?<![\w+])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:{_PAIR_SEP}\d{{2}}){{4}}(?![\dA-Za-z])"
    r"|(?<![\w+])(?:(?:\+|00)\s?(?:262|590|594|596|269|687|689)\s?)\d{3}(?:[ .\-]?\d{2}){3}(?!\d)"
)


# Other countries' numbers, written with their "+" or "00" and country code (« +351 912 345
# 678 », « 0048 512 874 330 »).
_PHONE_ABROAD = re.compile(
    r"(?<![\w+])(?:\+(?!33)[1-9]\d{0,2}|(?<!\d[ .\u00a0])00[ \u00a0]?(?!33)[1-9]\d{0,2}(?=[ .\u00a0]))"
    r"(?:[ .\-\u00a0]?\(?\d{1,4}\)?){2,5}(?!\d)"
)


# ten digits dictated one by one (« 0 6 4 5 1 2 7 8 9 3 »)
_PHONE_DIGIT_BY_DIGIT = re.compile(r"(?<![\w+])0(?:[ \u00a0]\d){9}(?![\w])")


# A number of eight digits from before 1996, in old papers typed back (« Tél. : (42) 26.14.50 »,
# « (40) 91.04.17 », « tel : 78 84 21 09 »): after its area code in brackets, or after « tél »
_OLD_PHONE = re.compile(
    r"(?<![\w+.])(?:(?P<area>\(\d{1,2}\)[ \u00a0]?)\d\d(?:[ .\u00a0]\d\d){2,3}"
    r"|\d\d(?:[ .\u00a0]\d\d){3})(?![\w]|[ .]\d)"
)
_OLD_PHONE_CUE = re.compile(r"(?i)\bt[ée]l(?:[ée]phone)?\b[^\n\d]{0,20}$")
_AMOUNT_AFTER = re.compile(r"[ \u00a0]*(?:€|euros?\b|F\b|francs?\b)")  # « (2) 10 20 30 F »


def _date_like(number: str) -> bool:
    """« (3) 12.10.20 »: a list's number, then a date, not « (42) 26.14.50 »."""
    pairs = re.findall(r"\d\d", number.split(")")[-1])
    return len(pairs) == 3 and 1 <= int(pairs[0]) <= 31 and 1 <= int(pairs[1]) <= 12


def find_phones(text: str) -> list[Entity]:
    old = [
        m
        for m in _OLD_PHONE.finditer(text)
        if (m.group("area") or _OLD_PHONE_CUE.search(text, max(0, m.start() - 30), m.start()))
        and not _AMOUNT_AFTER.match(text, m.end())
        and not _date_like(m.group())
    ]
    abroad = [
        m for m in _PHONE_ABROAD.finditer(text) if 9 <= sum(c.isdigit() for c in m.group()) <= 15
    ]
    matches = [
        *_PHONE.finditer(text),
        *_PHONE_DIGIT_BY_DIGIT.finditer(text),
        *_PHONE_BY_PAIRS.finditer(text),
        *abroad,
        *old,
    ]
    return _entities("TELEPHONE", matches, "regex:telephone", 0.95)


# --- NIR (numéro d'inscription au répertoire, "numéro de sécurité sociale") --------------
_SEP = r"[ .\-\u00a0]?"
# the key set apart by a dash, spaced or not (« 1 36 05 23 096 031 - 69 »)
_KEY_SEP = rf"(?:[ \u00a0]?[-–][ \u00a0]?|{_SEP})"
_NIR = re.compile(
    rf"(?<![\w])[1-478]{_SEP}\d\d{_SEP}\d\d{_SEP}(?:\d\d|2[ABab]){_SEP}\d{{3}}{_SEP}\d{{3}}"
    rf"{_KEY_SEP}\d\d(?![\w])"
    # overseas departments are often grouped 3+2: "1 85 05 971 23 456 78"
    rf"|(?<![\w])[1-478]{_SEP}\d\d{_SEP}\d\d{_SEP}\d{{3}}{_SEP}\d\d{_SEP}\d{{3}}{_KEY_SEP}\d\d(?![\w])"
)


_NIR_CUE = re.compile(
    r"(?i)(?:s[ée]curit[ée]\s+sociale|\bs[ée]cu\b|\bNIR\b|\bN°\s*SS\b|\bINSEE\b|"
    r"carte\s+vitale|\bassur[ée]e?\s+social)"
)
_IBAN_CUE = re.compile(r"(?i)(?:\bIBAN\b|\bRIB\b|compte\s+bancaire|coordonn[ée]es\s+bancaires)")
_SIRET_CUE = re.compile(r"(?i)\bSIRET\b")


def _labelled(text: str, start: int, cue: re.Pattern) -> bool:
    """Whether ``cue`` is among the 40 characters before ``start``, on the same line."""
    return bool(cue.search(text[max(0, start - 40) : start].rsplit("\n", 1)[-1]))


def _keyed(kind, matches, text, is_valid, cue, source) -> list[Entity]:
    """Identifiers whose key is right, or whose label precedes them (a mistyped key)."""
    found = []
    for m in matches:
        if is_valid(m.group()):
            found.append(Entity(kind, m.start(), m.end(), m.group(), 1.0, source))
        elif _labelled(text, m.start(), cue):
            found.append(Entity(kind, m.start(), m.end(), m.group(), 0.85, "regex:libelle"))
    return found


def find_nirs(text: str) -> list[Entity]:
    return _keyed("NIR", _NIR.finditer(text), text, nir_is_valid, _NIR_CUE, "regex:nir+cle")


# --- IBAN ------------------------------------------------------------------------------
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})")  # « fr76 … » typed in lower case


_IBAN_DIGITS = re.compile(r"[A-Z]{2}\d{2}(?:[ \u00a0-]?\d)+(?![\w])")


def _mistyped_iban(text: str, start: int, length: int) -> Entity | None:
    """An IBAN with a digit too few or too many (an account number copied short) whose check
    digits still hold: still someone's bank account."""
    m = _IBAN_DIGITS.match(text, start)
    if not m or not 0 < abs(len(compact(m.group())) - length) <= 2 or not iban_key_holds(m.group()):
        return None
    return Entity("IBAN", m.start(), m.end(), m.group(), 0.8, "regex:iban-longueur")


def find_ibans(text: str) -> list[Entity]:
    found = []
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1).upper())
        if length is None:
            continue
        # Read exactly ``length`` alphanumerics, allowing single separators between them.
        i, count, end = m.start(), 0, m.start()
        while i < len(text) and count < length:
            ch = text[i]
            if ch.isascii() and ch.isalnum():
                count += 1
                end = i + 1
            elif ch in " -\u00a0" and count and i + 1 < len(text) and text[i + 1].isalnum():
                pass
            else:
                break
            i += 1
        if count != length or end < len(text) and text[end].isascii() and text[end].isdigit():
            if mistyped := _mistyped_iban(text, m.start(), length):
                found.append(mistyped)
            continue
        if end < len(text) and text[end].isascii() and text[end].isalnum():
            continue  # glued to more characters: not an IBAN
        value = text[m.start() : end]
        if iban_is_valid(value):
            found.append(Entity("IBAN", m.start(), end, value, 1.0, "regex:iban+mod97"))
        elif _labelled(text, m.start(), _IBAN_CUE):
            found.append(Entity("IBAN", m.start(), end, value, 0.85, "regex:libelle"))
    return found


# --- SIRET / SIREN ---------------------------------------------------------------------
# the establishment's five digits, whole or grouped 3 + 2 or 2 + 3 (« 794 551 200 000 15 »,
# « 880 415 278 00 014 »)
_NIC = r"(?:\d{5}|\d{3}[ .\u00a0]\d{2}|\d{2}[ .\u00a0]\d{3})"
_SIRET = re.compile(
    rf"(?<![\d])\d{{3}}[ .\u00a0]?\d{{3}}[ .\u00a0]?\d{{3}}[ .\u00a0]?{_NIC}(?![\d])"
)
_SIREN = re.compile(
    rf"(?<![\d])\d{{3}}[ .\u00a0]?\d{{3}}[ .\u00a0]?\d{{3}}(?![\d]|[ .\u00a0]?{_NIC}(?![\d]))"
)
_SIREN_CUE = re.compile(r"(?i)\b(?:siren|rcs|r\.c\.s\.|immatricul\w*|n°\s*d'identification)\b")


def find_sirets(text: str) -> list[Entity]:
    return _keyed(
        "SIRET", _SIRET.finditer(text), text, siret_is_valid, _SIRET_CUE, "regex:siret+luhn"
    )


def find_sirens(text: str) -> list[Entity]:
    found = []
    for m in _SIREN.finditer(text):
        if not siren_is_valid(m.group()):
            continue
        # « immatriculée au RCS de Villefranche-Tarare sous le numéro 527 614 093 »
        before = text[max(0, m.start() - 70) : m.start()]
        after = text[m.end() : m.end() + 12]
        if _SIREN_CUE.search(before) or re.match(r"\s*(?:RCS|R\.C\.S\.)", after):
            found.append(Entity("SIREN", m.start(), m.end(), m.group(), 0.95, "regex:siren+luhn"))
    return found


# --- dates of birth (a date near a cue word) -------------------------------------------
_MONTHS = "|".join(MONTHS)
_MONTHS_SHORT = r"janv|f[ée]vr?|avr|juil|sept?|oct|nov|d[ée]c"
_DATE = re.compile(
    rf"(?<!\d)(?:(?:0?[1-9]|[12]\d|3[01]|1er)[/.\-](?:0?[1-9]|1[0-2])[/.\-](?:19|20)\d\d"
    rf"|(?:1er|0?[1-9]|[12]\d|3[01])\s+(?:(?:{_MONTHS})|(?:{_MONTHS_SHORT})\.)\s+(?:19|20)\d\d"
    rf"|(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))(?!\d)",
    re.IGNORECASE,
)
# « né le 17/09/81 »: a year in two digits, only right after the cue
_SHORT_YEAR_DATE = re.compile(
    r"(?<![\w/])(?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2])/\d\d(?![\w/])"
)
# A scanned form's date, with spaces around the slashes (« 04 / 07 / 1952 »; the pipeline has
# already read O as 0 and l or I as 1 in numbers); taken only right after a birth cue.
_SPACED_DATE = re.compile(r"(?<![\w/])\d\d?[ ]?[/.][ ]?\d\d?[ ]?[/.][ ]?(?:19|20)\d\d(?![\w/])")
# A letter from abroad gives the birth date in its own language (« born on 14 February 1993 »,
# « nació el 3 de mayo de 1932 », « nata a Torino il 12/12/1989 »).
_MONTHS_ABROAD = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
    "gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|"
    "janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|"
    "januar|februar|märz|juni|juli|oktober|dezember"
)
_DATE_ABROAD = re.compile(
    rf"(?i)(?<!\d)(?:0?[1-9]|[12]\d|3[01])\.?\s+(?:de\s+)?(?:{_MONTHS_ABROAD})\.?\s+(?:de\s+)?"
    rf"(?:19|20)\d\d(?!\d)"
)
_BIRTH_WORDS = (
    r"(?:\bnée?s?\b|\bné\(e\)|\bne\s+le\b|\bnaissance\b|\bDDN\b|\bdate\s+de\s+naiss\w*"
    r"|\bnaiss\.|\bborn\b|\bdate\s+of\s+birth\b|\bDOB\b|\bnaci[óo]\b|\bnacid[oa]\b|\bnat[oa]\b|\bnascid[oa]\b|\bgeboren\b)"
)
_BIRTH_CUE = re.compile(_BIRTH_WORDS, re.IGNORECASE)
_BIRTH_CUE_JUST_BEFORE = re.compile(rf"{_BIRTH_WORDS}(?:\s+le)?\W*$", re.IGNORECASE)
_DEATH_CUE = re.compile(r"(?i)\bd[ée]c[ée]d[ée]e?s?\s+le\s*$")


_BIRTH_YEAR = re.compile(
    r"(?i)(?:\bn[ée]e?s?\s+en|\bann[ée]e\s+de\s+naissance\s*:?)\s*(?P<year>(?:19|20)\d\d)(?!\d)"
)


def find_birth_dates(text: str) -> list[Entity]:
    found = [
        Entity("DATE_NAISSANCE", m.start("year"), m.end("year"), m["year"], 0.8, "regex:annee")
        for m in _BIRTH_YEAR.finditer(text)
    ]
    for m in itertools.chain(_DATE.finditer(text), _DATE_ABROAD.finditer(text)):
        window = text[max(0, m.start() - 45) : m.start()]
        # The cue must be in the same sentence/line as the date.
        window = re.split(r"[\n;]|\.\s", window)[-1]
        if _BIRTH_CUE.search(window) and not _DEATH_CUE.search(window):
            found.append(Entity("DATE_NAISSANCE", m.start(), m.end(), m.group(), 0.9, "regex:ddn"))
    for m in itertools.chain(_SPACED_DATE.finditer(text), _SHORT_YEAR_DATE.finditer(text)):
        before = text[max(0, m.start() - 25) : m.start()]
        if not _DATE.fullmatch(m.group()) and _BIRTH_CUE_JUST_BEFORE.search(before):
            found.append(Entity("DATE_NAISSANCE", m.start(), m.end(), m.group(), 0.8, "regex:ddn"))
    return found


# « GIRARD Paulette (1946) », « Oliver (2016-05-11) », and under « ils sont nés », « Mila
# Tessier (19 octobre) »: a year or a date in brackets right after a person's name
_BRACKETED = re.compile(r"[ \u00a0]*\((?P<date>[^()\n,]{4,20}?)[ \u00a0]*[),]")
_DAY_MONTH = re.compile(rf"(?i)(?:1er|0?[1-9]|[12]\d|3[01])\s+(?:{_MONTHS})")


def birth_dates_after_names(text: str, entities: list[Entity]) -> list[Entity]:
    """Dates of birth in brackets after the persons of ``entities`` (resolved, in order): a
    bare year or a full date; a day and month only in a text that speaks of births."""
    births = bool(_BIRTH_CUE.search(text))
    taken = [(e.start, e.end) for e in entities]
    found = []
    for person in (e for e in entities if e.type == "PERSONNE"):
        m = _BRACKETED.match(text, person.end)
        if not m:
            continue
        date = m["date"]
        if not (
            re.fullmatch(r"(?:19|20)\d\d", date)
            or _DATE.fullmatch(date)
            or births
            and _DAY_MONTH.fullmatch(date)
        ):
            continue
        s, e = m.span("date")
        if not any(a < e and s < b for a, b in taken):
            found.append(Entity("DATE_NAISSANCE", s, e, date, 0.75, "regex:ddn-apres-nom"))
    return found


# --- licence plates --------------------------------------------------------------------
_SIV_LETTERS = "A-HJ-NP-TV-Z"
_SIV_STRICT = re.compile(rf"(?<![\w-])[{_SIV_LETTERS}]{{2}}-\d{{3}}-[{_SIV_LETTERS}]{{2}}(?![\w-])")
_SIV_LOOSE = re.compile(
    rf"(?<![\w-])[{_SIV_LETTERS}]{{2}} ?\d{{3}} ?[{_SIV_LETTERS}]{{2}}(?![\w-])"
)
# typed in lower case (« ma voiture (ck-441-mr) »): only with a cue
_SIV_LOWER = re.compile(r"(?<![\w-])[a-hj-np-tv-z]{2}-\d{3}-[a-hj-np-tv-z]{2}(?![\w-])")
_FNI = re.compile(
    r"(?<![\w-])\d{1,4}[ -]?[A-Z]{1,3}[ -]?(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])(?![\w-])"
)
_PLATE_CUE = re.compile(
    r"(?i)\b(?:immatricul\w*|plaque|véhicule|vehicule|voiture|automobile|camion|moto|"
    r"scooter|fourgon|utilitaire|stationn\w*|fourrière|PV|carte\s+grise)\b"
)


def find_plates(text: str) -> list[Entity]:
    found = {(m.start(), m.end()): m for m in _SIV_STRICT.finditer(text)}
    cued = []
    for regex in (_SIV_LOOSE, _SIV_LOWER, _FNI):
        for m in regex.finditer(text):
            if (m.start(), m.end()) in found:
                continue
            window = text[max(0, m.start() - 80) : m.start()]
            # a cue word, or another plate just before (« BN-774-QD et mon ancien Partner … »)
            if _PLATE_CUE.search(window) or _SIV_STRICT.search(window):
                cued.append(m)
    result = [Entity("PLAQUE", s, e, m.group(), 1.0, "regex:siv") for (s, e), m in found.items()]
    result += [
        Entity("PLAQUE", m.start(), m.end(), m.group(), 0.85, "regex:plaque+contexte") for m in cued
    ]
    return result


# --- cadastral parcels -----------------------------------------------------------------
# a house number's street after a list of parcel numbers (« section AM n° 1088, 11 rue du Moulin »)
_STREET_AHEAD = r"(?i:rue|avenue|av\.?|bd|boulevard|chemin|impasse|all[ée]e|route|rte|place|quai)\b"
_PARCEL = re.compile(
    r"(?i)\b(?:parcelles?|cadastr[ée]e?s?|cadastrales?|cadastre|section|terrains?)\b[^.\n]{0,40}?"
    r"(?P<ref>(?:(?:section\s+)?(?-i:(?:\d{3}\s?)?[A-Z]{1,2}|0[A-Z])\s*(?:n[°o]\.?\s*|numéros?\s*)?"
    # Alsace-Moselle numbers its sections: « section 12 n° 87 »
    r"|section\s+\d{1,3}\s*n[°o]\.?\s*)\d{1,4}p?"
    rf"(?:\s*(?:,|et)\s*\d{{1,4}}p?(?!\s+{_STREET_AHEAD}))*)\b"
)


# Further parcels of the same sentence: « parcelles ZK 58 et ZK 59 », « la AC 214, la
# mienne la AC 215 ».
_MORE_PARCEL = re.compile(
    r"(?P<gap>[^.\n\d]{1,20}?)"
    r"(?P<ref>(?<![\w-])(?:section\s+)?(?:\d{3}\s?)?[A-Z]{1,2}\s*(?:n[°o]\.?\s*)?\d{1,4}p?)\b"
)


_SECTION_BEFORE = re.compile(r"(?i)\bsection[ \u00a0]+$")


def find_parcels(text: str) -> list[Entity]:
    found = []
    for m in _PARCEL.finditer(text):
        start = m.start("ref")
        if section := _SECTION_BEFORE.search(text, max(0, start - 12), start):
            start = section.start()  # « section BK n° 214 »: the word was the cue
        found.append(
            Entity(
                "PARCELLE", start, m.end("ref"), text[start : m.end("ref")], 0.9, "regex:parcelle"
            )
        )
        end = m.end()
        while (more := _MORE_PARCEL.match(text, end)) and not re.search(r"[A-Z]", more["gap"]):
            ref = more["ref"]
            found.append(
                Entity("PARCELLE", more.start("ref"), more.end(), ref, 0.85, "regex:parcelle")
            )
            end = more.end()
    return found


# --- other personal reference numbers (after their label) ------------------------------
# A citizen writes her CAF, tax, passport or France Travail number next to its name; no key
# proves it, so only the label does, on the same line.
_ID_LABEL = (
    r"allocataire|\bCAF\b|\bMSA\b|(?<!revenu\s)fiscal|\bSPI\b|passeport|carte\s+(?:nationale\s+)?"
    r"d['’]\s?identit[ée]|\bCNI\b|\bINE\b|France\s+Travail|"
    r"permis(?!\s+(?:de\s+|d['’]\s?)(?:construire|d[ée]molir|am[ée]nager|lotir))"
    r"(?:\s+de\s+conduire)?|"
    r"P[ôo]le\s+[ée]mploi|demandeur\s+d['’]\s?emploi|titre\s+de\s+s[ée]jour|\bAGDREF\b|"
    r"[ée]lecteur|pr[ée][\s-]?demande|\bANTS\b|procuration|num[ée]ro\s+unique|\bpension\b|"
    r"identifiant\s+national|carte\s+(?:mobilit[ée]\s+inclusion|d['’]\s?invalidit[ée]|vitale)|\bCMI\b|"
    r"cartes?\s+de\s+s[ée]jour|[ée]tudiant|m[ée]diath[èe]que|biblioth[èe]que|\bmatricule|redevable|"
    r"n°\s+unique|passport|\bCCAS\b(?=\s+n)|\bNUR\b|\bAPS\b|\bPAI\b|lecteurs?\b|compteur|macaron|"
    r"(?:num[ée]ro|n°)\s+d['’]\s?[ée]l[èe]ve|student\s+ID|customer\s+(?=no\b|number)|"
    r"marquage(?:\s+(?:antivol|bicycode))?|\bbicycode\b|codice\s+fiscale|mission\s+locale|"
    r"dossier\s+(?:famille|[A-Z]{2,6}(?=\s+n))|"
    r"locataire|num[ée]ro\s+(?:de\s+|d['’]\s?)(?:famille|client|contrat|abonn[ée]|adh[ée]rent|usager|dossier"
    r"|demandeur|agent)\b|"
    r"r[ée]f[ée]rence\s+de\s+l['’]\s?avis|\bRSA\b|\bAPA\b|\bMDPH\b|\bPACAGE\b|"
    r"(?m:^[ \t]*dossier(?=[ \t]+[A-Z]*\d))|"
    # a contract, a card, a subscription followed by its number or a code (« contrat LV-20455 »,
    # « carte A-220198 », « abonnée VR-10562 », « ma carte c'est la 0078451 »)
    r"(?:contrat|carte|abonn[ée]e?|abonnement)(?=\s+(?:n(?:°|o\b|\b)|\d|[A-Z]{1,5}-\d|c['’ ]?est\b))|"
    r"contrat(?=\s+n)|carte\s+pro(?:fessionnelle)?\b|livret\s+A\b|\balloc\b|\bpajemploi\b|"
    r"n°\s+demandeur|\blicences?\b|puce|transpondeur|\bNAPI\b|cheptel|\bCESU\b|"
    r"invariant|compte\s+client|r[ée]f[ée]rence\s+unique\s+du\s+mandat|\bRUM\b|"
    # « N° d'abonné », « Réf. abonné », « n° usager », « ref client », « n° famille portail »
    r"(?:n°|\bn\b\.?|num[ée]ro|num|r[ée]f\.?|r[ée]f[ée]rence)\s*(?:de\s+|d['’ ]\s?)?"
    r"(?:client|abonnement|abonn[ée]e?|usager|famille|adh[ée]rent|licence|domiciliation|contrat"
    r"|b[ée]n[ée]ficiaire|membre|tiers|demandeur|redevable)\b|adh[ée]rente?(?=\s+[A-Z]{2,6}-?\d)|"
    # « ID famille 3381 »; an electricity meter's delivery point (« PDL », « PRM »); a tenancy's
    # or a purchase's contract (« contrat de location n° », « contrat d'achat porte le n° »)
    r"\bID\s+(?:famille|abonn[ée]e?|client|usager|utilisateur)\b|\bPDL\b|\bPRM\b|"
    r"contrat\s+(?:de\s+location|d['’]\s?achat|habitation|auto(?:mobile)?|multirisque(?:\s+habitation)?"
    r"|d['’]\s?assurance)|"
    r"(?:usager|famille|licence|client)(?=\s+n°)|\bNUD\b|\bidentifiant\b|livret\s+de\s+circulation|"
    r"num[ée]ro\s+national|\bAVS\b|compte\s+(?:famille|citoyen)|soci[ée]taire|"
    # training and work papers (« BAFA n° », « PASS IAE n° », « n° NEPH », « badge n° »)
    r"\bBAF[AD]\b|pass\s+IAE\b|\bNEPH\b|\bCNAPS\b|i-milo|\bbadge\b|certificat(?=\s+n°)|"
    r"carte\s+b[ée]n[ée]ficiaire|(?:n°|num[ée]ro)\s+(?:de\s+|d['’]\s?)?(?:candidat|enfant)\b|"
    r"pi[èe]ce\s+d['’]\s?identit[ée]|code\s+d['’]\s?acc[èe]s|\bDNI\b|\bNIE\b|"
    r"carta\s+d['’]\s?identit[àa]|inscription\s+consulaire|autorisation\s+provisoire\s+de\s+s[ée]jour|"
    r"\bBNSSA\b|cong[ée]s\s+spectacles|"
    # papers and insurance numbers from abroad (« Personalausweis », « cartão de cidadão »,
    # « National Insurance number », « Versicherungsnummer », « CPF », « CNSS »)
    r"personalausweis|cart[ãa]o\s+de\s+cidad[ãa]o|num[ée]ro\s+d['’]\s?identit[ée]|"
    r"national\s+insurance|versicherungsnummer|\bCPF\b|\bCNSS\b|\bIPP\b|"
    r"(?:n°|num[ée]ro)\s+(?:d['’]\s?)?(?:[ée]tranger|retrait[ée]e?)|"
    r"carte\s+de\s+commer[çc]ant(?:\s+ambulant)?|police(?=\s+n°)|"
    r"\bRPPS\b|\bADELI\b|pensionn[ée]e?|(?:n°|num[ée]ro)\s+(?:de\s+)?carte(?!\s+(?:d['’]\s?identit|nationale|vitale|de\s+s[ée]jour"
    r"|d['’]\s?invalidit|mobilit|grise|bancaire))"
)
_ID_LABEL_RE = re.compile(rf"(?i){_ID_LABEL}")
#: a personal number: 5 to 35 capitals, digits and separators, not an amount (« RSA 1 042 € »)
_ID_REF = (
    r"(?P<ref>(?<![\w-])[0-9A-Z](?:[0-9A-Z]|[ .\-](?=[0-9A-Z])){4,34}(?![\w-]))"
    r"(?![ \u00a0]*(?:€|euros?\b|EUR\b))"
)
# (« Numéro fiscal du déclarant 1 : … »: the declarant's rank is no number)
_ID_AFTER_LABEL = re.compile(
    r"(?:[^\n\d]|(?<=d[ée]clarant )[12]\b){0,40}?(?<!d[ée]clarant )" + _ID_REF
)
# the next of the numbers listed after a label (« n° 4501234567 et n° 4501234568 »)
_ID_NEXT = re.compile(r"[ \u00a0]*(?:,|et|ou|/)[ \u00a0]*(?P<no>n°[ \u00a0]*)?" + _ID_REF)
#: the words that may stand between a label and its number (« CAF : », « n° », « est le »)
_ID_GAP_WORDS = frozenset(
    [
        "n",
        "no",
        "num",
        "numero",
        "est",
        "le",
        "la",
        "l",
        "de",
        "d",
        "du",
        "mon",
        "ma",
        "son",
        "sa",
        "caf",
        "msa",
        "allocataire",
        "fiscal",
        "identifiant",
        "unique",
        "conduire",
        "emploi",
        "travail",
        "porte",
        "sous",
        "c",
        "is",
        "national",
        "demande",
        "departemental",
        "reference",
        "eleve",
        "famille",
        "portail",
        "sur",
        "agent",
        "avis",
        "rsa",
        "dossier",
        "contrat",
        "client",
        "ccas",
        "demandeur",
        "number",
        "abonne",
        "usager",
        "ref",
        "c",
        "portail",
        "licence",
        "domiciliation",
        "logement",
        "social",
        "periscolaire",
        "alloc",
        "professionnelle",
        "conducteur",
        "taxi",
        "a",
        "au",
        "interimaire",
        "cest",
        "etait",
        "reste",
        "declarant",
        # a paper's country (« CNI belge 592-4418837-21 », « passeport italien n° … »)
        "belge",
        "suisse",
        "allemand",
        "allemande",
        "italien",
        "italienne",
        "espagnol",
        "espagnole",
        "portugais",
        "portugaise",
        "polonais",
        "polonaise",
        "britannique",
        "marocain",
        "marocaine",
        "algerien",
        "algerienne",
        "tunisien",
        "tunisienne",
        "roumain",
        "roumaine",
        "turc",
        "turque",
        "neerlandais",
        "neerlandaise",
        "luxembourgeois",
        "luxembourgeoise",
        "francais",
        "francaise",
    ]
)
#: « n° », « numéro »: after one, a single other word may stand in the gap (« passeport
#: irlandais n° », « titre de séjour porte le numéro »)
_ID_NUMBER_WORDS = frozenset(["n", "no", "num", "numero", "number"])


def _shape(ref: str) -> str:
    """« 4501234567 » → « 9999999999 », « AB-12 » → « AA-99 »."""
    return re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", ref))


# a portal's login typed in lower case after its label (« identifiant_portail: lucbarthe82 »,
# « mon identifiant c est pat.vendredi44 », « mon login c tlamotte62 », « identifiant c'est
# dossantos.catia », « identifiant appli : nguillotmba »)
_LOGIN = re.compile(
    r"(?:(?i:identifiant|login|nom[ _]d['’ _]?utilisateur)[\w '’]{0,40}?"
    # an account, two words at most before its login (« Compte AD créé : jperrotduval »,
    # « son compte cfavre »; not « le compte en Espagne : titular … »)
    r"|(?i:compte)(?:[ \u00a0]+(?:[a-zàâçéèêëîïôûù]+|[A-Z]{2,3})){0,2}?)"
    r"(?:[ \u00a0]*(?P<colon>:)|[ \u00a0]+(?P<verb>c['’ ]?est|est|reste|c(?=[ \u00a0]))"
    # or a login that no word is (« l'identifiant hugues.delacroix », « login proposé
    # vmnguyen.saison »)
    r"|[ \u00a0](?=[^\s:]*(?:[a-z][._][a-z]|\d[^\s:]*\d)))"
    r"[ \u00a0]*(?P<ref>[a-z][a-z0-9._-]{3,30}[a-z0-9])(?![\w@-]|\.\w)"  # « …58. » ends a sentence
)


#: a login as systems write them (« jl.fontaine », « adm-sleclerc », « smarchand »)
LOGIN_VALUE = re.compile(r"[a-z][a-z0-9._-]{2,30}[a-z0-9]")
_TECHNICAL_ACCOUNT = re.compile(r"admin[\w.-]*|root|system|guest|anonym\w*|service|test\d*")


def is_personal_login(value: str) -> bool:
    """Whether ``value`` has a login's shape and is no technical account (« admin », « test01 »)."""
    return bool(LOGIN_VALUE.fullmatch(value)) and not _TECHNICAL_ACCOUNT.fullmatch(value)


# a social network's handle or profile (« @marie_lou.b », « facebook.com/sandrine.lopez.5439 »),
# not the town's own account (« @villedelamothe », « @VilledeMontreval »)
_HANDLE = re.compile(
    r"(?<![\w.@/])(?:@|(?:facebook|instagram|twitter|x|tiktok|linkedin)\.com/(?:in/)?)"
    r"(?P<ref>[A-Za-z0-9_](?:[A-Za-z0-9_]|\.(?=[A-Za-z0-9_])){2,39})(?![\w@])"
)
_PUBLIC_HANDLE = re.compile(r"(?i)(?:ville|mairie|commune|cc|agglo|metropole|departement|region)")


# a Windows session or profile (« VALDESQUES\aslefebvre », « C:\Users\aslefebvre\Downloads »)
_WINDOWS_USER = re.compile(
    rf"(?:\b[A-Z][A-Z0-9-]{{1,15}}|\\Users)\\(?P<ref>{LOGIN_VALUE.pattern})(?![\w.-])"
)
# a number said of a card, pass or paper a person holds, in the same clause: after it
# (« carte de fidélité Super U n° 2960 0148 3372 », « passe Navigo … au nom de Fatou SOW
# (n° 0025 7301 1946) », « permis de conduire belge au nom de VERMEULEN Pieter, n° … ») or
# before it (« N° de la carte perdue (si connu) : 100679204512 »)
_HELD = (
    r"(?i:carte|(?<!de )passe?|abonnement|adh[ée]rente?|adh[ée]sion|badge|licence|mutuelle"
    r"|fid[ée]lit[ée]|marquage|bicycode|permis\s+de\s+conduire|passeport|CNI"
    r"|titre\s+de\s+(?:s[ée]jour|transport))"
)
_NOT_HELD = re.compile(
    r"(?i)factur|command|march[ée]|d[ée]lib[ée]r|arr[êe]t[ée]|construire|ticket|registre|dossier"
    r"|courrier|recommand|\blot\b|\bbon\b"
)
_HELD_NUMBER = re.compile(
    rf"\b{_HELD}\b(?P<gap>(?:[^\n.;:()]|\.(?=\S)){{0,50}}?)[( ](?i:n°|num[ée]ro)[ \u00a0]*:?[ \u00a0]*"
    + _ID_REF
    + rf"|\b(?i:n°|num[ée]ro)[ \u00a0]+(?:[\w'’]+[ \u00a0]+){{0,2}}?"
    rf"(?i:de\s+la\s+|de\s+l['’]\s?|du\s+|de\s+)?{_HELD}\b"
    rf"(?P<gap2>[^\n:.;]{{0,30}}):[ \u00a0]*" + _ID_REF.replace("?P<ref>", "?P<ref2>")
)
# a person or an animal registered under a number (« inscrite à l'Ordre sous le n° S12874 »,
# « je suis abonné sous le n° R75-118420 », « identifié sous le numéro d'insert … »; not
# « Enregistré le 24/11 sous le n° … », a file's)
_UNDER_NUMBER = re.compile(
    r"(?i:inscrite?s?|abonn[ée]e?s?|identifi[ée]e?s?|commissionn[ée]e?s?"
    r"|d[ée]livr[ée]e?s?|tenue?s?)\b[^\n.;]{0,60}?\bsous[ \u00a0]+le[ \u00a0]+"
    r"(?i:n°|num[ée]ro)(?:[ \u00a0]+d['’][ \u00a0]?[^\W\d_]+)?[ \u00a0]*:?[ \u00a0]*" + _ID_REF
)


def _labelled_number(text: str, m: re.Match, group: str) -> Entity | None:
    """The personal number that ``m``'s ``group`` holds after its label, the label's words read
    in capitals left out; None when it is a phone number (« médiathèque, 02 99 55 41 60 ») or
    no number: four digits or more, or a code of letters and digits (new identity card, ANTS)
    of eight characters or more holding two digits."""
    ref = m[group]
    digits = sum(c.isdigit() for c in ref)
    code = re.sub(r"[ .\-]", "", ref)
    if _PHONE.fullmatch(ref) or not (
        digits >= 4 or digits >= 2 and len(code) >= 8 and code.isalnum()
    ):
        return None
    start = m.start(group) + _label_words_before_number(ref)
    return Entity(
        "IDENTIFIANT", start, m.end(group), text[start : m.end(group)], 0.85, "regex:libelle"
    )


def _login(m: re.Match) -> bool:
    """Two digits, or a dot or an underscore between letters; after a colon or « est », a
    long word no text writes (« mon login c'est bchauvin », not « mon identifiant est
    incorrect »)."""
    from communia.core.privacy.ner import is_common_word, is_known_word

    ref = m["ref"]
    plain = (
        re.fullmatch(r"[a-z]{6,}(?:-[a-z]+)*", ref)
        and not is_common_word(ref.title())
        and not (m["verb"] and is_known_word(ref))
    )
    return (
        sum(c.isdigit() for c in ref) >= 2
        or bool(re.search(r"[a-z][._][a-z]", ref))
        or bool((m["colon"] or m["verb"]) and plain)
    ) and is_personal_login(ref)


_LEADING_WORD = re.compile(r"[A-Z]+ ")


def _label_words_before_number(ref: str) -> int:
    """How many characters of a reference read in capitals are still its label (« N
    100437201458 », « MUTUELLE 0458712A »): a leading « N »/« NO » or a common word of four
    letters or more; a code's prefix stays (« CA 19 2024 003187 », « ABCD 12345 »)."""
    from communia.core.privacy.ner import is_common_word

    pos = 0
    while (m := _LEADING_WORD.match(ref, pos)) and any(c.isdigit() for c in ref[m.end() :]):
        word = m.group().strip()
        if not (fold(word) in _ID_NUMBER_WORDS or len(word) >= 4 and is_common_word(word.title())):
            break
        pos = m.end()
    return pos


def find_personal_ids(text: str) -> list[Entity]:
    """CAF or MSA, tax (SPI), passport, identity card, driving licence, student (INE), France
    Travail and residence-permit numbers: 5 to 25 characters holding 4 digits or more, after
    their label on the same line, with only words like « n° », « : », « est le » between
    (« N° allocataire CAF : 1234567 »; not « la CAF a versé 12500 euros »)."""
    found = []
    for label in _ID_LABEL_RE.finditer(text):
        pos = label.end()
        for _ in range(3):  # « n° client SICTOM : 0078452 »: a body's acronym, then the number
            m = _ID_AFTER_LABEL.match(text, pos)
            if not m or any(c.isdigit() for c in m.group("ref")):
                break
            pos = m.end("ref")
        if not m or m.start("ref") - label.end() > 40:
            continue
        between = text[label.end() : m.start("ref")]
        gap = [fold(w) for w in re.findall(r"[^\W\d_]+", between)]
        unknown = [w for w in gap if w not in _ID_GAP_WORDS]
        # one other word may stand in the gap after « n° » or before « : » (« carte d'identité
        # polonaise : CAX 458213 »)
        colon = between.rstrip().endswith(":")
        announced = _ID_NUMBER_WORDS.intersection(gap) or colon
        # « Numéro fiscal de M. Vallat : »: the holder's name inside the label
        holder = colon and re.search(r"\bde\s+(?:M\.|Mme|Mlle|Monsieur|Madame)\s", between)
        if (len(unknown) > 1 and not holder) or unknown and not announced:
            continue
        # « cartes de séjour (n° 4501234567 et n° 4501234568) »: the numbers listed after it,
        # each with its « n° » or of the first one's shape (not « 1234567, 75001 PARIS »)
        refs = [m]
        while (nxt := _ID_NEXT.match(text, refs[-1].end("ref"))) and (
            nxt.group("no") or _shape(nxt.group("ref")) == _shape(m.group("ref"))
        ):
            refs.append(nxt)
        for r in refs:
            if (entity := _labelled_number(text, r, "ref")) is None:
                break
            found.append(entity)
    found += [
        Entity("IDENTIFIANT", m.start("ref"), m.end("ref"), m["ref"], 0.85, "regex:identifiant")
        for m in _LOGIN.finditer(text)
        if _login(m)
    ]
    found += [
        Entity("IDENTIFIANT", m.start("ref"), m.end("ref"), m["ref"], 0.85, "regex:identifiant")
        for m in _WINDOWS_USER.finditer(text)
        if is_personal_login(m["ref"])
    ]
    found += [
        Entity("IDENTIFIANT", m.start(), m.end(), m.group(), 0.8, "regex:identifiant")
        for m in _HANDLE.finditer(text)
        if not _PUBLIC_HANDLE.match(m["ref"])
        # « @Nadia tu confirmes ? »: a chat's mention of a person, read as her name
        and not (m["ref"].istitle() and fold(m["ref"]) in GIVEN_NAMES_WIDE)
    ]
    held = [
        (m, "ref", m["gap"]) if m["ref"] else (m, "ref2", m["gap2"])
        for m in _HELD_NUMBER.finditer(text)
    ]
    for m, group, gap in [*held, *((m, "ref", "") for m in _UNDER_NUMBER.finditer(text))]:
        if not _NOT_HELD.search(gap) and (entity := _labelled_number(text, m, group)):
            found.append(entity)
    return list({(e.start, e.end): e for e in found}.values())


# --- street addresses ------------------------------------------------------------------
def _street_types_regex() -> str:
    types = sorted(STREET_TYPES, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(t) + ("" if t.endswith(".") else r"\b") for t in types) + ")"


_STREET_TYPE = _street_types_regex()
_NUMBER = r"\d{1,4}(?:[ \u00a0]{0,2}(?:(?i:bis|ter|quater)|[A-Da-d])\b)?(?:[ \u00a0]?[-–/][ \u00a0]?\d{1,4}\b)?"
# a house number written in words, only right after a cue (« j'habite au quatre rue du
# Calvaire », « au quarante-deux avenue Foch », « du quinze bis rue des Lilas »)
_NUMBER_WORD = (
    rf"(?!(?:un|une|et|premier|mille|cents?)[ \u00a0-]){NUMBER_WORD}(?:-{NUMBER_WORD}){{0,3}}"
    r"(?:[ \u00a0]+(?:bis|ter))?[ \u00a0]+"
)
_STREET_START = re.compile(
    rf"(?<![\w,./])(?:(?i:num[ée]ro)[ \u00a0]+)?(?P<num>{_NUMBER})(?:[ \u00a0]?,)?[ \u00a0]+(?:(?:de[ \u00a0]la|du|de[ \u00a0]l['’])[ \u00a0]*)?"
    rf"(?i:{_STREET_TYPE})[ \u00a0]+"
)
_ADDRESS_CUE = re.compile(
    rf"(?i)\b(?:(?:demeurant|domicilié\(?e?\)?|résidant|habitant|habite|domicile|adresse\s*:|"
    rf"situé\(?e?\)?|sis|sise|au|à|chez[ \u00a0]+(?:moi|nous|lui|elle|eux),?)"
    rf"[ \u00a0]+(?:au[ \u00a0]+|à[ \u00a0]+|:[ \u00a0]*)?"
    rf"|du[ \u00a0]+(?={_NUMBER_WORD}))"
    rf"(?P<num>{_NUMBER_WORD})?(?=(?:{_STREET_TYPE})[ \u00a0])(?-i:(?=[a-zA-Z]))"
)
_PARCEL_NUMBER_BEFORE = re.compile(
    r"(?i)\b(?:section|parcelles?|lot)\b[^.\n]{0,15}n[°o][ \u00a0]*$"
)
_MAIN_STREET = re.compile(
    rf"(?<![\w,./])(?P<num>{_NUMBER})[ \u00a0]+(?i:grand['’-]rue|grande[ \u00a0]rue)(?![\w'’-])"
)
_CUED_TYPE = re.compile(rf"(?i)(?:{_STREET_TYPE})[ \u00a0]+")
_PARTICLES = frozenset(
    [
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l'",
        "l’",
        "d'",
        "d’",
        "aux",
        "sur",
        "sous",
        "saint",
        "sainte",
        "st",
        "ste",
    ]
)
_CITY_LINK = r"(?:sur|sous|lès|les|le|la|en|de|du|des|d['’]|l['’]|im|am)"
_CITY = (
    rf"(?:{_WORD_CAP}|[{_UP}]{{2,}})"
    rf"(?:[ \-](?!(?i:cedex)\b)(?:{_WORD_CAP}|[{_UP}]{{2,}}|{_CITY_LINK}(?=[ \-]?[{_UP}])))*"
)
# a country written after the town (« 1000 Bruxelles, Belgique »)
_COUNTRIES = (
    r"(?:Belgique|Suisse|Luxembourg|Allemagne|Italie|Espagne|Portugal|Maroc|Algérie|Tunisie"
    r"|Sénégal|Mali|Côte d['’]Ivoire|Cameroun|Comores|Turquie|Pologne|Roumanie|Royaume-Uni"
    r"|Irlande|Pays-Bas|Canada|Italia|España|Deutschland|België|Schweiz|United Kingdom|UK"
    r"|Polska|USA|États-Unis|United States|Brésil|Brasil|Autriche|Grèce|Liban|Madagascar|Haïti"
    r"|Svizzera|Türkiye|Nouvelle-Calédonie|Polynésie française|Tahiti|Wallis-et-Futuna"
    r"|Congo|Guinée|Burkina Faso|Togo|Bénin|Gabon|Viêt Nam|Vietnam|Chine|Ukraine"
    r"|BELGIQUE|SUISSE|ESPAGNE|PORTUGAL|MAROC|ALGÉRIE|TUNISIE)(?![\w-])"
)
_COUNTRY = rf"(?:[ \u00a0]*,?[ \u00a0]*(?:\({_COUNTRIES}\)|{_COUNTRIES}))?"
_POSTCODE_CITY = re.compile(
    rf"[ \u00a0]*(?:,|[—–])?[ \u00a0]*(?:\n[ \u00a0]*)?(?:F-)?(?:\d{{5}}|\d\d[ ]\d{{3}})[ \u00a0]+"
    rf"(?:{_CITY}|(?!(?:euros?|habitants|hab|m2|m²|ha)\b)(?:(?:les|le|la|sur|en)[ \u00a0])?"
    rf"[{_LOW}]{{3,}}(?:-[{_LOW}]+)*)"
    rf"(?:[ \u00a0]+(?i:cedex)(?:[ \u00a0]+\d{{1,2}})?)?{_COUNTRY}"
)
# a table's postcode and town cells after its street cell (« 3 impasse Jean-Jaurès;59300;VALENCIENNES »)
_POSTCODE_CITY_CELLS = re.compile(
    rf"[ \u00a0]*;[ \u00a0]*(?:\d{{5}}|\d\d[ ]\d{{3}})(?=[ \u00a0]*(?:;|$))"
    rf"(?:[ \u00a0]*;[ \u00a0]*(?:{_CITY}|[{_UP}][{_UP}'’ -]*[{_UP}])(?=[ \u00a0]*(?:;|$)))?",
    re.MULTILINE,
)
_TOKEN = re.compile(r"[^\s]+")


def _street_name_end(text: str, pos: int) -> int | None:
    """End of the street name starting at ``pos``, scanning words on the same line."""
    end, prev_particle, named = pos, False, False
    for accepted, m in enumerate(_TOKEN.finditer(text, pos)):
        gap = text[end : m.start()]
        if accepted >= 8 or any(c in gap for c in "\n\t|;") or accepted and len(gap) >= 3:
            break  # a new line or a table's next cell (a table aligned with spaces too)
        raw = m.group()
        # « 2 rue de la Forge;BOUVIER;RP »: a table's next cell, written without a space
        raw, *next_cell = re.split(r"[;|]", raw, maxsplit=1)
        word = raw.rstrip(',;:)»"')
        stop_after = word != raw or bool(next_cell)
        if word.endswith(".") and not re.fullmatch(r"(?:St|Ste|Dr|Gal|Mal|Pdt)\.", word):
            word, stop_after = word[:-1], True
        if not word:
            break
        folded = fold(word)
        if folded in _PARTICLES or re.fullmatch(r"[ldLD]['’][\w-]+", word):
            ok, particle = True, not re.fullmatch(r"[ldLD]['’][\w-]+", word)
            named = named or not particle
        elif (
            word[0].isupper()
            or re.fullmatch(r"\d{1,4}(?:er|e)?", word)
            or folded in ("bis", "ter")
            and re.search(r"\d$", text[pos:end])
            or prev_particle
            and len(word) >= 3
            and word.isalpha()
            and folded not in _STOP_WORDS
        ):
            ok, particle, named = True, False, True
        else:
            ok = False
        if not ok:
            break
        end = m.start() + len(word)
        prev_particle = particle
        if stop_after:
            break
    if not named:
        return None
    # Drop trailing particles ("rue des" then a verb).
    words = list(_TOKEN.finditer(text[pos:end]))
    while words and fold(words[-1].group()) in _PARTICLES:
        words.pop()
    return pos + words[-1].end() if words else None


_STOP_WORDS = frozenset(
    fold(w)
    for w in [
        "à",
        "au",
        "aux",
        "et",
        "pour",
        "depuis",
        "est",
        "sont",
        "a",
        "ont",
        "qui",
        "que",
        "dans",
        "avec",
        "par",
        "ou",
        "où",
        "mais",
        "donc",
        "car",
        "un",
        "une",
        "vers",
        "chez",
    ]
)


# What completes a street address inside a building: « Appt 7 », « bât. A », « esc 2 »,
# « Résidence Les Glycines » — before the number or after the street name, comma-separated.
_COMPLEMENT_WORD = (
    r"(?:appartement|appart\.?|appt\.?|apt\.?|app\.|b[âa]timent|b[âa]t\.?|escalier|esc\.?"
    r"|[ée]tage|porte|logement|logt\.?|log\.|r[ée]sidence|r[ée]s\.|immeuble|imm\.|entr[ée]e|tour|villa|EHPAD"
    r"|foyer|chambre|lot\.|lot|lotissement|village|HLM|code|digicode|case|flat)"
)
_COMPLEMENT = (
    rf"(?i:{_COMPLEMENT_WORD})[ \u00a0]*(?:n°[ \u00a0]*)?"
    rf"(?:{_WORD_CAP}(?:[ \u00a0]+{_WORD_CAP}){{1,3}}|[^\s,;:]{{1,8}})"
)
_FLOOR = (
    r"(?:\d{1,2}(?:e|er|ème|è)[ \u00a0]+(?:(?i:étage|etage)(?:[ \u00a0]+(?i:gauche|droite|face|porte[ \u00a0]+\w+))?"
    r"|(?i:gauche|droite|face|porte[ \u00a0]+\w+|sans[ \u00a0]+ascenseur))|\b(?:RDC|rdc|rez-de-chauss[ée]e)\b"
    r"|PK[ \u00a0]\d+(?:,\d+)?(?:[ \u00a0]+c[ôo]t[ée][ \u00a0]+(?:mer|montagne))?)"
)
_COMPLEMENT_AFTER = re.compile(
    rf"[ \u00a0]*,[ \u00a0]*(?:{_COMPLEMENT}|{_FLOOR})(?![\w])"
    rf"|[ \u00a0]+(?:(?i:b[âa]t(?:iment)?\.?|appt?\.?|appartement|esc\.?|escalier)[ \u00a0]*[A-Z0-9]{{1,4}}"
    rf"|{_FLOOR})(?![\w])"
)
# « 5 impasse des Marronniers, Saint-Brieuc »: a town after a comma, with no postcode, only
# when its name is a compound no person bears (Saint-…, Notre-Dame-…, …-sur-…, …-de-…)
_TOWN_COMMA = re.compile(
    rf"[ \u00a0]*[,;][ \u00a0]*(?:(?:Saint|Sainte|St|Ste|Notre|Le|La|Les)-{_WORD_CAP}"
    rf"|[{_UP}][{_LOW}]+(?:-[{_LOW}]+)*-(?:sur|sous|lès|les|en|de|du|des|la|le|aux?|d['’]|l['’])"
    rf"-?[{_UP}{_LOW}][\w'’-]*)(?![\w-])"
)
# « 5 rue des Pêcheurs à Collioure », « 42 avenue Foch, à Pau »; « lotissement les chênes n°7 »
_TOWN_AFTER = re.compile(
    rf"[ \u00a0]*,?[ \u00a0]+à[ \u00a0]+(?!(?:{'|'.join(re.escape(c) for c in CIVILITIES)})(?![\w]))"
    rf"{_CITY}"
)
_NUMBER_AFTER = re.compile(r"[ \u00a0]*,?[ \u00a0]*n°[ \u00a0]*\d{1,4}(?![\w])")
# a house or estate named before its street (« Chalet Le Vieux Sapin, 42 impasse des Loyers »)
_HOUSE_NAME = (
    rf"(?:Chalet|Villa|Maison|Mas|Domaine|Ferme|Château|Moulin|Manoir|Foyer(?:-logement)?|Hôtel"
    rf"|Maison de retraite|Résidence universitaire|Cité universitaire|Cité U)"
    rf"(?:[ \u00a0](?:{_WORD_CAP}|[{_UP}]{{2,}}|(?:de|du|des|de la|d['’])(?=[ \u00a0]?[{_UP}]))){{1,5}}"
)
# a place led by an article before its street (« Les Hauts de Bellevue, 3 allée des Mésanges »):
# two words or more, or a place noun, so that « Le Goff, 3 place du Marché » stays a person
_PLACE_NOUN = (
    r"(?:Bourg|Granges?|Hauts?|Bas|Moulins?|Bois|Prés?|Champs?|Vignes?|Chênes?|Sources?|Landes?"
    r"|Rochers?|Fontaines?|Côteaux?|Coteaux?|Jardins?|Vergers?|Terrasses?|Hameaux?|Métairies?"
    r"|Glycines|Tilleuls|Lilas|Acacias|Pins|Érables|Peupliers|Saules|Mimosas|Rosiers|Cerisiers"
    r"|Platanes|Marronniers|Magnolias|Hortensias|Bleuets|Lauriers|Oliviers|Cèdres|Aubépines)"
)
_ARTICLE_PLACE = (
    rf"(?:Le|La|Les|L['’])[ \u00a0]?(?:{_PLACE_NOUN}(?![\w])"
    rf"|{_WORD_CAP}(?:[ \u00a0](?:{_WORD_CAP}|(?:de|du|des|de la|d['’]|aux?)(?=[ \u00a0]?[{_UP}]))){{1,4}})"
)
_COMPLEMENT_BEFORE = re.compile(
    # (not « une chambre chez Mme Odile Fournier, 3 rue … »: the person is not the place's)
    rf"(?:(?<![\w])(?:(?i:{_COMPLEMENT_WORD})[ \u00a0]+(?:(?!\bchez\b)[^,;:\n]){{1,40}}?|{_COMPLEMENT}|{_HOUSE_NAME}"
    rf"|{_FLOOR}|{_ARTICLE_PLACE})"
    rf"[ \u00a0]*,[ \u00a0]*)+$"
)


_COMPLEMENTS_BEFORE_WINDOW = 400  # characters; four complements take about half of it
_COMPLEMENT_WORD_BEFORE = re.compile(
    rf"(?<![\w])(?i:{_COMPLEMENT_WORD})[ \u00a0]+(?:n°[ \u00a0]*)?$"
)


def _address_tail_end(text: str, end: int, town: bool = True) -> int:
    """End of an address once its complements (« , appt 12 », « , 2e étage ») and its postcode
    and town, when they follow ``end``, are taken in."""
    if number := _NUMBER_AFTER.match(text, end):
        end = number.end()
    while more := _COMPLEMENT_AFTER.match(text, end):
        end = more.end()
    if not town:
        return end
    city = (
        _POSTCODE_CITY.match(text, end)
        or _POSTCODE_CITY_CELLS.match(text, end)
        or _CITY_ABROAD.match(text, end)
        or _TOWN_AFTER.match(text, end)
        or _TOWN_COMMA.match(text, end)
    )
    return city.end() if city else end


def _address_at(text: str, start: int, name_pos: int, score: float, source: str) -> Entity | None:
    end = _street_name_end(text, name_pos)
    if end is None:
        return None
    end = _address_tail_end(text, end)
    # the complements are looked for on the same line, within a few chunks of the street: a
    # text with no line break (a pasted export) must not be read again for every address
    window = max(0, start - _COMPLEMENTS_BEFORE_WINDOW)
    line_start = text.rfind("\n", window, start) + 1 or window
    # « porte 42, cité des Francs-Moisins »: the number was the complement's
    if word := _COMPLEMENT_WORD_BEFORE.search(text, line_start, start):
        start = word.start()
    if before := _COMPLEMENT_BEFORE.search(text, line_start, start):
        start = before.start()
    return Entity("ADRESSE", start, end, text[start:end], score, source)


# Places with no street number: a lieu-dit or hamlet named as such, a postal box, or a
# place name written alone before its postcode and town at the start of a line
# (« La Ferme du Bois Guérin, 53400 Craon »).
_PLACE_LINK = r"(?:(?:de|du|des|sur|sous|en|à|aux)(?:[ \u00a0]+(?:la|le|les|l['’]))?|la|le|les|d['’]|l['’]|di)"
_PLACE_NAME = (
    rf"{_WORD_CAP}(?:[ \u00a0\-](?:{_WORD_CAP}|[{_UP}]{{2,}}"
    rf"|{_PLACE_LINK}(?=[ \u00a0\-]?[{_UP}])(?![ \u00a0\-]?(?:M|MM|Mme|Mlle|Mr|Dr)\.?[ \u00a0])))"
    r"{0,6}"
)
_NAMED_PLACE = re.compile(
    rf"(?<![\w])(?:(?i:lieu-dit|lieudit|lieu dit)[ \u00a0]+"
    # « Résidence du Parc », « Rés. Les Tilleuls »
    rf"|(?i:r[ée]sidence|r[ée]s\.)[ \u00a0]+(?:(?:du|des|de[ \u00a0]+la|de[ \u00a0]+l['’]|d['’])[ \u00a0]*)?"
    rf"|(?i:ferme|manoir|m[ée]tairie|moulin)[ \u00a0]+(?:de[ \u00a0]+la|du|des|de|d['’])[ \u00a0]*(?=[{_UP}])"
    rf"|(?i:hameau)[ \u00a0]+(?:(?:de|du|des)[ \u00a0]+)?"
    rf"|(?:ZI|ZA|ZAC|ZAE|Z\.[AI]\.|(?i:zone[ \u00a0]+(?:industrielle|artisanale|d['’]activit[ée]s?)))"
    rf"[ \u00a0]+(?:(?:de|du|des|d['’])[ \u00a0]*)?)(?P<name>{_PLACE_NAME})"
)
_POSTAL_BOX = re.compile(r"(?<![\w])(?:BP|B\.P\.|CS|TSA)[ \u00a0]?\d{2,5}(?![\w])")
_PLACE_CUES = (
    "habite",
    "habitons",
    "demeurant",
    "demeure",
    "demeurent",
    "désormais",
    "domicilié",
    "domiciliée",
    "domiciliés",
    "domiciliées",
    "sis",
    "sise",
    "réside",
    "résident",
    "vit",
    "vivent",
)
_PLACE_LINE = re.compile(
    rf"(?m)(?:^|(?<=[ \u00a0])(?=(?:Le|La|Les|L['’])[ \u00a0]?[{_UP}])|(?<=[:,—(\t])[ \u00a0]*|"
    + "|".join(rf"(?<=\b{cue})[ \u00a0]+" for cue in _PLACE_CUES)
    + ")"
    rf"(?P<place>(?:(?:la|le|les)[ \u00a0]|l['’])?{_PLACE_NAME})(?=[ \u00a0]*,?[ \u00a0]*(?:\d{{5}}|\d\d[ ]\d{{3}})[ \u00a0]+[{_UP}])"
)


# Abroad the number follows the street, and the postcode may have four digits (« Rue des
# Tanneurs 58, 1000 Bruxelles », « Via Garibaldi 14, 10122 Torino », « Rua da Boavista 145, 2º
# Esq., 4050-107 Porto »), or the town and country come with no postcode (« Rue Ibn Batouta
# n° 12, quartier Hassan, Rabat, Maroc »).
_FOREIGN_TYPE = (
    rf"(?:{_STREET_TYPE}|Via|Viale|Piazza|Corso|Calle|Carrer|Plaza|Rua|Avenida|Travessa|Largo|Strasse"
    r"|Straße|Platz|Weg|Gasse|Straat|Laan|Plein|ul\.|ulica|Strada|Cad\.|Caddesi|Sokak)"
)
_FOREIGN_WORD = (
    rf"(?:{_WORD_CAP}|[{_UP}]{{2,}}"
    r"|(?i:de|des|du|la|le|les|del|de la|da|do|dos|das|der|von|van|d['’]|l['’]))"
)
_PARENTHESIS = r"(?:[ \u00a0]*\([^()\n]{2,30}\))?"
_FOREIGN_STREET = re.compile(
    rf"(?<![\w])(?i:{_FOREIGN_TYPE})[ \u00a0]+(?:{_FOREIGN_WORD}[ \u00a0]*){{1,5}}"
    r"(?:n°[ \u00a0]*)?\d{1,4}[a-z]?(?:/\d{1,4})?(?:[ \u00a0]*,?[ \u00a0]*(?:bte|bus|boîte)[ \u00a0]*\d{1,4})?"
    r"(?:[ \u00a0]*,[ \u00a0]*\d{1,2}[º°ª][ \u00a0]*[^\W\d]{0,5}\.?)?"  # a floor: « 2º Esq. »
    r"[ \u00a0]*,[ \u00a0]*"
    rf"(?:(?:[A-Z]{{1,2}}-)?(?:\d{{4}}-\d{{3}}|\d{{2}}-\d{{3}}|\d{{4,6}})[ \u00a0]+{_CITY}{_PARENTHESIS}{_COUNTRY}"
    rf"|(?:[^,\n]{{2,30}},[ \u00a0]*)?{_CITY}{_PARENTHESIS}[ \u00a0]*,[ \u00a0]*{_COUNTRIES})"
)
# A German street in one word, the number after (« Lindenstraße 12, 79098 Freiburg im Breisgau »)
_GERMAN_STREET = re.compile(
    rf"(?<![\w])[{_UP}][{_LOW}]+(?:straße|strasse|gasse|weg|platz|allee|ring)[ \u00a0]+\d{{1,4}}[a-z]?"
    rf"[ \u00a0]*,[ \u00a0]*(?:D-)?\d{{4,5}}[ \u00a0]+{_CITY}{_COUNTRY}"
)
# Numbered first, with an English street type (« 14 Kingsway Road, Cheltenham GL50 2QT »,
# « 12 Main Street, Kinsale, Co. Cork »).
_ENGLISH_STREET = re.compile(
    rf"(?<![\w])\d{{1,4}}[ \u00a0]+(?:{_WORD_CAP}[ \u00a0]+){{1,3}}"
    r"(?:Road|Street|Lane|Avenue|Drive|Close|Crescent|Way|Gardens|Terrace|Square|Row|Hill|Park"
    r"|Gasse|Straße|Strasse|Weg|Platz)"
    r"(?:[ \u00a0]*,[ \u00a0]*(?:Co\.[ \u00a0]+)?[A-Z][a-z'’\-]+(?:[ \u00a0]+[A-Z][a-z'’\-]+)?"
    r"(?:[ \u00a0]+[A-Z]{1,2}\d[A-Z\d]?[ \u00a0]?\d[A-Z]{2})?){0,3}"
    rf"{_COUNTRY}"
)
# a town abroad written after the street with its own kind of postcode (« 1450 rue Sherbrooke
# Ouest, Montréal (Québec) H3G 1K4 »)
_CITY_ABROAD = re.compile(
    rf"[ \u00a0]*,[ \u00a0]*{_CITY}{_PARENTHESIS}[ \u00a0]+"
    r"(?:[A-Z]\d[A-Z][ \u00a0]?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?[ \u00a0]?\d[A-Z]{2})(?![\w])"
    rf"{_COUNTRY}"
)


# A postal block written line by line (« Ferme du Haut Bois⏎route départementale 938⏎86200
# Loudun »): a line that is only a postcode and a town, and
# the place lines right above it — a street, a house or farm name, a postal box, a complement,
# a place led by an article (« La Grange aux Moines ») or a single word (« Kerguen »).
_POSTCODE_LINE = re.compile(
    rf"(?m)^[ \t\u00a0]*(?P<line>(?:[A-Z]{{1,2}}-\d{{4,5}}|(?:F-)?\d{{5}})"
    rf"[ \u00a0]+{_CITY}(?:[ \u00a0]+(?i:cedex)(?:[ \u00a0]+\d{{1,2}})?)?{_COUNTRY})[ \t\u00a0]*$"
)
_BLOCK_LINE = re.compile(
    rf"(?:(?i:{_STREET_TYPE})[ \u00a0]|{_HOUSE_NAME}$|(?:BP|B\.P\.|CS|TSA)[ \u00a0]?\d"
    rf"|(?i:{_COMPLEMENT_WORD})[ \u00a0]|{_NUMBER}[ \u00a0,]|\d{{1,4}}[ \u00a0]+(?i:{_STREET_TYPE})"
    rf"|(?:Le|La|Les|L['’]|LE|LA|LES)[ \u00a0]?[{_UP}][^\n]{{0,40}}$|[{_UP}][{_LOW}{_UP}'’\-]+$)"
)
_NOT_BLOCK_LINE = re.compile(
    r"(?i)(?:^(?:m|mme|mlle|mr|dr|me)\.?[ \u00a0]|\b(?:mairie|commune|ville|h[ôo]tel de ville|service"
    r"|pr[ée]fecture|centre|[ée]cole|objet|madame|monsieur)\b|[:@])"
)


_COUNTRY_LINE = re.compile(rf"\n[ \t\u00a0]*(?P<country>{_COUNTRIES})[ \t\u00a0]*(?=\n|$)")


def _postal_blocks(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _POSTCODE_LINE.finditer(text):
        spans.append((m.start("line"), m.end("line")))
        if country := _COUNTRY_LINE.match(text, m.end()):
            spans.append((country.start("country"), country.end("country")))
        end = m.start()
        for _ in range(3):  # at most three lines above
            if end == 0:
                break
            start = text.rfind("\n", 0, end - 1) + 1
            line = text[start : end - 1] if text[end - 1] == "\n" else text[start:end]
            value = line.strip(" \t\u00a0,")
            if (
                not value
                or _NOT_BLOCK_LINE.search(value)
                or not _BLOCK_LINE.match(value)
                or _is_listed_given_name(value)  # « Brigitte⏎12 chemin … »: a signature
            ):
                break
            first = start + line.index(value)
            spans.append((first, first + len(value)))
            end = start
    return spans


# A block abroad closed by its country (« 27 Mill Lane⏎Chipping Norton OX7 5LR⏎United
# Kingdom », « ul. Słowackiego 14/3⏎44-100 Gliwice⏎Pologne »): the lines above the country
# that hold a number (a house number, a postcode of any shape), at most three.
_ABROAD_LINE = re.compile(r"[^\n]{0,60}\d[^\n]{0,60}")


def _blocks_abroad(text: str) -> list[tuple[int, int]]:
    spans = []
    for country in _COUNTRY_LINE.finditer(text):
        above, end = [], country.start()
        for _ in range(3):
            if end == 0:
                break
            start = text.rfind("\n", 0, end) + 1
            value = text[start:end].strip(" \t\u00a0,")
            if not _ABROAD_LINE.fullmatch(value) or _NOT_BLOCK_LINE.search(value):
                break
            first = start + text[start:end].index(value)
            above.append((first, first + len(value)))
            end = max(0, start - 1)
        if above:
            spans += [*above, (country.start("country"), country.end("country"))]
    return spans


def find_places(text: str) -> list[Entity]:
    """Addresses with no street number (see ``_NAMED_PLACE``, ``_POSTAL_BOX``, ``_PLACE_LINE``)
    and addresses abroad (``_FOREIGN_STREET``)."""
    found = [
        Entity("ADRESSE", m.start(), end, text[m.start() : end], 0.8, "regex:adresse-etranger")
        for pattern in (_FOREIGN_STREET, _ENGLISH_STREET, _GERMAN_STREET)
        for m in pattern.finditer(text)
        for end in (_address_tail_end(text, m.end()),)
    ]
    spans = [(m.start(), m.end()) for m in _NAMED_PLACE.finditer(text)]
    spans += [(m.start(), m.end()) for m in _POSTAL_BOX.finditer(text)]
    spans += [(m.start("place"), m.end("place")) for m in _PLACE_LINE.finditer(text)]
    spans += _postal_blocks(text) + _blocks_abroad(text)
    for start, end in spans:
        end = _address_tail_end(text, end)
        found.append(Entity("ADRESSE", start, end, text[start:end], 0.8, "regex:lieu"))
    return found


# The value of an address field (« Adresse de domiciliation : CCAS, 10 rue Jean Moulin, … »,
# « Logement : Le Bourg, 2 place de l'Église », « adresse : la métairie neuve 41120 sambin »):
# the whole value, up to the end of the line or the next separator, when it has a postcode, a
# street or a place word. Fields of a business or a public body are left to the other rules.
_ADDRESS_FIELD = re.compile(
    r"(?im)(?:^[ \t\u00a0]*(?:[-•*][ \t\u00a0]*)?|(?<=[lL]['’])|"
    + "|".join(
        rf"(?<=\b{w}[ \u00a0])" for w in ("mon", "ma", "notre", "votre", "son", "sa", "leur")
    )
    + r")(?:(?:nouvelle|ancienne|nouveau|ancien)[ \u00a0]+)?"
    r"(?:adresse|domicile|domiciliation|lieu[ \u00a0]+de[ \u00a0]+r[ée]sidence|logement"
    r"|point[ \u00a0]+de[ \u00a0]+livraison|code[ \u00a0]+postal"
    r"|c\.?p\.?[ \u00a0]*/[ \u00a0]*(?:ville|commune|localit[ée]))(?P<qualifier>[^:\n.,;]{0,40}?)[ \t\u00a0]*:[ \t\u00a0]*"
    r"(?P<value>[^\n]{3,160})"
)
_NOT_PERSONAL_FIELD = re.compile(
    r"(?i)\b(?:[ée]tablissement|entreprise|soci[ée]t[ée]|si[èe]ge|mairie|service|chantier"
    r"|[ée]lectronique|e-?mail|courriel|mail|ip|web|site|internet|agence|employeur|bureau"
    r"|[ée]cole|coll[èe]ge|lyc[ée]e|association|commerce|magasin|cabinet)\b"
)
_FIELD_VALUE_END = re.compile(
    rf"[ \t\u00a0]+[-–—|][ \t\u00a0]|[;\t]|[ \t\u00a0,]+(?i:t[ée]l|mail|courriel)\b|\.[ \u00a0]+[{_UP}]"
)
_PLACE_SIGN = (
    rf"(?i:(?<![\w]){_STREET_TYPE}(?![\w]))"
    rf"|(?i:(?<![\w])(?:lieu-?dit|hameau|bourg|village|ferme|moulin|ch[âa]teau|mas|domaine"
    rf"|r[ée]sidence|lotissement|HLM|cit[ée]|villa|quartier)(?![\w]))"
)
_ADDRESS_SIGN = re.compile(rf"(?<![\w])(?:\d{{4}}-\d{{3}}|\d{{1,5}})(?![\w])|{_PLACE_SIGN}")


def find_addresses_in_fields(text: str) -> list[Entity]:
    """The value of an « Adresse : » field of a person (see ``_ADDRESS_FIELD``)."""
    found = []
    for m in _ADDRESS_FIELD.finditer(text):
        if _NOT_PERSONAL_FIELD.search(m.group("qualifier")):
            continue
        start, value = m.start("value"), m.group("value")
        cut = _FIELD_VALUE_END.search(value)
        if cut:
            value = value[: cut.start()]
        value = value.rstrip(" \t\u00a0.,;:")
        # « chez Mme Awa Traoré, 32 avenue … »: the host is a person, the address follows
        if value[:5].lower() == "chez ":
            comma = value.find(",")
            if comma < 0:
                continue
            skip = comma + 1 + len(value[comma + 1 :]) - len(value[comma + 1 :].lstrip())
            start, value = start + skip, value[skip:]
        if len(value) < 3 or "@" in value or "://" in value or not _ADDRESS_SIGN.search(value):
            continue
        found.append(
            Entity("ADRESSE", start, start + len(value), value, 0.85, "regex:champ-adresse")
        )
    return found


# Where a person lives, after the verb that says so (« demeurant à Château de la Mothe, 24310
# Brantôme », « domiciliée à Rennes (Ille-et-Vilaine), 3 square de Provence », « habitant 6
# rue de Verdun, Coulommiers »): the rest of the clause, when it names a street, a place or a
# postcode (« habitant à Paris depuis vingt ans » names none).
_RESIDENCE = re.compile(
    r"(?i)(?<![\w])(?:demeurant|domicili[ée]e?s?|r[ée]sidant|r[ée]side|habitant|habitons|habitez"
    r"|habite|j['’]?habite|vit(?:[ \u00a0]+seule?)?)(?![\w])"
    r"(?:[ \u00a0]+(?:actuellement|toujours|d[ée]sormais|aussi|ensemble|encore))?"
    r"[ \u00a0]*(?:(?:à|a|au|aux|en)[ \u00a0]+|:[ \u00a0]*)?"
    rf"(?P<value>(?:(?:la|le|les|l['’])[ \u00a0]?(?=(?-i:[{_UP}])))?"
    rf"(?:(?-i:[\d{_UP}])|(?:{_PLACE_SIGN}))[^\n]{{2,160}})"
)
# a piece of it after a comma: a town (« Dakar (Sénégal) »), or a place with its sign
_TOWN_PIECE = re.compile(rf"{_CITY}(?:[ \u00a0]*\([^)\n]{{2,40}}\))?")
_RESIDENCE_END = re.compile(
    r"(?i)[.;!?](?:[ \u00a0]|$)|…|[ \u00a0]*,?[ \u00a0]+(?:n[ée]e?s?|[âa]g[ée]e?s?|profession|de[ \u00a0]+nationalit[ée]"
    r"|agissant|c[ée]libataire|mari[ée]e?|pacs[ée]e?|veu(?:f|ve)|divorc[ée]e?|retrait[ée]e?|sans"
    r"|ayant|qui|que|pour|depuis|avec|mais|car|donc|et|ou|à[ \u00a0]+c[ôo]t[ée]|a[ \u00a0]+cote|pr[èe]s"
    r"|en[ \u00a0]+face|parce|t[ée]l|mail|courriel)\b|[ \u00a0]*\((?!\d{5}\))(?:[^)]*\d[^)]*|fils|fille|p[èe]re|m[èe]re)\)"
)
_RESIDENCE_SIGN = re.compile(
    rf"{_PLACE_SIGN}|(?<![\w])(?:[A-Z]{{1,2}}-)?\d{{4,5}}(?![\w])|(?i:(?<![\w])lot[ \u00a0]+\d)"
    # a street abroad, its number after (« Corso Italia 5 », « Cocody Riviera 3 »)
    rf"|^[ \u00a0]*{_WORD_CAP}(?:[ \u00a0]+{_WORD_CAP}){{1,3}}[ \u00a0]+\d{{1,4}}[a-z]?[ \u00a0]*$"
)


def find_residences(text: str) -> list[Entity]:
    """Where a person lives, after « demeurant », « domicilié », « habite »... (see
    ``_RESIDENCE``)."""
    found = []
    for m in _RESIDENCE.finditer(text):
        start, value = m.start("value"), m.group("value")
        if end := _RESIDENCE_END.search(value):
            value = value[: end.start()]
        if town := _POSTCODE_CITY.search(value):  # the address ends with its postcode and town
            value = value[: town.end()]
        kept = []
        for piece in value.split(","):
            if not (_RESIDENCE_SIGN.search(piece) or _TOWN_PIECE.fullmatch(piece.strip())):
                break
            kept.append(piece)
        value = ",".join(kept).rstrip(" \t\u00a0.,;:")
        # « j'habite la Croix-Rouge, à Saint-Aubin »: a named place in its town
        if not (_RESIDENCE_SIGN.search(value) or value[:1].islower() and _TOWN_AFTER.search(value)):
            continue
        found.append(Entity("ADRESSE", start, start + len(value), value, 0.8, "regex:residence"))
    return found


# the postcode and town after one or two pieces (« chemin de la Fontaine, lieu-dit Le Pinsan,
# 33700 Mérignac »)
_LATER_POSTCODE = re.compile(
    rf"(?:[ \u00a0]*,[ \u00a0]*[^,\n\d]{{1,40}}){{0,2}}{_POSTCODE_CITY.pattern}"
)
_BARE_STREET = re.compile(rf"(?<![\w])(?i:{_STREET_TYPE})[ \u00a0]+")


class _Covered:
    """Whether a position lies inside one of some (possibly overlapping) entities, in
    O(log n): their starts in order, with the furthest end reached so far."""

    def __init__(self, entities: list[Entity]) -> None:
        spans = sorted((e.start, e.end) for e in entities)
        self.starts = [a for a, _ in spans]
        self.reach = list(itertools.accumulate((b for _, b in spans), max))

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and self.reach[i] > pos


def find_addresses(text: str) -> list[Entity]:
    found: list[Entity] = []
    for m in _STREET_START.finditer(text):
        if _PARCEL_NUMBER_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue  # « parcelle section ZK n° 41, chemin de la Garenne »: no house number
        entity = _address_at(text, m.start(), m.end(), 0.9, "regex:adresse")
        if entity:
            found.append(entity)
    # « 12 Grand'Rue », « 12 Grande Rue »: the street's type is its whole name
    for m in _MAIN_STREET.finditer(text):
        end = _address_tail_end(text, m.end())
        found.append(Entity("ADRESSE", m.start(), end, text[m.start() : end], 0.9, "regex:adresse"))
    # Without a house number, when the postcode and town follow (« Mas de la Garrigue, chemin
    # des Oliviers, 30250 Sommières »)...
    numbered = _Covered(found)
    for m in _BARE_STREET.finditer(text):
        if numbered.covers(m.start()):
            continue
        end = _street_name_end(text, m.end())
        if end is None:
            continue
        tail = _address_tail_end(text, end, town=False)
        if _LATER_POSTCODE.match(text, tail) or _TOWN_AFTER.match(text, tail):
            entity = _address_at(text, m.start(), m.end(), 0.8, "regex:adresse+code-postal")
            if entity:
                found.append(entity)
    # ... or after a cue ("demeurant rue ...", "habite place ...").
    for m in _ADDRESS_CUE.finditer(text):
        t = _CUED_TYPE.match(text, m.end())
        if t:
            start = m.start("num") if m.group("num") else m.end()
            entity = _address_at(text, start, t.end(), 0.75, "regex:adresse+contexte")
            if entity:
                found.append(entity)
    return list({(e.start, e.end): e for e in found}.values())


# --- persons (rules: civility + name, given name + surname) ------------------------------
_CIV = "|".join(re.escape(c) for c in sorted(CIVILITIES, key=len, reverse=True))
_UPPER_WORD = rf"(?:[{_UP}]['’])?[{_UP}]{{2,}}(?:[-'’][{_UP}]{{2,}})*"  # « N'DIAYE »
_NAME_TOKEN = rf"(?:{_WORD_CAP}|{_UPPER_WORD})"
_SURNAME_PART = (
    r"(?:(?:de|du|des|de la|le|la|van|von|ben|el|di|da|dos|das|do"
    r"|Le|La|Da|Di|Dos|Van|Von|Ben|El|Mac|LE|LA|DA|DI|DOS|DAS|VAN|BEN|EL)\s)?"
)
_CIVILITY_NAME = re.compile(
    rf"(?<![\w])(?:{_CIV})(?![\w])\.?[ \u00a0]+(?P<name>{_SURNAME_PART}{_NAME_TOKEN}"
    rf"(?:[ \u00a0]+{_SURNAME_PART}{_NAME_TOKEN}){{0,3}})"
)
_CAP_SEQ = re.compile(
    rf"(?<![\w@.])(?P<name>{_NAME_TOKEN}(?:[ \u00a0]+{_SURNAME_PART}{_NAME_TOKEN}){{1,3}})(?![\w@°])"  # not « N° »
)


_CIVILITY_WORDS = frozenset(fold(c) for c in CIVILITIES)
_EDGE_PARTICLES = frozenset(
    [
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "van",
        "von",
        "ben",
        "el",
        "di",
        "da",
        "d'",
        "l'",
        "d’",
        "l’",
    ]
)


# the days and months: a surname too after a civility, an initial or a known given name
# (« M. Lundi », « T. Lundi », « Gilles Janvier »)
_CALENDAR_NAMES = (*MONTHS, "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_CALENDAR_WORDS = frozenset(fold(w) for w in _CALENDAR_NAMES)


def _strip_not_names(
    text: str, start: int, end: int, *, capitalised: bool = True
) -> tuple[int, int] | None:
    """Trim roles, salutations and particles off both ends ("le Maire", "du CCAS")."""
    words = list(re.finditer(r"[^\s]+", text[start:end]))

    def drop(word: str) -> bool:
        w = fold(word.strip(",;:"))
        return w in NOT_NAMES or w in _EDGE_PARTICLES or w in _CIVILITY_WORDS or not w.strip(".")

    while words and drop(words[-1].group()):
        words.pop()
    while words and drop(words[0].group()):
        words.pop(0)
    if not words or (capitalised and not words[0].group()[0].isupper()):
        return None
    return start + words[0].start(), start + words[-1].end()


def _common_word_only(word: str) -> bool:
    """A word mostly written in lower case that no list knows as a given name or a surname
    (« Service », « Numéro », « horaires »): no name, in capitals or not."""
    from communia.core.privacy.ner import is_common_word

    return (
        is_common_word(word.capitalize())
        and fold(word) not in GIVEN_NAMES_WIDE
        and not is_census_surname(word)
    )


def _title_upper_pair(words: list[str]) -> bool:
    """ "Héloïse CARRÉ" / "CARRÉ Héloïse": a title-case word next to an upper-case surname."""
    if len(words) != 2:
        return False
    clean = [w.strip(",.") for w in words]
    if any(map(no_name_word, clean)):
        return False
    kinds = [
        "U" if w.isupper() else ("T" if w[0].isupper() and w[1:].islower() else "") for w in clean
    ]
    upper = [w for w, k in zip(clean, kinds, strict=True) if k == "U"]
    # Acronyms ("KRC Genk", "BBC Canada") are short or vowel-less.
    if sorted(kinds) != ["T", "U"]:
        return False
    surname = upper[0].replace("-", "")
    if len(surname) < 4 or not any(c in "AEIOUYÀÂÉÈÊËÎÏÔÖÙÛÜ" for c in surname):
        return False
    # « Numéro NEPH », « Contrôle SPANC », « Ligne ENEDIS »: a common word before an acronym
    return not _common_word_only(next(w for w, k in zip(clean, kinds, strict=True) if k == "T"))


WIDE_SOURCE = "regle:prenom-large"
INTRODUCTION_SOURCE = "regle:presentation"  # may be lower case, like the model's persons
WIDE_INNER_SOURCE = "regle:prenom-large-interne"
FIELD_SOURCE = "regle:champ"  # the value of a form's name field
UPPER_FIRST_SOURCE = "regle:nom-prenom"  # « EL AMRANI Youssef »: the model's words may veto it
LISTED_SOURCE = "regle:prenom-liste"  # a given name alone in a list: the model may veto it
SIGNATURE_SOURCE = "regle:signature"  # the name alone on its line after a closing formula
ROLE_SOURCE = "regle:prenom-role"  # « Nathalie (accueil) »: the role vouches for the name
CIVILITY_SOURCE = "regle:civilite"  # « Mme ROY »: short, in capitals, still a surname
CALENDAR_SOURCE = (
    "regle:calendrier"  # « M. Lundi », « Gilles Janvier »: a day or a month as surname
)
SPELLED_SOURCE = "regle:epele"  # a name spelled out: kept as said, in any case
ANSWER_SOURCE = "regle:reponse"  # a caller's answer to a question about a name
SPEAKER_SOURCE = "regle:orateur"  # « HOARAU : oui donc… »: no form's label
LOWER_CASE_SOURCE = "regle:minuscule"  # « monsieur lopes », « cindy durand »: lower case
VIETNAMESE_SOURCE = (
    "regle:nom-vietnamien"  # « Lê Thị Mai »: whole, though « Le » and « Mai » are words
)


# « Gilles Janvier », « Élisabeth Mai »: a known given name, then a month or a day as surname
_GIVEN_CALENDAR = re.compile(
    rf"(?<![\w'’.-])(?P<given>{_WORD_CAP})[ \u00a0]+"
    rf"(?P<surname>{'|'.join(sorted({f(w) for w in _CALENDAR_NAMES for f in (str.capitalize, str.upper)}))})"
    rf"(?![\w'’-])"
)


def find_persons_by_rules(text: str) -> list[Entity]:
    found = [
        Entity("PERSONNE", m.start(), m.end(), m.group(), 0.8, CALENDAR_SOURCE)
        for m in _GIVEN_CALENDAR.finditer(text)
        if _is_listed_given_name(m["given"])
    ]
    for m in _CIVILITY_NAME.finditer(text):
        end = m.end("name")
        if m.group("name").isupper():
            # « MME NDIAYE POUR VEHICULE SUSPECT »: a text in capitals goes on after the name
            for w in re.finditer(r"[^\s]+", m.group("name")):
                word = w.group().strip(",.;:")
                # the first word is the name unless it is short (« MME BLANC », not « JE »);
                # a particle is part of it (« M. LE GALL »)
                if (
                    _common_word_only(word)
                    and fold(word) not in _EDGE_PARTICLES
                    and (w.start() or len(word) < 4)
                ):
                    end = m.start("name") + w.start()
                    break
        if end <= m.start("name"):
            continue
        span = _strip_not_names(text, m.start("name"), end)
        first = re.match(r"[^\W\d_]+", m.group("name"))
        if span is None and first and fold(first.group()) in _CALENDAR_WORDS:
            s, e = m.start("name"), m.start("name") + first.end()
            found.append(Entity("PERSONNE", s, e, text[s:e], 0.85, CALENDAR_SOURCE))
        if span:
            s, e = span
            found.append(Entity("PERSONNE", s, e, text[s:e], 0.85, CIVILITY_SOURCE))
    for m in _CAP_SEQ.finditer(text):
        words = re.findall(r"[^\s]+", m.group("name"))
        if re.search(r"(?:Saint|Sainte|St|Ste)[ -]$", text[max(0, m.start() - 7) : m.start()]):
            continue  # "Saint Martin", a place or a saint
        folded = [fold(w.strip(",.")).split("-") for w in words]
        # "National Football League Mark Rypien": the name starts at the given name.
        inner = next(
            (
                i
                for i in range(1, len(words) - 1)
                if any(p in GIVEN_NAMES_WIDE for p in folded[i]) and words[i][1:].islower()
            ),
            None,
        )
        if inner is not None and not any(p in GIVEN_NAMES_WIDE for p in folded[0]):
            tail = words[inner:]
            if fold(words[inner - 1].strip(".")) in _CIVILITY_WORDS or not all(
                w[:1].islower() or w[1:2].islower() for w in tail
            ):
                continue  # "Mme Sophie ..." is the civility rule's; "... du CCAS" an acronym
            offset = m.group("name").index(words[inner], sum(len(w) for w in words[:inner]))
            span = _strip_not_names(text, m.start("name") + offset, m.end("name"))
            if span and len(text[span[0] : span[1]].split()) >= 2:
                s, e = span
                # Right after another capitalised word ("Aston Martin Racing", "Royal Albert
                # Hall") the sequence is more often a name of a thing: any entity of the
                # model that overlaps vetoes it (see the pipeline); after a particle ("les
                # États-Unis de Sylvester Stallone") the ordinary veto applies.
                after_cap = fold(words[inner - 1]) not in _EDGE_PARTICLES
                source = WIDE_INNER_SOURCE if after_cap else WIDE_SOURCE
                found.append(Entity("PERSONNE", s, e, text[s:e], 0.75, source))
            continue
        # "Prénom Nom..." (given name first) or "NOM Prénom" (upper-case surname first).
        has_given = any(p in GIVEN_NAMES_LISTED for p in folded[0]) or (
            words[0].isupper() and len(words) == 2 and any(p in GIVEN_NAMES for p in folded[1])
        )
        if not has_given and not _title_upper_pair(words):
            continue
        # Only the wide (international) list vouches for it: the pipeline lets the
        # statistical model veto it ("Hong Kong", "Dallas Buyers Club").
        source = (
            "regle:prenom"
            if _title_upper_pair(words)
            or any(p in GIVEN_NAMES for p in folded[0])
            or (words[0].isupper() and len(words) == 2)
            else WIDE_SOURCE
        )
        # A known given name must be followed or preceded by another name word.
        span = _strip_not_names(text, m.start("name"), m.end("name"))
        if not span:
            continue
        s, e = span
        if source == WIDE_SOURCE:
            # "James Wolfe-Murray le CIGS actuel": a lower-case article ends the name.
            cut = re.search(r"[ \u00a0](?:le|la|les)[ \u00a0]", text[s:e])
            if cut:
                e = s + cut.start()
        if len(text[s:e].split()) < 2:
            continue
        found.append(Entity("PERSONNE", s, e, text[s:e], 0.8, source))
    return found


# A hurried citizen's « mme fournier », « monsieur lopes », « mr le gall »: a civility, then
# lower-case words that are known surnames or given names
_LOWER_NAME = r"[a-zà-ÿ][a-zà-ÿ'’-]{2,}"
_LOWER_CIVILITY_NAME = re.compile(
    r"(?<![\w])(?:m|mr|mme|mlle|monsieur|madame|mademoiselle)\.?[ \u00a0]+"
    rf"(?P<name>(?:(?:le|la|de|du|da|van|el|ben)[ \u00a0])?{_LOWER_NAME}(?:[ \u00a0]{_LOWER_NAME})?)"
)


def _lower_name_word(word: str) -> bool:
    key = fold(word)
    return (
        key not in NOT_NAMES
        and key not in ROLE_NOUNS
        and (key in GIVEN_NAMES_WIDE or is_census_surname(word))
    )


def find_persons_after_lower_civility(text: str) -> list[Entity]:
    found = []
    for m in _LOWER_CIVILITY_NAME.finditer(text):
        words = m.group("name").split()
        keep = 1 if words[0] in _EDGE_PARTICLES else 0
        if not _lower_name_word(words[keep]):
            continue
        keep += 1
        if keep < len(words) and _lower_name_word(words[keep]):
            keep += 1
        end = m.start("name") + len(" ".join(words[:keep]))
        found.append(
            Entity(
                "PERSONNE",
                m.start("name"),
                end,
                text[m.start("name") : end],
                0.8,
                LOWER_CASE_SOURCE,
            )
        )
    return found


# "MM. Dupont, Durand et Lefèvre", "Mmes Martin et Petit": every name of the list after a
# plural civility (lists of those present in deliberations, of candidates, of witnesses).
_LIST_NAME = rf"{_SURNAME_PART}{_NAME_TOKEN}(?:[ \u00a0]+{_SURNAME_PART}{_NAME_TOKEN}){{0,2}}"
_LIST_SEP = r"(?:[ \u00a0]*[,;][ \u00a0]*|[ \u00a0]+et[ \u00a0]+)"
_CIVILITY_LIST = re.compile(
    r"(?<![\w])(?:MM|Mmes|Mlles|Messieurs|Mesdames)(?![\w])[ \u00a0]*\.?[ \u00a0]*"
    rf"(?P<first>{_LIST_NAME})(?P<rest>(?:{_LIST_SEP}{_LIST_NAME}(?![\w@]))+)"
)
_LIST_ITEM = re.compile(rf"{_LIST_SEP}(?P<name>{_LIST_NAME})")


def find_persons_in_civility_lists(text: str) -> list[Entity]:
    """Every name of a list after "MM." or "Mmes" ("MM . Dupont" too, as OCR spaces it)."""
    found = []
    for m in _CIVILITY_LIST.finditer(text):
        items = _LIST_ITEM.finditer(text, m.start("rest"), m.end("rest"))
        for a, b in [m.span("first"), *(i.span("name") for i in items)]:
            span = _strip_not_names(text, a, b)
            if span:
                s, e = span
                found.append(Entity("PERSONNE", s, e, text[s:e], 0.8, CIVILITY_SOURCE))
    return found


_ROLE = re.compile(  # a lookahead: every word is tried as the role, matches may overlap
    rf"(?<![\w])(?=(?P<role>[{_LOW}]+(?:-[{_LOW}]+)?)"
    rf"(?:[ \u00a0]+(?P<adj>[{_LOW}]{{3,}}))?,?[ \u00a0]+"
    rf"(?P<name>{_NAME_TOKEN}(?:[ \u00a0]+{_SURNAME_PART}{_NAME_TOKEN}){{0,3}})(?![\w@]))"
)
_DETERMINERS = frozenset(
    [
        "le",
        "la",
        "les",
        "l",
        "un",
        "une",
        "des",
        "du",
        "au",
        "aux",
        "ce",
        "cet",
        "cette",
        "ces",
        "son",
        "sa",
        "ses",
        "leur",
        "leurs",
        "mon",
        "ma",
        "mes",
        "notre",
        "votre",
        "et",
        "de",
        "d",
        "par",
        "avec",
        "pour",
    ]
)
_NOT_ADJ = frozenset(
    [
        "des",
        "dans",
        "pour",
        "par",
        "sur",
        "sous",
        "avec",
        "sans",
        "entre",
        "vers",
        "chez",
        "est",
        "était",
        "sont",
    ]
)


def find_persons_by_role(text: str) -> list[Entity]:
    """A capitalised name right after a noun of role ("l'acteur Orlando Bloom", "le maire
    Jean Dupont", "la chanteuse anglaise Elkie Brooks"): at most one adjective in between,
    never a preposition ("le maire de Lyon" is a place)."""
    found = []
    for m in _ROLE.finditer(text):
        if fold(m.group("role")) not in ROLE_NOUNS:
            continue
        # A noun of role heads its own noun phrase ("l'acteur", "la sénatrice", "son
        # fils"); after another noun it is an adjective ("l'équipe cycliste Lotto-Soudal").
        before = text[max(0, m.start() - 20) : m.start()]
        words_before = re.findall(r"[\w]+", before)
        if not before.endswith(("'", "’")) and (
            not words_before or fold(words_before[-1]) not in _DETERMINERS
        ):
            continue
        adj = m.group("adj")
        if adj and (fold(adj) in _NOT_ADJ or fold(adj) in _EDGE_PARTICLES or adj in ("les", "aux")):
            continue
        span = _strip_not_names(text, m.start("name"), m.end("name"))
        if not span:
            continue
        s, e = span
        words = [fold(w.strip(",.;:")) for w in text[s:e].split()]
        if any(w in ORG_MARKERS for w in words):
            continue
        found.append(Entity("PERSONNE", s, e, text[s:e], 0.75, "regle:fonction"))
    return found


# "Je m'appelle Julie", "je me nomme julien moreau", "Mon nom est Durand": the name that
# follows, even a lone given name the model calls something else, or typed in lower case.
# a civility before a name typed in a form or after « je suis » (« M », « MME », « Madame »)
_FIELD_CIVILITY = re.compile(r"(?i)(?:m\.|mme|mlle|mr|m|monsieur|madame)[ \u00a0]+")
_INTRODUCTION = re.compile(
    r"(?<![\w])(?:je[ \u00a0]+m(?:['’][ \u00a0]*|[ \u00a0]+)?app?ell?e?|je[ \u00a0]+me[ \u00a0]+nomme"
    r"|mon[ \u00a0]+nom[ \u00a0]+est|(?P<suis>je[ \u00a0]+suis)"
    r"|(?P<cest>c['’][ \u00a0]?est|c[ \u00a0]est|cest|(?-i:c)|mon[ \u00a0]+nom(?:[ \u00a0]*:)?))[ \u00a0]+",
    re.IGNORECASE,
)
_INTRODUCED_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def find_persons_by_introduction(text: str) -> list[Entity]:
    """Up to three name words after "je m'appelle", "je me nomme" or "mon nom est", on the
    same line: capitalised ones, or lower-case ones that are known given names or surnames;
    a particle counts only before another name word ("Jean de La Fontaine")."""
    from communia.core.privacy.ner import is_common_word

    found = []
    for m in _INTRODUCTION.finditer(text):
        pos, end, names, first_given = m.end(), None, 0, False
        # « je suis » introduces a name only after a civility (« je suis Mme Benali ») or
        # when the capitalised word is a known name (« Je suis Javier Martínez »; not « Je
        # suis Française »)
        strict = bool(m.group("suis") or m.group("cest"))
        if strict and (civility := _FIELD_CIVILITY.match(text, pos)):
            pos, strict = civility.end(), False
        while names < 3:
            w = _INTRODUCED_WORD.match(text, pos)
            if not w:
                break
            word, key = w.group(), fold(w.group())
            if key in _EDGE_PARTICLES and end is not None:
                pass  # kept only if a name word follows
            elif (
                key in NOT_NAMES
                or key in _CIVILITY_WORDS
                or not (
                    word[0].isupper()
                    or key in GIVEN_NAMES_WIDE
                    or is_census_surname(word)
                    # « je mapel jeanine fourcade »: a surname no list knows, after the given name
                    or names == 1
                    and first_given
                    and not m.group("suis")
                    and not m.group("cest")
                    and not text[end : w.start()].strip()
                    and key not in _STOP_WORDS
                    and not is_common_word(word.title())
                )
                or m.group("suis")
                and not word[0].isupper()
                or strict
                and names == 0
                and key not in GIVEN_NAMES_WIDE
            ):
                break
            else:
                end, names = w.end(), names + 1
                first_given = first_given or names == 1 and key in GIVEN_NAMES_WIDE
            gap = re.match(r"[ \u00a0]+", text[w.end() :])
            if not gap:
                break
            pos = w.end() + gap.end()
        if end is not None:
            found.append(
                Entity("PERSONNE", m.end(), end, text[m.end() : end], 0.85, INTRODUCTION_SOURCE)
            )
    return found


# A form's name field: « Nom : LE ROUX », « Déclarant 1 : BOUZID KARIM », « Titulaire du
# compte : M CHARLES PETIT » — the label opens a line and the value is only name words.
_NAME_FIELD = re.compile(
    r"(?im)(?:^|(?<=[–—|;\t])|(?<=[–—|;/][ \u00a0])|(?<=[^\W\d_][ \u00a0])(?=[ \u00a0]*pr[ée]noms?[ \t\u00a0]*:)"
    r"|(?<=[ \u00a0]{2})(?=nom\b))"  # a second field on the line (« …   Nom d'usage : LE GALL »)
    r"[ \t\u00a0]*(?:[-*•][ \t\u00a0]+)?"  # a list's bullet
    r"(?:[^\W\d_]+_)?"  # an export's column (« enfant_nom: »)
    r"(?:nom(?:[ \u00a0]+(?:de[ \u00a0]+naissance|d['’]usage|de[ \u00a0]+famille"
    r"|du[ \u00a0]+p[èe]re|de[ \u00a0]+la[ \u00a0]+m[èe]re|de[ \u00a0]+l['’][ée]pou(?:x|se)"
    r"|de[ \u00a0]+l['’]enfant|m[èe]re|p[èe]re))?"
    r"(?:\(s\))?(?:(?:[ \u00a0]+et|,)[ \u00a0]+pr[ée]noms?(?:\(s\))?)?|pr[ée]noms?(?:\(s\))?"
    r"|d[ée]clarant(?:e)?(?:[ \u00a0]+\d)?"
    r"|demandeu(?:r|se)|d[ée]funt(?:e)?|titulaire(?:[ \u00a0]+du[ \u00a0]+compte)?|titular|conjoint(?:e)?"
    r"|[ée]pou(?:x|se)|repr[ée]sentant(?:e)?[ \u00a0]+l[ée]gal(?:e)?|signataire|b[ée]n[ée]ficiaire"
    r"|locataire|propri[ée]taire|t[ée]moin(?:[ \u00a0]+\d)?|enfant(?:[ \u00a0]+\d)?|p[èe]re|m[èe]re"
    r"|redevable|payeur"
    r"|parent(?:[ \u00a0]+\d)?|requ[ée]rant(?:e)?|p[ée]titionnaire|exposant(?:e)?|adh[ée]rent(?:e)?"
    r"|usag[eè]re?|[ée]l[èe]ve|personne[ \u00a0]+[àa][ \u00a0]+pr[ée]venir|responsables?(?:[ \u00a0]+\d)?"
    r"|partenaire(?:[ \u00a0]+\d)?|mandant|mandataire"
    # an association's officers (« Vice-présidente : Chaïma Berrada, étudiante »)
    r"|(?:vice-)?pr[ée]sident(?:e)?|tr[ée]sori(?:er|[èe]re)|secr[ée]taire)"
    r"(?:[ \u00a0]+adjoint(?:e)?)?(?:_[^\W\d_]+)?"  # « secrétaire adjointe », « nom_usage: »
    r"[ \t\u00a0]*(?::|\.{3,})[ \t\u00a0]*"  # « Nom de famille ........ PETRENKO »
)
#: the word between a person's two surnames (« Delmas née Ferrand », « KOUAME épouse N'GUESSAN »)
# typed without accents or in capitals too (« DURAND EPOUSE BERTRAND »), not a birth's « NEE LE »
_MARRIED = (
    r"(?i:n[ée]e|[ée]pouse|[ée]p\.|veuve)"
    r"(?![ \u00a0]+(?:(?i:en|au|aux|à|a|dans|sur|vers)(?![\w'’])|(?i:le|l['’])[ \u00a0]*\d))"
)
_FIELD_VALUE = re.compile(
    rf"{_SURNAME_PART}{_NAME_TOKEN}(?:[ \u00a0]{_SURNAME_PART}{_NAME_TOKEN}){{0,3}}"
    rf"(?:[ \u00a0]+{_MARRIED}[ \u00a0]+{_NAME_TOKEN}(?:[ \u00a0]{_NAME_TOKEN}){{0,2}})?"
    r"(?=[ \t\u00a0]*(?:$|\n|[,;(|])|[ \t\u00a0]{2}|[ \u00a0]+[—–/-][ \u00a0]"
    r"|[ \t\u00a0]+(?i:pr[ée]noms?|date[ \u00a0]+(?:de[ \u00a0]+)?naissance|n[ée]e?[ \u00a0]+le)\b)"
)
# The same field without its colon, as typed in a hurry or on a form read back in capitals
# (« NOM MEUNIER PRENOM ODETTE », « Parent 1 : Nom RAMANANTSOA Prénom Hasina », « MON NOM
# KOWALSKI STANISLAS »): only the surname and given-name labels, the surname in capitals
_BARE_NAME_FIELD = re.compile(
    r"(?m)(?:^|(?<=:[ \u00a0])|(?<=[.?!][ \u00a0]))[ \t\u00a0]*(?:(?i:mon)[ \u00a0]+)?"
    r"(?i:nom(?:[ \u00a0]+(?:de[ \u00a0]+naissance|d['’ \u00a0]usage|de[ \u00a0]+famille"
    r"|du[ \u00a0]+payeur|de[ \u00a0]+jeune[ \u00a0]+fille))?)(?:[ \u00a0]{1,2}|\t)"
    rf"(?={_SURNAME_PART}{_UPPER_WORD}(?![\w'’]))"
    # or a given-name label after a value on the same line (« … MEUNIER PRENOM ODETTE »);
    # not a table's header (« Nom Prénom Classe », « Nom et prénoms      Naissance »)
    rf"|(?:^[ \t\u00a0]*|(?<=[^\W\d_][ \u00a0])(?<!(?i:nom)[ \u00a0])(?<!(?i:et)[ \u00a0]))"
    rf"(?i:pr[ée]noms?)(?:[ \u00a0]{{1,2}}|\t)(?=[{_UP}])"
)


def is_name_field_label(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies in the label of a form's name field (« Demandeur : »)."""
    line_start = text.rfind("\n", 0, start) + 1
    m = _NAME_FIELD.match(text, line_start)
    return bool(m) and end <= m.end()


# A value typed in lower case (« nom : rochereau », « partenaire 2 : ben amor samira, née… »):
# up to four words, then the end of the line or a comma.
_LOWER_FIELD_VALUE = re.compile(
    rf"[{_LOW}]+(?:[-'’][{_LOW}]+)*(?:[ \u00a0][{_LOW}]+(?:[-'’][{_LOW}]+)*){{0,3}}"
    r"(?=[ \t\u00a0]*(?:$|\n|,))",
    re.MULTILINE,
)


def _is_lower_name_value(text: str, words: list[str]) -> bool:
    """Lower-case words are a name when one of them is a known name or is spelled in an e-mail
    address of the text, and none is a common word."""
    folded = [fold(w) for w in words]
    if any(map(no_name_word, folded)) or any(w in _STOP_WORDS for w in folded):
        return False
    emails = {fold(e.group()).split("@")[0] for e in _EMAIL.finditer(text)}
    return any(
        w in GIVEN_NAMES_WIDE
        or is_census_surname(w)
        or (len(w) >= 4 and any(w in local for local in emails))
        for w in folded
    )


_NEXT_LABEL = re.compile(r"(?i)[ \u00a0]+(?:pr[ée]noms?|nom)\b")


def find_persons_in_fields(text: str) -> list[Entity]:
    """The value of a form's name field, when it is made of name words only."""
    found = []
    labels = [*_NAME_FIELD.finditer(text), *_BARE_NAME_FIELD.finditer(text)]
    for m in labels:
        pos = m.end()
        civility = _FIELD_CIVILITY.match(text, pos)
        if civility:
            pos = civility.end()
        value, source = _FIELD_VALUE.match(text, pos), FIELD_SOURCE
        if value and (label := _NEXT_LABEL.search(value.group())):
            # « MEUNIER PRENOM ODETTE »: the value stops before the next field's label
            value = _FIELD_VALUE.match(text[: pos + label.start()], pos)
        if value is None:
            value, source = _LOWER_FIELD_VALUE.match(text, pos), LOWER_CASE_SOURCE
            if value and not _is_lower_name_value(text, value.group().split()):
                value = None
        if value and not any(fold(w) in NOT_NAMES for w in value.group().split()):
            found.append(Entity("PERSONNE", value.start(), value.end(), value.group(), 0.8, source))
    return found


# Given names written alone where only people are listed: with an age (« Moussa, 12 ans »,
# « Maël (7 ans) »), or as items of a list in which at least two items are known given names
# (« Présents : Adam, Louna, Timéo, Nathan B. », « Lundi : Josette (mairie), Fatima (école) »).
_GIVEN_ITEM = re.compile(rf"(?P<name>{_WORD_CAP})(?:[ \u00a0](?P<initial>[{_UP}])\.)?")
_AGE_AFTER = re.compile(
    r"[ \u00a0]*(?:\(|,)[ \u00a0]*\d{1,2}[ \u00a0]*ans\b(?![ \u00a0]+(?:plus|apr[èe]s|avant|de|d['’]))"
    # or a birth (« - Itziar, né(e) le 05/09/2016 », « * Yasmina – née en 2017 »)
    r"|[ \u00a0]*(?:\(|,|[—–-])[ \u00a0]*n[ée]e?(?:\(e\))?[ \u00a0]+(?:le|en)[ \u00a0]+\d"
)
_ITEM_SEPARATOR = re.compile(r"[ \u00a0]*(?:[,;—–]|(?<=[ \u00a0])et(?=[ \u00a0]))[ \u00a0]*")
_ITEM_NOISE = re.compile(
    r"^[ \t\u00a0]*[-*•·][ \t\u00a0]+|^[^:\n]{0,40}:[ \u00a0]*|[ \u00a0]*\([^()\n]*\)?$|[ \u00a0]*\d{1,2}[ \u00a0]*ans$"
)


def _is_listed_given_name(word: str) -> bool:
    folded = fold(word)
    return folded in GIVEN_NAMES_LISTED and folded not in NOT_NAMES


def _listed_given_names(word: str) -> bool:
    """Every part of a hyphenated word is a known given name (« Marie-Jo », « Radu-Mihai »)."""
    return all(map(_is_listed_given_name, word.split("-")))


def find_given_names_in_lists(text: str) -> list[Entity]:
    found: list[Entity] = []
    for line in re.finditer(r"[^\n]+", text):
        items = []  # (start, end, is a known given name) of each one-word item
        pos = line.start()
        for part in [*_ITEM_SEPARATOR.split(line.group()), None]:
            if part is None:
                break
            start = text.find(part, pos) if part else pos
            pos = start + len(part)
            core, offset = part, 0
            while (noise := _ITEM_NOISE.search(core)) and noise.group():
                if noise.start() == 0:
                    offset += noise.end()
                    core = core[noise.end() :]
                else:
                    core = core[: noise.start()]
            m = _GIVEN_ITEM.fullmatch(core)
            if m:
                s = start + offset
                items.append((s, s + len(core), _is_listed_given_name(m.group("name"))))
        known = [(s, e) for s, e, ok in items if ok]
        listed = len(known) >= 2 and len(known) * 2 > len(items)
        for s, e, ok in items:
            # « Moussa (15 ans) »: a name with an age, known or not
            if _AGE_AFTER.match(text, e) and fold(text[s:e].split()[0]) not in NOT_NAMES:
                found.append(Entity("PERSONNE", s, e, text[s:e], 0.8, "regle:prenom-age"))
            elif ok and listed:
                found.append(Entity("PERSONNE", s, e, text[s:e], 0.8, LISTED_SOURCE))
    return found


# « EL AMRANI Youssef », « LE BOLLOCH Servane », « OKONKWO Chiamaka Grace »: a surname in
# capitals (particles and hyphens included) before given names, the first one a known one.
_UPPER_FIRST = re.compile(
    rf"(?<![\w@.])(?P<surname>(?:(?:LE|LA|DE|DU|DA|DI|DOS|DES|VAN|VON|BEN|EL|AIT|OULD)[ \u00a0])?"
    rf"{_UPPER_WORD}(?:[ \u00a0]{_UPPER_WORD})?)[ \u00a0]+(?P<given>{_WORD_CAP}(?:[ \u00a0]{_WORD_CAP}){{0,2}})"
    rf"(?![\w@])"
)


def find_persons_upper_surname_first(text: str) -> list[Entity]:
    found = []
    for m in _UPPER_FIRST.finditer(text):
        given = m.group("given").split()
        surname = [w for w in re.split(r"[ \u00a0\-'’]", m.group("surname")) if len(w) > 2]
        if not surname or any(fold(w) in NOT_NAMES for w in surname):
            continue
        if not _is_listed_given_name(given[0]):
            continue
        # the given names stop at the first word that is no name (« Julie CNI », « Lucas CNI »)
        keep = 1
        while keep < len(given) and _is_listed_given_name(given[keep]):
            keep += 1
        end = m.start("given") + len(" ".join(given[:keep]))
        s = m.start("surname")
        found.append(Entity("PERSONNE", s, end, text[s:end], 0.8, UPPER_FIRST_SOURCE))
    return found


# « 3. Vermeulen Eric – 55 ans », « Moreau Quentin | 7 | 8 », « Roche Kévin - matricule 00412 »:
# a list's line that opens on a surname, then a known given name, then the line's next field
_SURNAME_FIRST_LINE = re.compile(
    rf"(?m)^[ \t]*(?:(?:\d{{1,3}}[.)]|[-–—•*])[ \t]+)?(?P<surname>{_SURNAME_PART}{_WORD_CAP})"
    rf"[ \u00a0]+(?P<given>{_WORD_CAP})(?=[ \t]+[-–—(]|[ \t]*(?:[|;\t]|$))"
)
# makes whose models are given names (« Renault Mégane », « Renault Zoé »)
_CAR_MAKES = frozenset(["renault", "peugeot", "citroen", "dacia", "nissan", "toyota", "seat"])


def find_listed_surnames_first(text: str) -> list[Entity]:
    found = []
    for m in _SURNAME_FIRST_LINE.finditer(text):
        surname = m.group("surname").split()
        if not _listed_given_names(m.group("given")):
            continue
        if any(
            no_name_word(w)
            or _common_word_only(w)
            or fold(w) in STREET_TYPES
            or fold(w) in _CIVILITY_WORDS
            or fold(w) in _CAR_MAKES
            or fold(w) in NAMED_PLACES
            for w in surname
        ):
            continue  # « Gymnase Marcel – », « Chez Fatou », « Renault Mégane »
        s, e = m.start("surname"), m.end("given")
        found.append(Entity("PERSONNE", s, e, text[s:e], 0.8, "regle:liste-nom-prenom"))
    return found


ALONE_SOURCE = "regle:prenom-seul"  # a known given name on its own: the model may veto it
# « Hélène assurera l'intérim », « merci à Nadine pour le suivi », « Gwen (accueil) »: a known
# given name written alone, not next to another capitalised word (the other rules' business)
_ALONE = re.compile(rf"(?<![\w'’.@/-])(?P<name>{_WORD_CAP})(?![\w'’@-])(?![ \u00a0]+[{_UP}])")
_CAPITALISED_BEFORE = re.compile(rf"[{_UP}][^\s]*[ \u00a0]+$")


_CHAIN = re.compile(rf"{_WORD_CAP}(?:{_ITEM_SEPARATOR.pattern}{_WORD_CAP})+")


def _line_around(text: str, start: int, end: int) -> tuple[int, str]:
    """Where the line holding ``text[start:end]`` starts, and that line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, text[line_start : len(text) if line_end < 0 else line_end]


def _among_other_names(text: str, start: int, end: int) -> bool:
    """The word is one of a list of capitalised words, most of which are no given names
    (« Villes jumelées : Florence, Nancy, Lorient et Vannes »)."""
    line_start, line = _line_around(text, start, end)
    for chain in _CHAIN.finditer(line):
        if chain.start() <= start - line_start < chain.end():
            items = re.findall(_WORD_CAP, chain.group())
            return len(items) >= 3 and 2 * sum(map(_is_listed_given_name, items)) <= len(items)
    return False


# A list typed in lower case (« - amélie rose - 06 87 45 11 92 », « guerin marie-france
# 12/12/1942 4 rue des capucins », « ben amara mounir 03/07/1946 »): a line that opens on two
# to four name words, one of them a known given name, before the line's next field; a dash
# opens it, or another such line is in the text
_LOWER_LIST_LINE = re.compile(
    r"(?m)^[ \t]*(?P<dash>[-–—•*][ \t]+)?(?P<name>[a-zà-ÿ'’-]{2,}(?:[ \t][a-zà-ÿ'’-]{2,}){1,3})"
    r"(?=[ \t]+[-–—][ \t]|[ \t]*[(,;|\t]|[ \t]+\d)"
)


def find_lower_list_names(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    lines = []
    for m in _LOWER_LIST_LINE.finditer(text):
        words = [w for w in m.group("name").split() if fold(w) not in _EDGE_PARTICLES]
        given = [w for w in words if _listed_given_names(w) and not is_common_word(w.title())]
        if len(words) >= 2 and given and all(map(_lower_name_word, words)):
            lines.append(m)
    return [
        Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.75, LOWER_CASE_SOURCE)
        for m in lines
        if m.group("dash") or len(lines) >= 2
    ]


# A hurried message signed in lower case at its end (« merci⏎cindy durand 06 18 27 36 45 »,
# « sabrina du 22 rue des tulipes », « stéphanie⏎31 lotissement les Coteaux »)
_LOWER_SIGNATURE = re.compile(
    r"(?m)(?:^|(?<=[.!?][ ]))[ \t]*(?P<given>[a-zà-ÿ]{3,}(?:-[a-zà-ÿ]{3,})?)(?:[ \t]+(?P<surname>[a-zà-ÿ'’-]{3,}))?"
    r"(?=[ \t]*$|[ \t]+(?:\+|0)\d|[ \t]*\(|[ \t]+du[ \t]+\d)"
)


def _signature_line(text: str, m: re.Match) -> bool:
    """The two words are the whole last line (« …⏎lucienne marchand »): the second is the
    surname even when no list knows it or it is also a word, unless it is a closing word."""
    key = fold(m.group("surname"))
    return (
        not text[m.end() :].strip()
        and key not in NOT_NAMES
        and key not in ROLE_NOUNS
        and key not in _STOP_WORDS
    )


# initials signing a note on one of its last two lines (« … il peut y aller. – FVR », « Bien à
# vous,⏎LA⏎Envoyé de mon iPhone », « Dernière mise à jour : 4 novembre – N.C. »)
_INITIALS = re.compile(
    r"(?:^|(?<=[.!?:])[ \t]+|(?<=[–—])[ \t]*|^-- ?)(?P<name>[A-Z](?:\.?[A-Z]){1,3}\.?)[ \t]*$",
    re.MULTILINE,
)
INITIALS_SOURCE = "regle:initiales"
_NOT_INITIALS = frozenset(
    ["ras", "nb", "ps", "pj", "ok", "rh", "dg", "dgs", "sg", "non", "oui", "fin"]
)


def find_initials_signatures(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    lines = list(re.finditer(r"[^\n]*\S[^\n]*", text))[-3:]
    lines = [m for m in lines if not re.match(r"\s*envoy[ée] de mon", m.group(), re.I)][-2:]
    found = []
    for line in lines:
        m = _INITIALS.search(line.group())
        if m is None:
            continue
        key = fold(m["name"]).replace(".", "")
        if key in _NOT_INITIALS or key in NOT_NAMES or is_common_word(m["name"].title()):
            continue
        start = line.start() + m.start("name")
        found.append(
            Entity("PERSONNE", start, start + len(m["name"]), m["name"], 0.7, "regle:initiales")
        )
    return found


def find_lower_signatures(text: str) -> list[Entity]:
    found = []
    last_lines = text.rstrip().rsplit("\n", 3)
    tail_start = len(text.rstrip()) - len("\n".join(last_lines[-3:]))
    for m in _LOWER_SIGNATURE.finditer(text):
        if m.start() < tail_start or not _lower_name_word(m.group("given")):
            continue
        if fold(m.group("given")) not in GIVEN_NAMES_WIDE:
            continue
        end = (
            m.end("surname")
            if m.group("surname")
            and (_lower_name_word(m.group("surname")) or _signature_line(text, m))
            else m.end("given")
        )
        found.append(
            Entity(
                "PERSONNE",
                m.start("given"),
                end,
                text[m.start("given") : end],
                0.75,
                LOWER_CASE_SOURCE,
            )
        )
    return found


# « P. Garnier », « — Y. Garnier », « Signatures : F. Perrot   G. Benoît »: an initial, then a
# known surname (« M. » is a civility); in a table's cell, the other way round too
_INITIAL_SURNAME = re.compile(
    rf"(?<![\w.'’-])(?!M\.)(?:[{_UP}]|Ph|Ch|Th|Chr)\.[ \u00a0]{_SURNAME_PART}(?P<surname>[{_UP}](?:[{_LOW}]+(?:-[{_UP}][{_LOW}]+)?"
    rf"|[{_UP}]{{2,}}(?:-[{_UP}]{{2,}})?))(?![\w'’-])"
)


# « Benali K. », « Le Goff G. »: a surname, then an initial, alone in a table's cell (cells cut
# by tabs, bars, semicolons or, aligned with spaces, by two spaces: « 16/11;Marquet S.;17 rue »,
# « Romy G.      8h30 – 12h00 »)
_SURNAME_INITIAL_CELL = re.compile(
    rf"(?m)(?:^|(?<=\t)|(?<=\|[ \u00a0])|(?<=;)|(?<=[ \u00a0]{{2}}))(?P<surname>(?:{_SURNAME_PART})?{_WORD_CAP})"
    rf"[ \u00a0][{_UP}]\.(?=[ \u00a0]*(?:\t|\||;|$)|[ \u00a0]{{2}})"
)


def find_initial_surnames(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    def surname(part: str) -> bool:
        # « AGENT : K. BENALI »: in capitals, any word of four letters or more that no text
        # writes in lower case; « F. Bernard », « T. Lundi »: a given name, a day or a month
        return (
            is_census_surname(part)
            or fold(part) in GIVEN_NAMES_WIDE
            or fold(part) in _CALENDAR_WORDS
            # « T. Gallois »: a word of four letters or more that the texts do not write in
            # lower case
            or (
                part[1:].islower()
                and len(part) >= 4
                and not is_common_word(part)
                and fold(part) not in STREET_TYPES
                and fold(part) not in NAMED_PLACES
            )
            or (part.isupper() and len(part) >= 4 and not is_common_word(part.capitalize()))
        )

    found = [
        Entity(
            "PERSONNE",
            m.start(),
            m.end(),
            m.group(),
            0.8,
            # « T. Lundi »: kept whole, the day being his name
            CALENDAR_SOURCE if fold(m.group("surname")) in _CALENDAR_WORDS else "regle:initiale",
        )
        for m in _INITIAL_SURNAME.finditer(text)
        if (
            fold(m.group("surname")) not in NOT_NAMES or fold(m.group("surname")) in _CALENDAR_WORDS
        )
        and all(surname(p) for p in m.group("surname").split("-"))
    ]
    return found + [
        Entity("PERSONNE", m.start(), m.end(), m.group(), 0.8, "regle:initiale")
        for m in _SURNAME_INITIAL_CELL.finditer(text)
        if not any(map(no_name_word, m["surname"].split()))
    ]


# « PACS 2019-044 (RENAUD / COLAS) », « mariage Okafor / Ndiaye », « BA / KANTÉ — premier
# livret »: the two names of a couple's file
_COUPLE_FILE = re.compile(
    rf"(?<![\w/])(?P<a>{_NAME_TOKEN})[ \u00a0]*/[ \u00a0]*(?P<b>{_NAME_TOKEN})(?![\w/])"
)
_COUPLE_CUE = re.compile(r"(?i)mariage|pacs|[ée]poux|livret|couple|divorce|union")


def find_couple_files(text: str) -> list[Entity]:
    found = []
    for m in _COUPLE_FILE.finditer(text):
        _, line = _line_around(text, m.start(), m.end())
        names = (m.group("a"), m.group("b"))
        if not _COUPLE_CUE.search(line) or any(fold(n) in NOT_NAMES for n in names):
            continue
        if not any(is_census_surname(n) or fold(n) in GIVEN_NAMES_WIDE for n in names):
            continue
        found += [
            Entity("PERSONNE", m.start(g), m.end(g), m.group(g), 0.8, "regle:couple-dossier")
            for g in ("a", "b")
        ]
    return found


# « Saisi par : Nathalie (accueil) », « Agnieszka (secrétariat) »: a known given name, its role
# in brackets; « M. Sainte-Rose (Firmin) »: the given name in brackets after a civility's name
_GIVEN_WITH_ROLE = re.compile(
    rf"(?<![\w'’.-])(?P<name>{_WORD_CAP})[ \u00a0]*\((?:(?:le|la|l['’]|sa|son|mon|ma)[ \u00a0]?)?"
    rf"(?P<role>[{_LOW}][{_LOW}-]*)[^()\n]{{0,40}}\)"
)
# the office's roles that may stand in brackets after a given name, besides ``ROLE_NOUNS``
_OFFICE_ROLES = frozenset(
    fold(w)
    for w in [
        "accueil",
        "secrétariat",
        "compta",
        "comptabilité",
        "direction",
        "standard",
        "astreinte",
        "stagiaire",
        "remplaçant",
        "remplaçante",
        "intervenant",
        "intervenante",
        "coordinateur",
        "coordinatrice",
        "aidant",
        "aidante",
        "voisin",
        "voisine",
        "tuteur",
        "tutrice",
        "curateur",
        "curatrice",
        "bénévole",
        "responsable",
        "gestionnaire",
        "référent",
        "référente",
        "assistant",
        "assistante",
        "animateur",
        "animatrice",
        "atsem",
        "adjoint",
        "adjointe",
        "cuisine",
        "entretien",
        "nouveau",
        "nouvelle",
    ]
)
_GIVEN_IN_BRACKETS = re.compile(
    rf"(?<![\w])(?:{_CIV})(?![\w])\.?[ \u00a0]+{_SURNAME_PART}{_NAME_TOKEN}[ \u00a0]*"
    rf"\((?P<name>{_WORD_CAP})\)"
)
# « DUMITRESCU (Ion), né le … », « NOWAK (Zbigniew) »: a surname in capitals, the given names
# in brackets, as the Journal officiel lists them
_UPPER_GIVEN_IN_BRACKETS = re.compile(
    rf"(?<![\w'’-])(?P<surname>{_UPPER_WORD})[ \u00a0]*\((?P<name>{_WORD_CAP})\)"
)


def find_given_names_with_roles(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    return [
        Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.8, ROLE_SOURCE)
        for m in (*_GIVEN_WITH_ROLE.finditer(text), *_GIVEN_IN_BRACKETS.finditer(text))
        if _listed_given_names(m.group("name"))
        and not is_common_word(m.group("name"))
        and not m.group("name").isupper()
        and (
            "role" not in m.groupdict()
            or fold(m["role"]) in ROLE_NOUNS
            or fold(m["role"]) in _OFFICE_ROLES
            or "@" in m.group()  # « Beñat (birigoyen@free.fr) »: a contact
        )
    ] + [
        Entity("PERSONNE", m.start(g), m.end(g), m.group(g), 0.8, ROLE_SOURCE)
        for m in _UPPER_GIVEN_IN_BRACKETS.finditer(text)
        if not m.group("name").isupper()
        and _listed_given_names(m.group("name"))
        and not no_name_word(m.group("surname"))
        for g in ("surname", "name")
    ]


def find_given_names_alone(text: str) -> list[Entity]:
    return [
        Entity("PERSONNE", m.start(), m.end(), m.group(), 0.7, ALONE_SOURCE)
        for m in _ALONE.finditer(text)
        if not m.group().isupper()
        and not _CAPITALISED_BEFORE.search(text, max(0, m.start() - 30), m.start())
        and all(p in GIVEN_NAMES_ALONE and p not in NOT_NAMES for p in fold(m.group()).split("-"))
        and not _among_other_names(text, m.start(), m.end())
    ]


# Vietnamese names, family name first (« NGUYEN Van Long », « Phan Thi Mai », « Lê Thị Mai »):
# a frequent family name, then given or middle names of one syllable
VIET_FAMILY = frozenset(
    [
        "nguyen",
        "tran",
        "le",
        "pham",
        "hoang",
        "huynh",
        "phan",
        "vu",
        "vo",
        "dang",
        "bui",
        "do",
        "ho",
        "ngo",
        "duong",
        "ly",
        "truong",
        "dinh",
        "dao",
        "doan",
        "lam",
        "luong",
        "trinh",
        "ta",
        "cao",
        "mai",
        "quach",
    ]
)
_VIET_GIVEN = frozenset(
    [
        "van",
        "thi",
        "minh",
        "duc",
        "ngoc",
        "thanh",
        "quang",
        "huu",
        "xuan",
        "kim",
        "hong",
        "anh",
        "long",
        "tuan",
        "trang",
        "thu",
        "lan",
        "hoa",
        "hung",
        "dung",
        "hai",
        "nam",
        "linh",
        "huong",
        "phuong",
        "hieu",
        "khanh",
        "tam",
        "binh",
        "son",
        "vinh",
        "bao",
        "an",
        "hanh",
        "nga",
        "yen",
        "chi",
        "thao",
        "hien",
        "dat",
        "phuc",
        "tien",
        "trung",
        "cuong",
        "tri",
        "viet",
        "tung",
        "kien",
        "nhung",
        "quynh",
        "my",
        "vy",
        "thuy",
        "loan",
        "hau",
        "khoa",
        "phong",
        "tai",
        "thang",
        "hoai",
        "diep",
        "giang",
        "hang",
        "ha",
        "nhi",
        "uyen",
        "tuyet",
        "mai",
    ]
)
_VIET_NAME = re.compile(
    rf"(?<![\w'’-])(?P<family>{_NAME_TOKEN})(?P<given>(?:[ \u00a0]{_WORD_CAP}){{1,3}})(?![\w'’-])"
)


def find_vietnamese_names(text: str) -> list[Entity]:
    found = []
    for m in _VIET_NAME.finditer(text):
        if fold(m.group("family")) not in VIET_FAMILY:
            continue
        given = m.group("given").split()
        keep = 0
        while keep < len(given) and fold(given[keep]) in _VIET_GIVEN:
            keep += 1
        # « TRAN Van Duc », « Vo Van Thanh »: one syllable after a family name in capitals,
        # two after a capitalised one (« Le Long » is no name)
        if keep < (1 if m.group("family").isupper() else 2):
            continue
        end = m.start("given") + len(" ".join(given[:keep])) + 1
        found.append(
            Entity("PERSONNE", m.start(), end, text[m.start() : end], 0.8, VIETNAMESE_SOURCE)
        )
    return found


# A name spelled out on the phone, in capitals or not (« Lefort, L-E-F-O-R-T », « O K A F O R »,
# « K comme kilo A C I », « k e deux s l e r », « e l espace a m r a n i »): the spelling, and
# the word it spells where the text writes it as a name. A spelling whose word the text does not
# write counts when the caller says it is one (« comme » twice, « espace », « deux s »…) or was
# asked to spell.
_LETTER = (
    rf"(?:(?:deux|double)[ \u00a0]+)?[{_UP}{_LOW}]"
    rf"(?:[ \u00a0]+(?i:comme)[ \u00a0]+[^\W\d_]+)?"
    rf"(?:[ \u00a0]+(?i:accent[ \u00a0]+(?:aigu|grave|circonflexe)|tr[ée]ma|c[ée]dille))?"
)
_SPELLED = re.compile(
    rf"(?<![\w'’-])(?:(?:[{_UP}]-){{3,}}[{_UP}]"
    rf"|(?:{_LETTER}[ \u00a0]+(?:(?i:espace|tiret|apostrophe)[ \u00a0]+)?){{2,}}{_LETTER})(?![\w'’-])"
)
_SPELLING_WORD = re.compile(
    r"(?i)\b(?:espace|tiret|apostrophe|accent|tr[ée]ma|c[ée]dille|deux|double)\b"
)
_SPELLING_NOISE = re.compile(
    r"(?i)[- \u00a0]|comme[ \u00a0]+[^\W\d_]+|accent[ \u00a0]+\w+|tr[ée]ma|c[ée]dille|espace|tiret"
    r"|apostrophe"
)
_SPELL_CUE = re.compile(
    r"(?i)(?:[ée]pel|s['’ ]?[ée]crit|lettre par lettre)[^\n]{0,40}(?:\n[^\n]{0,20})?$"
)
_DETERMINER_BEFORE = re.compile(r"(?i)(?<![\w])(?:la|le|les|une?|des|du)[ \u00a0]+$")
_WRITTEN_WORD = re.compile(r"(?<![\w.@-])[^\W\d_]{3,}(?![\w@-]|\.\w)")  # not in an address


def _spelled_letters(spelling: str) -> str:
    """« k e deux s l e r » → « kessler »."""
    spelling = re.sub(r"(?i)(?:deux|double)[ \u00a0]+([^\W\d_])", r"\1\1", spelling)
    return _SPELLING_NOISE.sub("", spelling)


def find_spelled_names(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    found: list[Entity] = []
    spelled = list(_SPELLED.finditer(text))
    if not spelled:
        return found
    names: dict[str, list[re.Match]] = {}  # each word written as a name, by its folded form
    for w in _WRITTEN_WORD.finditer(text):
        if w.group()[1:].islower() or w.group().isupper():
            names.setdefault(fold(w.group()), []).append(w)
    for m in spelled:
        letters = fold(_spelled_letters(m.group()))
        if len(letters) < 3:
            continue
        # « santucci s a n t u c c i deux c »: the caller confirms a double letter at the end
        written = [
            w
            for key, words in names.items()
            if key == letters
            or (len(key) >= 4 and letters.startswith(key) and len(letters) - len(key) <= 2)
            for w in words
            if not m.start() <= w.start() < m.end()
        ]
        before = [w for w in written if 0 <= m.start() - w.end() <= 3]
        if len(letters) == 3:  # « bah b a h »: three letters spell the word said just before
            written = before
        else:  # « lieu-dit la pierre levée »: elsewhere, a common word in lower case is that word
            written = [
                w
                for w in written
                if w in before
                or w.group()[0].isupper()
                or not (
                    is_common_word(w.group().capitalize())
                    or _DETERMINER_BEFORE.search(text, max(0, w.start() - 5), w.start())
                )
            ]
        said = len(letters) > 3 and bool(
            m.group().lower().count("comme") >= 2
            or _SPELLING_WORD.search(m.group())
            or _SPELL_CUE.search(text, max(0, m.start() - 80), m.start())
        )
        if written or said:
            found.append(Entity("PERSONNE", m.start(), m.end(), m.group(), 0.85, SPELLED_SOURCE))
            found += [
                Entity("PERSONNE", w.start(), w.end(), w.group(), 0.85, SPELLED_SOURCE)
                for w in written
            ]
    return found


# The agent who signs a call's note in lower case (« note agent (f. moreau) », « traité par :
# sandrine l. », « signé florence moreau »): an initial and a surname, or a known given name
_AGENT_NOTE = re.compile(
    r"(?<![\w])(?i:agente?|sign[ée]e?|(?:trait[ée]e?|r[ée]dig[ée]e?|saisie?|not[ée]e?)[ \u00a0]+par)"
    r"[ \u00a0]*[:(]?[ \u00a0]*(?P<name>[a-zà-ÿ]\.[ \u00a0]?[a-zà-ÿ][a-zà-ÿ'’-]{2,}"
    r"|[a-zà-ÿ]{3,}(?:[ \u00a0]+(?:[a-zà-ÿ]\.|[a-zà-ÿ][a-zà-ÿ'’-]{2,}))?)(?![\w'’-])"
)


def find_agent_notes(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    def surname(word: str) -> bool:
        return is_census_surname(word) or not is_common_word(word.capitalize())

    found = []
    for m in _AGENT_NOTE.finditer(text):
        spans = list(re.finditer(r"[^ \u00a0]+", m.group("name")))
        words = [w.group() for w in spans]
        if words[0].endswith("."):  # « f. moreau »
            keep = len(words) if surname(words[-1]) and fold(words[-1]) not in NOT_NAMES else 0
        elif fold(words[0]) in GIVEN_NAMES_WIDE and fold(words[0]) not in NOT_NAMES:
            second = words[1] if len(words) > 1 else ""
            keep = 2 if second and (second.endswith(".") or surname(second)) else 1
        else:
            keep = 0
        if keep:
            start, end = m.start("name"), m.start("name") + spans[keep - 1].end()
            found.append(Entity("PERSONNE", start, end, text[start:end], 0.75, LOWER_CASE_SOURCE))
    return found


# A caller's answer to the callbot's or an agent's question about a name (« bot : quel est
# votre nom ⏎ appelant : morel stéphanie morel », « agent : vous êtes ⏎ appelant : adja sow »)
_TURN_LINE = re.compile(r"(?m)^[ \t]*(?P<who>[^\W\d_][^:\n]{0,24}?)[ \t]*:[ \t]*(?P<said>[^\n]*)$")
_ASKER = re.compile(
    r"(?i)^(?:bot|callbot|robot|serveur vocal|agent|accueil|standard|op[ée]rat(?:eur|rice)"
    r"|conseill(?:er|[èe]re)|secr[ée]taire|mairie)$"
)
_NAME_QUESTION = re.compile(
    r"(?i)\b(?:nom|pr[ée]noms?|[ée]pel\w*|vous [êe]tes|qui (?:est )?à l['’]appareil"
    r"|c['’]est de la part)"
    r"(?![ \u00a0]+(?:de[ \u00a0]+la[ \u00a0]+(?:rue|voie|soci[ée]t[ée]|commune|ville|r[ée]sidence)"
    r"|du[ \u00a0]+(?:commerce|magasin|lotissement|quartier|hameau|lieu-dit|chien|chat|animal)"
    r"|de[ \u00a0]+l['’][ \u00a0]?(?:entreprise|association|[ée]cole|[ée]tablissement|animal)"
    r"|de[ \u00a0]+(?:votre|la)[ \u00a0]+(?:rue|soci[ée]t[ée]|entreprise|association|commune"
    r"|[ée]cole)))"
)
# what a caller says before the name (« oui », « alors », « c'est », « je m'appelle ») and
# after it (« mais tout le monde m'appelle… », « avec un h », the spelling, a date)
_ANSWER_OPENING = re.compile(
    r"(?i)^(?:(?:oui|non|alors|euh+|donc|bonjour|bonsoir|pardon|moi|lui|elle|c['’ ]?est|c|ça"
    r"|je[ \u00a0]+m['’ ]?appelle|je[ \u00a0]+suis|mon[ \u00a0]+nom[ \u00a0]+(?:c['’ ]?est|est)"
    r"|(?:il|elle)[ \u00a0]+s['’ ]?appelle|madame|monsieur|mme|m\.|mr)[ \u00a0,.!]+)+"
)
_ANSWER_END = re.compile(
    r"(?i)[,.;:?!…\"«»()\d]"
    r"|[ \u00a0](?:mais|et[ \u00a0]+(?:le|la|les|lui|moi|son|sa|mon|ma|je|j['’]|c['’]|il|elle)"
    r"|je|j['’]|il|elle|on|avec|sans|enfin|alors|pour|parce|qui|que|c['’ ]est|n[ée]e?s?|ça|ca"
    r"|tout|comme|s['’ ]?[ée]crit|à|au)(?![\w'’])"
)
# the names of one answer, « et » between them (« tojo et hery »)
_ANSWER_PART = re.compile(
    r"(?<![^ \u00a0])(?!et(?!\w))[^ \u00a0]+(?:[ \u00a0]+(?!et(?!\w))[^ \u00a0]+)*"
)
_NOT_AN_ANSWER = frozenset(
    fold(w)
    for w in (
        "ah", "oh", "ok", "okay", "d'accord", "ma", "mon", "mes", "sa", "son", "ses", "le", "la",
        "les", "un", "une", "des", "pour", "de", "du", "au", "aux", "votre", "vos", "notre", "nos",
        "leur",
    )
)  # fmt: skip


def find_name_answers(text: str) -> list[Entity]:
    found = []
    turns = list(_TURN_LINE.finditer(text))
    for question, answer in itertools.pairwise(turns):
        if (
            not _ASKER.match(question.group("who").strip())
            or _ASKER.match(answer.group("who").strip())
            or not _NAME_QUESTION.search(question.group("said"))
            or text.count("\n", question.end(), answer.start()) > 1
        ):
            continue
        start, said = answer.start("said"), answer.group("said")
        if opening := _ANSWER_OPENING.match(said):
            start, said = start + opening.end(), said[opening.end() :]
        if end := _ANSWER_END.search(said):
            said = said[: end.start()]
        # « tojo et hery »: two names; « yildiz y comme yvonne »: the spelling starts at a letter
        for part in _ANSWER_PART.finditer(said):
            words = list(re.finditer(r"[^ \u00a0]+", part.group()))
            short = next((i for i, w in enumerate(words) if len(w.group()) < 2), None)
            spelled_only = short == 0 and len(words) >= 3 and all(len(w.group()) < 2 for w in words)
            if short is not None and not spelled_only:  # « k o w a l »: the name, spelled
                words = words[:short]
            if (
                not words
                or len(words) > 5
                or fold(words[0].group()) in _NOT_AN_ANSWER
                or all(_common_word_only(w.group()) for w in words)
            ):
                continue  # « ma femme », « ah d'accord », « horaires »
            s, e = start + part.start(), start + part.start() + words[-1].end()
            source = LOWER_CASE_SOURCE if text[s:e].islower() else ANSWER_SOURCE
            found.append(Entity("PERSONNE", s, e, text[s:e], 0.8, source))
    return found


# Two given names sharing one surname (« Germaine et Fernand Lacroix », « Vasile et Elena
# Rusu »): the first given name is a person too.
_COUPLE = re.compile(
    rf"(?<![\w-])(?P<first>{_WORD_CAP})[ \u00a0]+et[ \u00a0]+(?P<second>{_WORD_CAP})[ \u00a0]+{_NAME_TOKEN}"
)


def find_couples(text: str) -> list[Entity]:
    return [
        Entity("PERSONNE", m.start("first"), m.end("first"), m.group("first"), 0.8, "regle:couple")
        for m in _COUPLE.finditer(text)
        if _is_listed_given_name(m.group("first")) and _is_listed_given_name(m.group("second"))
    ]


# « Augustin Rouquette, dit « Tintin » », « connu sous le surnom “Fredo” »: a nickname in
# quotes
_NICKNAME = re.compile(
    rf"(?<![\w])(?:dite?|surnomm[ée]e?|alias|(?:sur)?nom(?:m[ée]e?)?)[ \u00a0]+(?:de[ \u00a0]+)?"
    rf"[«\"“][ \u00a0]*(?P<name>{_WORD_CAP}(?:[ \u00a0]{_WORD_CAP})?)[ \u00a0]*[»\"”]"
)
# « bonjour fanny, », « salut gwen », « merci, fabienne », « bises⏎Lucie »: a known given
# name, in any case, greeted or signing off
_GREETED = re.compile(
    r"(?i)(?<![\w])(?:bonjour|bonsoir|salut|coucou|hello|merci(?:[ \u00a0]+d['’][ \u00a0]?avance)?|bises"
    r"|bisous|cordialement|amiti[ée]s|bien[ \u00a0]+à[ \u00a0]+vous|gracias|thanks|regards|obrigad[oa])"
    r"[ \u00a0]*[,!]?[ \u00a0\n]+(?P<name>[^\W\d_]{3,}(?:-[^\W\d_]{3,})?)(?=[ \u00a0]*(?:[,.!\n]|$))"
)
# « nos enfants Adam et Sarah », « Kids: Amelia … and Jack », « os meus filhos Rafael e Beatriz »:
# the given names after a word for children, when one of them is a known given name
_CHILDREN = re.compile(
    rf"(?:(?<![\w])(?P<before>\d{{1,2}})[ \u00a0]+)?"
    rf"(?i:(?<![\w])(?:enfants|fils|filles|petits-enfants|kids|children|sons|daughters|filhos"
    rf"|filhas|hijos|hijas))[ \u00a0]*[:,]?(?:[ \u00a0]*(?P<after>\d{{1,2}}))?[ \u00a0]*[ (][ \u00a0]*"
    rf"(?P<names>{_WORD_CAP}(?:[^\n.;]{{0,40}}?"
    rf"(?:[,;]|(?<=[ \u00a0])(?:et|and|e|y|&)(?=[ \u00a0]))[ \u00a0]*{_WORD_CAP}){{1,6}})"
)
# « la maman de Capucine », « parents de Unai », « sa fille Ioana », « son frère Andrei »: a
# capitalised word alone right after a word for a relative is that relative's given name
_RELATIVE_WORD = (
    r"(?i:(?<![\w'’-])(?:maman|papa|m[èe]re|p[èe]re|parents|fille|fils|fr[èe]re|s(?:œ|oe)ur|neveu"
    r"|ni[èe]ce|petit-fils|petite-fille|grand-m[èe]re|grand-p[èe]re|mamie|papi|mari|[ée]poux"
    r"|[ée]pouse|conjointe?|compagnon|compagne|tante|oncle|cousine?|gendre|belle-fille))"
)
_RELATIVE = re.compile(
    _RELATIVE_WORD + rf"(?:[ \u00a0]+(?:de|d['’]))?[ \u00a0]*(?<=[ \u00a0'’])(?P<name>{_WORD_CAP})"
    rf"(?![\w'’@-])(?![ \u00a0]+[{_UP}])"
)
# « la vente Lasserre/Bordenave », « vente DUPUY / MARTINS », « Commune de Plougastel c/ Le
# Gall »: the parties of a sale or of a case
_PARTIES = re.compile(
    rf"(?<![\w])(?:[Vv]ente|VENTE)[ \u00a0]+(?P<a>{_SURNAME_PART}{_NAME_TOKEN})[ \u00a0]*/[ \u00a0]*"
    rf"(?P<b>{_SURNAME_PART}{_NAME_TOKEN})(?![\w])"
    rf"|(?<![\w])c/[ \u00a0]*(?P<c>{_SURNAME_PART}{_NAME_TOKEN})(?![\w])"
    # « Blot c/ commune », « Objet : Prigent c/ Bois-le-Comte »: the party before « c/ » too
    rf"|(?<![\w'’-])(?<!\bde[ \u00a0])(?<!\bdu[ \u00a0])(?P<d>{_SURNAME_PART}{_NAME_TOKEN})"
    r"(?=[ \u00a0]+c/)"
    # « l'affaire ROUSSEL (terrain de la Noue) », « Dossier Brisset (TA Orléans …) : »: a case
    # named after its party
    rf"|(?<![\w])(?:[Aa]ffaire|AFFAIRE|[Dd]ossier|DOSSIER)[ \u00a0]+"
    rf"(?P<e>{_SURNAME_PART}{_NAME_TOKEN})(?=[ \u00a0]*(?:\(|:|,|$))"
)
# a town's compound name (« Bois-le-Comte », « Saint-Ouen »), not a party
_TOWN_NAME = re.compile(
    r"(?:Saint|Sainte|St|Ste)-|-(?:sur|sous|lès|les|en|de|du|des|la|le|aux?|d['’]|l['’])-?",
    re.IGNORECASE,
)
# « la famille Ozturk », « famille MARTINEZ-RUIZ », « chez les Moulin »: a family's surname
_FAMILY = re.compile(
    rf"(?<![\w])(?:[Ff]amille|(?:chez|voisins?)[ \u00a0]+les)[ \u00a0]+(?P<name>{_NAME_TOKEN}(?:[ \u00a0]{_UPPER_WORD})?)(?![\w'’-])"
)


# The speaker of a turn in a transcript or a chat, at the start of a line (« [00:15:20] FATOUMATA
# DIALLO : juste une question », « HOARAU : oui donc… », « Mounir 21:14 : wesh c mounir »,
# « [12/11/2026 20:20] Aurélie Mendès : top »), a role in brackets allowed after it
# what may open a turn's line: a time stamp, a time, a dash
_TURN_OPENING = r"(?:\[[^\]\n]{1,25}\][ \t]*|\d{1,2}[:h]\d{2}(?::\d{2})?[ \t]+|[-–—•][ \t]*)?"
_TURN = re.compile(
    rf"(?m)^[ \t]*{_TURN_OPENING}"
    rf"(?P<name>{_NAME_TOKEN}(?:[ \u00a0]+{_SURNAME_PART}{_NAME_TOKEN}){{0,2}}"
    rf"(?:[ \u00a0][{_UP}]\.)?)(?:[ \u00a0]*\([^()\n]{{1,40}}\))?(?:[ \u00a0]+\d{{1,2}}[:h]\d{{2}})?"
    rf"[ \u00a0]*:[ \u00a0]+(?=\S)"
)
# a chat's lines, the speaker in any case before the time (« mohamed 16:05 : bjr … »)
_CHAT_TURN = re.compile(
    r"(?m)^[ \t]*(?P<name>[^\W\d_]{3,}(?:[ \u00a0][^\W\d_]{3,})?)[ \u00a0]+\d{1,2}[:h]\d{2}"
    r"[ \u00a0]*:[ \u00a0]+(?=\S)"
)
# a chat's speaker in lower case (« lea : c fait », « [14/06 19:07] nico: top », « didier.m: »,
# « marie-jo.b: »)
_LOWER_TURN = re.compile(
    rf"(?m)^[ \t]*{_TURN_OPENING}(?P<name>[{_LOW}]{{3,}}(?:-[{_LOW}]{{2,}})?(?:[._][{_LOW}]{{1,20}})?)"
    rf"[ \t]*:[ \t]+(?=\S)"
)
# a speaker after their role (« adjoint Roux: », « Maire Ph. Carré : », « conseiller Vo: »)
_ROLE_TURN = re.compile(
    rf"(?m)^[ \t]*{_TURN_OPENING}(?P<role>[^\W\d_]+)[ \u00a0]+"
    rf"(?P<name>(?:(?:[{_UP}]|Ph|Ch|Th)\.[ \u00a0]?)?{_NAME_TOKEN})[ \u00a0]*:[ \u00a0]+(?=\S)"
)
# who speaks in a transcript without being a person (« APPELANT : », « BOT : », « Question : »)
_NOT_SPEAKERS = frozenset(
    fold(w)
    for w in [
        "appelant",
        "appelante",
        "bot",
        "robot",
        "callbot",
        "assistant",
        "assistante",
        "opérateur",
        "opératrice",
        "agent",
        "usager",
        "usagère",
        "client",
        "cliente",
        "interlocuteur",
        "interlocutrice",
        "intervenant",
        "intervenante",
        "public",
        "salle",
        "voix",
        "question",
        "réponse",
        "remarque",
        "note",
        "avis",
        "conclusion",
        "vote",
        "résultat",
        "décision",
        "rires",
        "inaudible",
        "suite",
        "objet",
        "système",
        "serveur",
        "standard",
        "accueil",
        "from",
        "to",
        "cc",
        "subject",
        "sent",
        "parents",
        "électeur",
        "électrice",
        "portable",
        "fixe",
        "magasin",
    ]
)


def find_speakers(text: str) -> list[Entity]:
    """Speakers of a dialogue who are persons: a word of the name is a known given name or
    surname, or the same speaker takes the floor twice in a dialogue of three turns or more."""
    from communia.core.privacy.ner import is_common_word

    turns = []
    lines = {m.start(): m for m in _TURN.finditer(text)}
    for m in _CHAT_TURN.finditer(text):
        lines.setdefault(m.start(), m)
    lower = set()  # « lea : oui faut que chacun signe »: speaks in a dialogue only
    for m in _LOWER_TURN.finditer(text):
        first = re.split(r"[._]", m.group("name"))[0]
        if m.start() not in lines and not is_common_word(first.capitalize()):
            lines[m.start()] = m
            lower.add(m.start())
    roles = set()  # « adjoint Roux: »: the role is no part of the name
    for m in _ROLE_TURN.finditer(text):
        if m.start() not in lines and fold(m.group("role")) in ROLE_NOUNS:
            lines[m.start()] = m
            roles.add(m.start())
    for m in sorted(lines.values(), key=lambda m: m.start()):
        name = m.group("name")
        words = [fold(w) for w in re.findall(r"[^\W\d_]+", name)]
        if is_name_field_label(text, m.start("name"), m.end("name")) or any(
            w in NOT_NAMES or w in ROLE_NOUNS or w in _CIVILITY_WORDS or w in _NOT_SPEAKERS
            for w in words
        ):
            continue
        turns.append((m, words))
    said = Counter(fold(m.group("name")) for m, _ in turns)
    # a form repeats its labels too (« Domicile : »): a dialogue has two speakers who speak
    # again, or three who speak, one of them, no common word, again; or speakers in capitals
    again = [name for name, n in said.items() if n >= 2]
    dialogue = len(turns) >= 3 and (
        len(again) >= 2 or (len(said) >= 3 and any(not _common_word_only(name) for name in again))
    )
    return [
        Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.8, SPEAKER_SOURCE)
        for m, words in turns
        if (
            dialogue and (words[0] in GIVEN_NAMES_WIDE or said[fold(m.group("name"))] >= 2)
            if m.start() in lower
            else dialogue or not _common_word_only(m.group("name").split()[-1])
            if m.start() in roles
            else any(w in GIVEN_NAMES_WIDE or is_census_surname(w) for w in words if len(w) >= 3)
        )
        or (
            said[fold(m.group("name"))] >= 2
            and (dialogue or (len(turns) >= 3 and m.group("name").isupper()))
        )
    ]


def find_nicknames(text: str) -> list[Entity]:
    return [
        Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.8, "regle:surnom")
        for m in _NICKNAME.finditer(text)
    ]


def find_children(text: str) -> list[Entity]:
    found = []
    for m in _CHILDREN.finditer(text):
        names, base = m.group("names"), m.start("names")
        words = [  # not a class's « CE » of « CE1 et CM2 »
            w
            for w in re.finditer(_WORD_CAP, names)
            if not text[base + w.end() : base + w.end() + 1].isalnum()
        ]
        items = [
            w
            for w in words
            if w.start() == 0
            or re.search(r"(?:[,;]|\b(?:et|and|e|y)|&)[ \u00a0]*$", names[: w.start()])
        ]
        # as many capitalised words as the children counted (« 3 enfants (Aïssatou, Moussa,
        # Binta) ») are their names, known given names or not
        count = m.group("before") or m.group("after")
        if any(_is_listed_given_name(w.group()) for w in items) or (
            count and int(count) == len(items) == len(words)
        ):
            found += [
                Entity(
                    "PERSONNE", base + w.start(), base + w.end(), w.group(), 0.8, "regle:enfants"
                )
                for w in items
                if fold(w.group()) not in NOT_NAMES
            ]
    return found


def find_greeted_names(text: str) -> list[Entity]:
    return [
        Entity(
            "PERSONNE",
            m.start("name"),
            m.end("name"),
            m.group("name"),
            0.8,
            LOWER_CASE_SOURCE if m.group("name").islower() else "regle:salut",  # « salut nadege »
        )
        for m in _GREETED.finditer(text)
        if _is_listed_given_name(m.group("name"))
    ]


# The name that signs a letter or an e-mail alone on its line, right after the closing formula
# (« Bien respectueusement,⏎Awa Mendy », « Merci beaucoup⏎Aïssatou Camara 07 45 22 63 19 »)
_CLOSING = (
    r"(?i:cordialement|respectueusement|amicalement|amiti[ée]s|fraternellement|sinc[èe]rement"
    r"|salutations(?:[ \u00a0]+[^\W\d_]+)?|bien[ \u00a0]+à[ \u00a0]+(?:vous|toi)"
    r"|merci(?:[ \u00a0]+(?:beaucoup|encore|d['’][ \u00a0]?avance|pour[^\n]{1,60}))?"
    r"|bonne[ \u00a0]+(?:journée|soirée|fin[ \u00a0]+de[ \u00a0]+journée))"
)
_SIGNATURE = re.compile(
    rf"(?<![\w]){_CLOSING}[ \u00a0]*[,.!]?[ \u00a0]*\n(?:[ \u00a0]*\n)?[ \u00a0]*"
    rf"(?P<name>{_NAME_TOKEN}(?:[ \u00a0]+{_SURNAME_PART}{_NAME_TOKEN}){{1,3}})"
    rf"(?=[ \u00a0]*(?:\n|$|,|[ \u00a0](?:\+|0)\d|[–—-][ \u00a0]))"
)


# « …carte vitale⏎Ibrahima », « -Kelly »: a known given name alone on the text's last line
# signs it (read on that line only: a search over the whole text is quadratic on a long line)
_LAST_LINE_NAME = re.compile(
    rf"[ \u00a0\t]*(?:[-–—][ \u00a0]*)?(?P<name>{_WORD_CAP})[ \u00a0\t.!]*"
)
# « @Julie tu t'en charges ? »: a chat's mention
_MENTION = re.compile(rf"(?<![\w@.])@(?P<name>{_WORD_CAP})(?![\w@.-])")


def _last_line_name(text: str) -> re.Match | None:
    """The name alone on the text's last line, unless the line before ends an address
    (« 75001 Paris⏎France »)."""
    body = text.rstrip()
    cut = body.rfind("\n")
    if cut < 0 or re.search(r"(?<!\d)\d{5}(?!\d)", body[body.rfind("\n", 0, cut) + 1 : cut]):
        return None
    return _LAST_LINE_NAME.fullmatch(body, cut + 1)


def find_signatures(text: str) -> list[Entity]:
    found = [
        Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.8, SIGNATURE_SOURCE)
        for m in (_last_line_name(text), *_MENTION.finditer(text))
        if m is not None
        and _listed_given_names(m.group("name"))
        and not _common_word_only(m.group("name"))
        and not re.fullmatch(_COUNTRIES, m.group("name"))
    ]
    for m in _SIGNATURE.finditer(text):
        words = re.findall(r"[^\W\d_][^\s]*", m.group("name"))
        names = [w for w in words if fold(w) not in _EDGE_PARTICLES]
        if all(w.isupper() for w in names) or any(
            no_name_word(w) or _common_word_only(w) for w in names
        ):
            continue  # « Service Urbanisme », « CCAS DE TOURS », « Bonne continuation »
        found.append(
            Entity(
                "PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.8, SIGNATURE_SOURCE
            )
        )
    return found


# « Garazi Etxeberria (etxeberria79@yahoo.fr) », « Femke VAN DER BERG <vanderberg.femke@…> »,
# « Karim (karim-aitouali@laposte.net) », « Morvan Nolwenn — nolwenn.morvan22@orange.fr »: name
# words right before the address (in brackets, after a dash or a colon) that it spells
_NAME_BEFORE_EMAIL = re.compile(
    rf"(?P<name>{_SURNAME_PART}{_NAME_TOKEN}(?:[ \u00a0]{_SURNAME_PART}{_NAME_TOKEN}){{0,3}})"
    rf"(?:[ \u00a0]*[(<]|[ \u00a0]+[—–-]|[ \u00a0]*:)[ \u00a0]*(?P<email>{_EMAIL.pattern})"
)


def find_persons_before_emails(text: str) -> list[Entity]:
    found = []
    for m in _NAME_BEFORE_EMAIL.finditer(text):
        local = fold(m.group("email").split("@")[0])
        words = re.findall(r"[^\W\d_]+", m.group("name"))
        if any(len(w) >= 3 and fold(w) in local for w in words) and not any(
            map(no_name_word, words)
        ):
            found.append(
                Entity(
                    "PERSONNE",
                    m.start("name"),
                    m.end("name"),
                    m.group("name"),
                    0.85,
                    "regle:courriel",
                )
            )
    return found


# « mon frere karim », « MON NEVEU DENIS BESNARD »: the same, typed in lower case or in
# capitals, when the word is a known given name that is no common word (then its surname)
_RELATIVE_TYPED = re.compile(
    _RELATIVE_WORD
    + r"[ \u00a0]+(?P<name>(?P<low>[a-zà-ÿ]{3,})|[A-ZÀ-Ý]{3,})(?:[ \u00a0]+(?P<surname>"
    + r"(?(low)[a-zà-ÿ'’-]{3,}|[A-ZÀ-Ý'’-]{3,})))?(?![\w'’@-])"
)


def _typed_relatives(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    found = []
    for m in _RELATIVE_TYPED.finditer(text):
        name = m.group("name")
        if fold(name) not in GIVEN_NAMES_WIDE or fold(name) in NOT_NAMES:
            continue
        if is_common_word(name.title()):
            continue
        end = m.end("name")
        surname = m.group("surname")
        if (
            surname
            and fold(surname) not in NOT_NAMES
            and fold(surname) not in _STOP_WORDS
            and (not is_common_word(surname.title()) or is_census_surname(surname))
        ):
            end = m.end("surname")
        found.append(
            Entity(
                "PERSONNE",
                m.start("name"),
                end,
                text[m.start("name") : end],
                0.75,
                LOWER_CASE_SOURCE if m.group("low") else "regle:proche",
            )
        )
    return found


# « Sabrina à l'appareil »: who answers the phone; « (EI Rémi Chabert) », « entreprise
# individuelle Paul Morel »: a sole trader's business bears its owner's name
_ON_THE_PHONE = re.compile(
    # not a place (« Mairie de Lunel à l'appareil »)
    r"(?<![\w'’-])(?<!\bde[ \u00a0])(?<!\bdu[ \u00a0])(?<!\bdes[ \u00a0])(?<!\bd['’])"
    rf"(?P<name>{_WORD_CAP}(?:[ \u00a0]{_NAME_TOKEN})?)[ \u00a0]+à[ \u00a0]+l['’][ \u00a0]?appareil\b"
)
_SOLE_TRADER = re.compile(
    rf"(?<![\w.])(?:EI|E\.I\.|[Ee]ntreprise[ \u00a0]+individuelle)[ \u00a0]+"
    rf"(?P<name>{_NAME_TOKEN}(?:[ \u00a0]{_SURNAME_PART}{_NAME_TOKEN}){{1,2}})(?![\w'’-])"
)

# a given name signing a message before its phone number, after the message's last words
# (« Merci !! Aurore 06 81 42 70 16 », « On met ou ??? Piotr +48 512 093 771 »)
_NAME_BEFORE_PHONE = re.compile(
    rf"(?:^|(?<=[.!?:\n])[ \u00a0]*)(?P<name>[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)?)"
    r"[ \u00a0]*[,:–-]?[ \u00a0]*(?=\+|0[1-9])",
    re.MULTILINE,
)


def find_persons_by_cue(text: str) -> list[Entity]:
    from communia.core.privacy.ner import is_common_word

    found = [
        Entity("PERSONNE", m.start("name"), m.end("name"), m["name"], 0.75, "regle:indice")
        for m in _NAME_BEFORE_PHONE.finditer(text)
        if fold(m["name"]) in GIVEN_NAMES_WIDE
        and fold(m["name"]) not in NOT_NAMES
        and not is_common_word(m["name"])
        and (_PHONE.match(text, m.end()) or _PHONE_ABROAD.match(text, m.end()))
    ]
    for m in [*_ON_THE_PHONE.finditer(text), *_SOLE_TRADER.finditer(text)]:
        words = m.group("name").split()
        if any(fold(w) in NOT_NAMES or fold(w) in ORG_MARKERS for w in words):
            continue
        if fold(words[0]) not in GIVEN_NAMES_WIDE and (
            not words[0].isupper() or is_common_word(words[0].title())
        ):
            continue  # « EI Plomberie Martin », « EI Primeurs du Centre », not « EI MOREL Paul »
        found.append(
            Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.8, "regle:indice")
        )
    return found


def find_relatives(text: str) -> list[Entity]:
    return [
        Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.75, "regle:proche")
        for m in _RELATIVE.finditer(text)
        if not m.group("name").isupper()
        and fold(m.group("name")) not in NOT_NAMES
        and not re.fullmatch(r"(?i)p[èe]re[ \u00a0]+no[ëe]l", m.group())  # Father Christmas
    ] + _typed_relatives(text)


def find_parties(text: str) -> list[Entity]:
    found = []
    from communia.core.privacy.ner import is_common_word

    for m in _PARTIES.finditer(text):
        for g in ("a", "b", "c", "d", "e"):
            if (
                m.group(g)
                and fold(m.group(g)) not in NOT_NAMES
                and fold(m.group(g)) not in ORG_MARKERS
                and not m.group(g).startswith(("Commune", "Ville", "COMMUNE", "VILLE"))
                and not (g in "cde" and _TOWN_NAME.search(m.group(g)))  # not a sale's party
                and not (g in "de" and is_common_word(m.group(g).split()[0].title()))
                # « SCI Les Pins c/ commune »: a body's name
                and not (
                    g == "d"
                    and {fold(w) for w in text[max(0, m.start(g) - 20) : m.start(g)].split()[-2:]}
                    & ORG_MARKERS
                )
            ):
                name = m.group(g)
                found.append(Entity("PERSONNE", m.start(g), m.end(g), name, 0.8, "regle:parties"))
    return found


def find_families(text: str) -> list[Entity]:
    return [
        Entity("PERSONNE", m.start("name"), m.end("name"), m.group("name"), 0.8, "regle:famille")
        for m in _FAMILY.finditer(text)
        if not any(fold(w) in NOT_NAMES for w in re.findall(r"[^\W\d_]+", m.group("name")))
    ]


RULE_RECOGNIZERS: tuple[Callable[[str], list[Entity]], ...] = (
    find_initials_signatures,
    find_emails,
    find_spoken_emails,
    find_ibans,
    find_nirs,
    find_sirets,
    find_sirens,
    find_phones,
    find_spoken_phones,
    find_plates,
    find_parcels,
    find_personal_ids,
    find_birth_dates,
    find_spoken_birth_dates,
    find_addresses,
    find_addresses_in_fields,
    find_residences,
    find_places,
    find_persons_by_rules,
    find_persons_after_lower_civility,
    find_persons_in_civility_lists,
    find_persons_by_role,
    find_persons_by_introduction,
    find_persons_in_fields,
    find_given_names_in_lists,
    find_persons_upper_surname_first,
    find_listed_surnames_first,
    find_spelled_names,
    find_name_answers,
    find_agent_notes,
    find_couples,
    find_nicknames,
    find_speakers,
    find_given_names_alone,
    find_given_names_with_roles,
    find_initial_surnames,
    find_couple_files,
    find_lower_signatures,
    find_lower_list_names,
    find_signatures,
    find_vietnamese_names,
    find_children,
    find_relatives,
    find_persons_by_cue,
    find_persons_before_emails,
    find_greeted_names,
    find_parties,
    find_families,
)

_ = compact  # re-exported helper used by callers that normalise values
