"""Detection pipeline: rules + (optional) spaCy, person-name propagation, overlap resolution.

Order matters and is read top to bottom in ``scan``:
1. every rule-based recogniser (identifiers with keys, phones, e-mails, addresses, ...);
2. spaCy's French NER for persons (when installed), plus its other entities that start with
   a known given name (the model sometimes calls "Marie Curie" a place);
3. propagation: once "Jean Dupont" is found, every other capitalised "Dupont" in the text is
   the same person (citizen e-mails repeat names without the first name);
4. overlaps resolved by type priority (``entities.ENTITY_TYPES``), then by length;
5. adjacent pieces of the same person merged.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from communia.core.errors import InvalidInput, TooLarge
from communia.core.privacy.entities import ALIAS_PREFIX, ENTITY_TYPES, PRIORITY, Entity
from communia.core.privacy.lexicon import (
    CIVILITIES,
    GIVEN_NAMES,
    GIVEN_NAMES_WIDE,
    NAMED_PLACES,
    NOT_NAMES,
    ORG_MARKERS,
    STREET_TYPES,
    fold,
    is_census_surname,
)
from communia.core.privacy.recognizers import (
    _CIVILITY_WORDS,
    _LOW,
    _MARRIED,
    _UP,
    ALONE_SOURCE,
    CALENDAR_SOURCE,
    CIVILITY_SOURCE,
    FIELD_SOURCE,
    INITIALS_SOURCE,
    INTRODUCTION_SOURCE,
    LISTED_SOURCE,
    LOWER_CASE_SOURCE,
    RULE_RECOGNIZERS,
    SPEAKER_SOURCE,
    SPELLED_SOURCE,
    UPPER_FIRST_SOURCE,
    VIET_FAMILY,
    VIETNAMESE_SOURCE,
    WIDE_INNER_SOURCE,
    WIDE_SOURCE,
    _strip_not_names,
    birth_dates_after_names,
    is_name_field_label,
)
from communia.core.privacy.tables import column_entities, header_line_spans

__all__ = ["ScanResult", "scan", "detect", "ensure_text", "document_text", "MAX_CHARS"]

MAX_CHARS = 2_000_000  # about 600 pages of text

_CIVILITY_PREFIX = re.compile(
    r"^(?:" + "|".join(re.escape(c) for c in sorted(CIVILITIES, key=len, reverse=True)) + r")\.?\s+"
)
STREET_WORDS = frozenset(fold(t).rstrip(".") for t in STREET_TYPES if " " not in t)
_ALIAS = re.compile(
    r"(?<![\w])(?:"
    + "|".join(re.escape(p) for p in sorted(ALIAS_PREFIX.values(), key=len, reverse=True))
    + r") \d{1,4}(?![\w])(?![ \u00a0.,]?\d)"
)
_NAME_WORD = re.compile(r"[A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ][\wÀ-ÿ'’-]*")


@dataclass
class ScanResult:
    entities: list[Entity]
    ner_used: bool
    ner_model: str = ""
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entities:
            out[e.type] = out.get(e.type, 0) + 1
        return out


def ensure_text(
    value: str | bytes, *, encoding: str | None = None, max_chars: int = MAX_CHARS
) -> str:
    """Text to analyse, or a French ``InvalidInput``/``TooLarge`` error."""
    if isinstance(value, bytes):
        if b"\x00" in value[:8192]:
            raise InvalidInput(
                "Ce fichier semble binaire (PDF, image, traitement de texte...) : "
                "extrayez-en d'abord le texte, ou déposez un fichier texte."
            )
        try:
            value = value.decode(encoding or "utf-8-sig")
        except (UnicodeDecodeError, LookupError) as exc:
            raise InvalidInput(
                f"Le texte n'est pas lisible dans l'encodage {encoding or 'UTF-8'}. "
                "Enregistrez-le en UTF-8 ou précisez son encodage (par exemple cp1252)."
            ) from exc
    if not isinstance(value, str):
        raise InvalidInput("Le texte à analyser doit être une chaîne de caractères.")
    if len(value) > max_chars:
        raise TooLarge(
            f"Le texte est trop long ({len(value):,} caractères ; maximum {max_chars:,}). "
            "Découpez-le en plusieurs parties.".replace(",", "\u202f")
        )
    return value


def document_text(name: str, data: bytes) -> str:
    """The text of a document (PDF text layer or OCR, DOCX, ODT, spreadsheet, e-mail...) read
    by the documents service, within its size limits; French errors for what cannot be read."""
    from communia.core.documents import extract_bytes, get_limits

    limits = get_limits()
    if len(data) > limits.max_file_bytes:
        raise TooLarge(f"Fichier trop volumineux ({limits.max_file_mb:g} Mo au plus).")
    text = extract_bytes(name, data, limits=limits).text
    if not text.strip():
        raise InvalidInput(
            f"Aucun texte n'a pu être lu dans « {name} » (document vide, ou image sans texte "
            "reconnaissable)."
        )
    return text


def _clean_person(
    text: str, start: int, end: int, *, capitalised: bool = True, short_ok: bool = False
) -> tuple[int, int] | None:
    """Trim civility prefixes, roles, particles and punctuation off a person span.

    ``capitalised=False`` for the statistical model's persons: citizens do write
    "julien moreau" in lower case, and the model still finds it. ``short_ok`` for the value
    of a name field or a civility's name, where « SOW » or « LY » is a surname, not an acronym.
    """
    m = _CIVILITY_PREFIX.match(text[start:end])
    if m:
        start += m.end()
    span = _strip_not_names(text, start, end, capitalised=capitalised)
    if span is None:
        return None
    s, e = span
    while e > s and text[e - 1] in ",.;:)»\"'’":
        e -= 1
    value = text[s:e]
    if not value or any(c.isdigit() for c in value) or "@" in value:
        return None
    if "_" in text[max(0, s - 1) : e + 1]:
        return None  # "repas_servis", "nom_prenom": an identifier (a column, a file), no name
    if ";" in value or "\t" in value or " | " in value:
        return None  # "Date;Cantine;Repas": cells of a table, not one name (OCR reads "|" for "l")
    words = [fold(w.strip(",.;:")) for w in value.split()]
    if any(w in ORG_MARKERS for w in words):
        return None  # "Menuiserie Moreau", "Durand BTP": an organisation
    letters = [c for c in value if c.isalpha()]
    if len(letters) < 2 or (
        len(words) == 1
        and value.isupper()
        and len(letters) <= 3
        and (not short_ok or f"{words[0]}." in _CIVILITY_WORDS)
    ):
        return None  # "N", "HT", "BTP"; "MM" (Messieurs)
    return s, e


def _ner_persons(text: str, spans: list[tuple[int, int, str]]) -> list[Entity]:
    found = []
    for start, end, label in spans:
        if label == "PER":
            score, source = 0.85, "spacy"
        else:
            first = text[start:end].split()
            if len(first) < 2:
                continue
            given = fold(_CIVILITY_PREFIX.sub("", first[0]))
            if given in GIVEN_NAMES:
                score, source = 0.6, f"spacy:{label}+prenom"
            elif (
                label != "LOC"
                and given in GIVEN_NAMES_WIDE
                and is_census_surname(first[-1].strip(",.;:"))
            ):
                # "Kyle Drabek" (MISC), "Mickey Spillane" (ORG): an international given name
                # and a known surname; never a place ("Santa Cruz", "Hong Kong").
                score, source = 0.55, f"spacy:{label}+prenom+nom"
            else:
                continue
        cleaned = _clean_person(text, start, end, capitalised=label != "PER")
        if cleaned:
            s, e = cleaned
            found.append(Entity("PERSONNE", s, e, text[s:e], score, source))
    return found


_PARTICLE_BEFORE = re.compile(
    r"(?:^|(?<=[\s(;,|]))(?:De La|DE LA|Da|De|Di|Du|Le|La|Van|Von|Ben|El|Mac|DA|DE|DI|DU|LE|LA"
    r"|VAN|BEN|EL)[ -]$"
)


#: the initial of a given name before a surname (« G. Lambert », « Y. Le Moal »); « M. » is a civility
_INITIAL_BEFORE = re.compile(rf"(?:^|(?<=[\s(]))(?!M\.)(?:[{_UP}]|Ph|Ch|Th|Chr)\.[ \u00a0]$")


_DETERMINERS = frozenset(["le", "la", "l", "les", "du", "des", "de", "d", "au", "aux", "a", "en"])


def _after_place_noun(text: str, start: int) -> bool:
    """The name at ``start`` follows a place noun ("salle Jean Moulin", "rue Victor Hugo"),
    except in two idioms where the noun names no place: "à ce stade Ekaterina Alexandrova"
    (at this point) and the adjective "maison" after a noun ("l'attaquant maison Youssef
    Adnane": the club's own forward)."""
    window = text[max(0, start - 40) : start]
    before = re.findall(r"[\w'’-]+", window)
    if before and not re.search(r"[\w'’-][ \u00a0]*$", window):
        # « Enfants du foyer : Hugo »: a field's label; « Le directeur du conservatoire,
        # Laurent Castagné »: a signature; the place's name follows its noun directly
        return False
    parts = [p for p in re.split(r"['’]", before[-1]) if p] if before else []
    if not parts or fold(parts[-1]) not in NAMED_PLACES | STREET_WORDS:
        return False
    noun = fold(parts[-1])
    prev = before[-2] if len(before) > 1 and len(parts) == 1 else ""
    if noun == "stade" and fold(prev) == "ce":
        return False
    return not (
        noun == "maison" and prev[:1].islower() and fold(prev.split("'")[-1]) not in _DETERMINERS
    )


#: the first word of a place's hyphenated name that is no given name (« avenue du Maréchal-Foch »)
_PLACE_NAME_TITLES = frozenset(
    fold(w)
    for w in (
        "saint", "sainte", "st", "ste", "général", "maréchal", "président", "docteur", "abbé",
        "commandant", "capitaine", "colonel", "amiral",
    )
)  # fmt: skip
_CIVILITY_WORD = r"(?:\bM\.?|\bMM\.?|\bMmes?|\bMlle|\bMonsieur|\bMadame|\bDr\.?|\bMe)"
_CIVILITY_BEFORE = re.compile(_CIVILITY_WORD + r"[ \t\u00a0]*$")
#: what makes a hyphenated word before it a surname: a civility, an initial, a field, a line
_KEPT_BEFORE = re.compile(rf"(?:{_CIVILITY_WORD}|[{_UP}]\.|[:\t;|]|^|\n)[ \t\u00a0]*$")


def _place_name_compound(word: str) -> bool:
    """« Jean-Macé », « SIMONE-DE-BEAUVOIR », « Saint-Martin-des-Ajoncs », « Maréchal-Foch »: a
    given name joined to words that are no given name, or a saint's or a rank's name, joined by
    hyphens as French typography writes a place's name."""
    parts = word.split("-")
    if len(parts) < 2:
        return False
    if fold(parts[0]) in _PLACE_NAME_TITLES:
        return True
    return (
        len(parts) <= 4
        and fold(parts[0]) in GIVEN_NAMES
        and parts[-1][:1].isupper()
        and not any(fold(p) in GIVEN_NAMES_WIDE for p in parts[1:])
    )


def _hyphenated_place(text: str, start: int, end: int) -> bool:
    """A place's name (``_place_name_compound``): alone in prose (« les écoles Jean-Macé,
    Paul-Bert », « résidence Marcel-Pagnol »), opening the span when a saint's or a rank's
    (« de Saint-Pierre de La Réunion »), or after a place's noun (« GYMNASE LÉO-LAGRANGE »).
    A civility, an initial, a field or a line before it, or capitals, make it a surname
    (« Mme Saint-Éloi », « V. Olivier-Ndiaye », « Prénom : Marie-Reine », « 4. SAINT-JUST
    Émilie »)."""
    words = text[start:end].split()
    if len(words) == 2 and fold(words[0]) in NAMED_PLACES:
        return _place_name_compound(words[1])
    first = words[0]
    if (
        first.isupper()
        or not _place_name_compound(first)
        or _KEPT_BEFORE.search(text[max(0, start - 14) : start])
    ):
        return False
    return len(words) == 1 or fold(first.split("-")[0]) in _PLACE_NAME_TITLES


def _name_start(text: str, start: int, taken: _Intervals | None = None) -> int:
    """Take in a particle or an initial just before a name (« Da Silva », « LE GALL »,
    « G. Lambert »), unless another entity holds it."""
    for before, reach in ((_PARTICLE_BEFORE, 7), (_INITIAL_BEFORE, 5)):
        m = before.search(text[max(0, start - reach) : start])
        if m and (taken is None or not taken.overlaps(max(0, start - reach) + m.start(), start)):
            start = max(0, start - reach) + m.start()
    return start


def _tidy_person(text: str, e: Entity) -> Entity | None:
    """Clean every person candidate the same way and take in a particle ("Da Silva")."""
    if e.type != "PERSONNE":
        return e
    lower_ok = e.source in ("spacy", INTRODUCTION_SOURCE, LOWER_CASE_SOURCE, SPEAKER_SOURCE)
    span = (
        (e.start, e.end)
        if e.source in (VIETNAMESE_SOURCE, SPELLED_SOURCE, CALENDAR_SOURCE, INITIALS_SOURCE)
        else _clean_person(
            text,
            e.start,
            e.end,
            capitalised=not lower_ok,
            short_ok=e.source in (FIELD_SOURCE, CIVILITY_SOURCE),
        )
    )
    if span is None:
        return None
    s, end = span
    end = _cut_at_field_line(text, s, end)
    if is_name_field_label(text, s, end) or (
        e.source not in (SPEAKER_SOURCE, CIVILITY_SOURCE) and _field_label_word(text, s, end)
    ):
        return None  # « Demandeur : », « Montant : »: the field, not its value
    if _after_place_noun(text, s) or _hyphenated_place(text, s, end):
        return None  # "salle Jean Moulin", "rue Victor Hugo", "école Jean-Macé": a place
    if e.source in ("spacy", WIDE_SOURCE, WIDE_INNER_SOURCE) and _not_a_name_shape(text, s, end):
        return None
    if e.source == "spacy" and (
        _common_word_opening(text, s, end)
        or _CLITIC_AFTER.match(text, end)
        or _possessive_thing(text, s, end)
    ):
        return None
    s = _name_start(text, s)
    if trailing := _TRAILING_MARRIED.search(text, s, end):
        end = trailing.start()  # « MONIQUE NEE » (LE 30.01.1942): the birth, not a second name
    return Entity("PERSONNE", s, end, text[s:end], e.score, e.source)


_TRAILING_MARRIED = re.compile(r"[ \u00a0]+(?i:n[ée]e|[ée]pouse|veuve)$")


_LIST_REACH = 60  # characters: a list of given names' neighbours


def _veto_wide(candidates: list[Entity], spans: list[tuple[int, int, str]]) -> list[Entity]:
    """Drop the names vouched for by the wide given-name list alone when the model sees a
    place, organisation or title starting at the same word or inside it ("Maple Leafs de
    Toronto", "Hong Kong"); keep them when the model's entity starts before the name
    ("États-Unis de Sylvester Stallone")."""
    others = _Intervals()  # the model's entities do not overlap one another
    places = _Intervals()
    for a, b, label in spans:
        if label != "PER":
            others.add(a, b)
        if label in ("LOC", "ORG"):
            places.add(a, b)
    persons = sorted(a for a, _, label in spans if label == "PER")

    def vetoed(e: Entity) -> bool:
        near = bisect.bisect_left(persons, e.start - _LIST_REACH)
        if (
            e.source == LISTED_SOURCE
            and near < len(persons)
            and persons[near] <= e.end + _LIST_REACH
        ):
            # « leurs enfants Yann, Morgane et Corentin »: the model sees a person in the list
            return False
        if e.source == ALONE_SOURCE:  # « appeler Manon au 07… »: the model's MISC is no veto
            return places.overlaps(e.start, e.end)
        if e.source in _ANY_OVERLAP_VETOED:  # any overlapping place/organisation/title
            return others.overlaps(e.start, e.end)
        inside = others.next_start(e.start)
        return inside is not None and inside < e.end

    return [c for c in candidates if c.source not in _WIDE or not vetoed(c)]


def _given_name_not_alone(text: str, e: Entity) -> bool:
    """A given name on its own that names a place (« salle Pascal », « rue Émile »), is
    mostly a common word (« Rose », « Pierre » as words), or is a title or a pet's name in
    quotes (« Emma », « Rocky »)."""
    from communia.core.privacy.ner import is_common_word

    return e.source == ALONE_SOURCE and (
        _after_place_noun(text, e.start)
        or is_common_word(e.text)
        or _not_a_name_shape(text, e.start, e.end)
    )


def _common_words_in_capitals(e: Entity) -> bool:
    """« COMPTE RENDU Marie »: a heading in capitals before a given name is no surname."""
    from communia.core.privacy.ner import is_common_word

    if e.source != UPPER_FIRST_SOURCE:
        return False
    words = re.findall(r"[^\W\d_]{3,}", e.text)
    return any(w.isupper() and is_common_word(w.capitalize()) for w in words)


_WIDE = frozenset({WIDE_SOURCE, WIDE_INNER_SOURCE, LISTED_SOURCE, ALONE_SOURCE})
#: names the model vetoes by any overlapping entity, not only one starting inside them
_ANY_OVERLAP_VETOED = frozenset({WIDE_INNER_SOURCE, LISTED_SOURCE, ALONE_SOURCE})


_QUOTES = {'"': '"', "«": "»", "“": "”"}


def _not_a_name_shape(text: str, start: int, end: int) -> bool:
    """Shapes of the model's persons that are titles or Latin names, not people.

    - mixed case: a capitalised word then a lower-case one that is no particle
      ("Hakea gibbosa", a species); a name is all capitalised or (typed by a citizen)
      all lower case;
    - the whole content of a pair of quotes ("« Emma » se vend bien", a book's title).
    """
    words = text[start:end].split()
    if words[0][:1].isupper() and any(
        w[:1].islower() and fold(re.split(r"['’-]", w)[0]) not in _LOWER_PARTICLES
        for w in words[1:]
    ):
        return True
    before = text[max(0, start - 3) : start].rstrip(" \u00a0")
    after = text[end : end + 3].lstrip(" \u00a0")
    return bool(before) and before[-1] in _QUOTES and after[:1] == _QUOTES[before[-1]]


_OPENING = re.compile(r"(?:^|[\n.!?…;|\t•*])[ \t\u00a0]*$")


def _common_word_opening(text: str, start: int, end: int) -> bool:
    """A single capitalised common word opening a sentence, a line or a table cell, that is
    no known given name or surname: the model calls the unaccented "Numero", "Telephone",
    "Reference" a person there ("Numero de dossier : 12345."). The word's spelling in the
    model's vocabulary decides (``ner.is_common_word``), accents restored."""
    from communia.core.privacy.ner import is_common_word, is_plural_imperative

    word = text[start:end]
    if not word.isalpha() or not _OPENING.search(text[max(0, start - 20) : start]):
        return False
    key = fold(word)
    return (
        key not in GIVEN_NAMES_WIDE
        and not is_census_surname(word)
        and (is_common_word(word) or is_plural_imperative(word))
    )


_LABEL_COLON = re.compile(r"[ \t\u00a0]*:(?![:\d])")


def _field_label_word(text: str, start: int, end: int) -> bool:
    """A lone word before a colon that is no known name, with no civility before it: a form's
    field (« Instructrice : », « Montant : »), not a speaker (« M. Oyelaran : », « Martin : »)."""
    word = text[start:end]
    return (
        word.isalpha()
        and bool(_LABEL_COLON.match(text, end))
        and not _CIVILITY_BEFORE.search(text[max(0, start - 12) : start])
        and fold(word) not in GIVEN_NAMES_WIDE
        and not is_census_surname(word)
    )


#: a verb's pronoun joined by a hyphen: "Écrivez-moi", "Contactez-nous", "Appelle-le"
_CLITIC_AFTER = re.compile(r"-(?:t-)?(?:moi|toi|nous|vous|le|la|les|lui|leur|y|en|il|elle|on)\b")
_POSSESSIVES = frozenset(
    [
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "tes",
        "son",
        "sa",
        "ses",
        "notre",
        "votre",
        "nos",
        "vos",
        "leur",
        "leurs",
    ]
)


def _possessive_thing(text: str, start: int, end: int) -> bool:
    """A span the model calls a person that opens with a possessive and goes on with an
    acronym or a common noun: "Mon RIB", "Votre CCAS", "Mon dossier" ("Ma Long", a
    possessive-looking surname followed by a capitalised word, stays a name)."""
    words = text[start:end].split()
    if len(words) < 2 or fold(words[0]) not in _POSSESSIVES:
        return False
    rest = words[1:]
    return rest[0][:1].islower() or (len(rest) == 1 and rest[0].strip(",.;:").isupper())


_FIELD_LABEL = re.compile(r"[^\W\d_]+\.?[ \t\u00a0]*:")


def _cut_at_field_line(text: str, start: int, end: int) -> int:
    """End a name at a line break when the next line opens with a form's field label
    ("Adresse :", "Tél. :") or a common word (the model reads "Paul Martin\nAdresse" as one
    person); a name wrapped over two lines of prose ("Jean\nDupont") stays whole."""
    cut = text.find("\n", start, end)
    while cut != -1:
        nxt = cut + 1
        while nxt < end and text[nxt].isspace():
            nxt += 1
        m = re.match(r"[^\W\d_]+", text[nxt:end])
        if (
            nxt >= end
            or _FIELD_LABEL.match(text, nxt)
            or (m and _common_word_opening(text, nxt, nxt + m.end()))
        ):
            return _trim_end(text, start, cut)
        cut = text.find("\n", nxt, end)
    return end


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\u00a0\r,;":
        end -= 1
    return end


def _drop_column_headers(text: str, candidates: list[Entity]) -> list[Entity]:
    """The model's persons among a table's column headers ("Date;Cantine;Repas"), unless
    they hold a known given name (a results table may have candidates as columns)."""
    headers = header_line_spans(text)
    if not headers:
        return candidates

    def in_header(c: Entity) -> bool:
        return any(a <= c.start and c.end <= b for a, b in headers) and not any(
            fold(w) in GIVEN_NAMES_WIDE for w in re.findall(r"[^\W\d_]+", c.text)
        )

    return [c for c in candidates if c.source != "spacy" or not in_header(c)]


_LOWER_PARTICLES = frozenset(
    [
        "d",
        "l",
        "de",
        "du",
        "des",
        "la",
        "le",
        "van",
        "von",
        "der",
        "den",
        "ben",
        "bin",
        "ibn",
        "el",
        "al",
        "di",
        "da",
        "dos",
        "das",
        "do",
        "del",
        "della",
        "y",
        "et",
    ]
)


class _Intervals:
    """Non-overlapping half-open intervals, sorted: overlap test in O(log n)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start)
        if i > 0 and self.ends[i - 1] > start:
            return True
        return i < len(self.starts) and self.starts[i] < end

    def next_start(self, pos: int) -> int | None:
        """Start of the first interval that starts at ``pos`` or after."""
        i = bisect.bisect_left(self.starts, pos)
        return self.starts[i] if i < len(self.starts) else None

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)


def _union_addresses(candidates: list[Entity], text: str) -> list[Entity]:
    """Overlapping pieces of one address as one (« route départementale 178 » and « 178,
    lieu-dit La Basse-Haie, 35500 Vitré »)."""
    others = [c for c in candidates if c.type != "ADRESSE"]
    merged: list[Entity] = []
    for c in sorted((c for c in candidates if c.type == "ADRESSE"), key=lambda e: e.start):
        last = merged[-1] if merged else None
        if last is not None and c.start < last.end:
            end = max(last.end, c.end)
            merged[-1] = Entity(
                "ADRESSE",
                last.start,
                end,
                text[last.start : end],
                max(last.score, c.score),
                last.source,
            )
        else:
            merged.append(c)
    return others + merged


def _resolve(candidates: Iterable[Entity]) -> list[Entity]:
    ordered = sorted(
        candidates, key=lambda e: (PRIORITY[e.type], -(e.end - e.start), -e.score, e.start)
    )
    kept: list[Entity] = []
    taken = _Intervals()
    for cand in ordered:
        if taken.overlaps(cand.start, cand.end):
            cand = _free_part(cand, taken)
            if cand is None or taken.overlaps(cand.start, cand.end):
                continue
        taken.add(cand.start, cand.end)
        kept.append(cand)
    return sorted(kept, key=lambda e: e.start)


def _free_part(e: Entity, taken: _Intervals) -> Entity | None:
    """The words of a person before a stronger entity it runs into: « Goulven Kervella » of
    « Goulven Kervella\nKerlann » when « Kerlann, 29260 Lesneven » is an address, « Nolwenn »
    when a rule took « Le Goff, 3 place du Marché » for one; an address after the stronger
    entity that its start runs into (« 5 allée des Tilleuls » of « 06 12 80 45 77 – 5 allée des
    Tilleuls », whose « 77 – 5 » was read as a range of numbers), from its house number. None
    for any other type, or when nothing is left."""
    if e.type == "ADRESSE":
        i = bisect.bisect_right(taken.starts, e.start) - 1
        if i < 0 or not e.start < taken.ends[i] < e.end:
            return None
        rest = e.text[taken.ends[i] - e.start :]
        start = e.end - len(rest.lstrip(" \t\u00a0,;–—-"))
        if e.end - start < 8 or not e.text[start - e.start].isdigit():
            return None  # « ZB 45, lieu-dit La Croix Blanche »: the parcel's place, no address
        return Entity(e.type, start, e.end, e.text[start - e.start :], e.score, e.source)
    cut = taken.next_start(e.start)
    if e.type != "PERSONNE" or cut is None or not e.start < cut < e.end:
        return None
    name = e.text[: cut - e.start].rstrip(" \t\u00a0\n,;-")
    if not name or name.endswith(":"):  # « Adresse : » before the address is its label
        return None
    return Entity(e.type, e.start, e.start + len(name), name, e.score, e.source)


_SURE_SOURCES = frozenset({CIVILITY_SOURCE, "regle:fonction"})


def _propagate(text: str, entities: list[Entity], vietnamese: set[tuple[int, int]]) -> list[Entity]:
    """Other mentions of the surnames/given names already found, as whole capitalised words.
    A Vietnamese name (its span in ``vietnamese``, whichever rule won it) spreads its family
    name only: its given names are often French words too (« Le Long de la Loire », « Mai »)."""
    words: set[str] = set()
    for e in entities:
        if e.type != "PERSONNE":
            continue
        # Only from names that look like people's: a civility before, or a known given name
        # (so a model's mistake such as "Hakea gibbosa" does not spread through the text).
        parts = [fold(p) for w in e.text.split() for p in w.split("-")]
        if e.source not in _SURE_SOURCES and not any(p in GIVEN_NAMES_WIDE for p in parts):
            continue
        names = _NAME_WORD.findall(e.text)
        for w in names[:1] if (e.start, e.end) in vietnamese else names:
            w = w.rstrip("'’-")
            if len(w) >= 3 and fold(w) not in NOT_NAMES:
                words.add(w)
                # « monsieur Tessier » … « TESSIER : » (a transcript's speaker, a list in capitals)
                if len(w) >= 4 and w[1:].islower():
                    words.add(w.upper())
    if not words:
        return []
    pattern = re.compile(
        r"(?<![\w@.-])(?:"
        + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")(?![\w@-])"
    )
    taken = _Intervals()
    for e in sorted(entities, key=lambda e: e.start):
        taken.add(e.start, e.end)
    found = []
    for m in pattern.finditer(text):
        if taken.overlaps(m.start(), m.end()):
            continue
        start = _name_start(text, m.start(), taken)
        found.append(Entity("PERSONNE", start, m.end(), text[start : m.end()], 0.7, "propagation"))
    return found


# « Rui Miguel FERREIRA DA SILVA », « Maria Pereira dos Santos », « Montserrat Puig i Ferrer »:
# a particle and one more name after a person's last name, written in the same case
_PARTICLE_AFTER_UPPER = re.compile(
    rf"[ \u00a0](?:DA|DAS|DOS|DE|DE LA|DI|DU|DEL|VAN|VON|Y|I)[ \u00a0](?P<name>[{_UP}]{{2,}}(?:-[{_UP}]{{2,}})?)(?![\w'’-])"
)
_PARTICLE_AFTER_TITLE = re.compile(
    rf"[ \u00a0](?:da|das|dos|del|van|von|y|i)[ \u00a0](?P<name>[{_UP}][{_LOW}]+(?:-[{_UP}][{_LOW}]+)?)(?![\w'’-])"
)
# « Joost VAN DEN BROECK » found up to its particles: the surname after them
_UPPER_PARTICLES = frozenset(
    ["VAN", "DEN", "DER", "VON", "DE", "DA", "DOS", "DAS", "DU", "DI", "DEL"]
)
_UPPER_NAME_AFTER = re.compile(rf"[ \u00a0](?P<name>[{_UP}]{{2,}}(?:-[{_UP}]{{2,}})?)(?![\w'’-])")
# « Bao LE », « Long BUI », « Ngoc Anh LE »: a Vietnamese family name in capitals after the
# given names
_VIET_FAMILY_AFTER = re.compile(
    r"[ \u00a0](?P<name>"
    + "|".join(sorted((f.upper() for f in VIET_FAMILY), key=len, reverse=True))
    + r")(?=[ \u00a0]*(?:$|[\n,.;:()–—]))"  # not « Julie Martin LE 12 MARS »
)


def _particle_names_after(entities: list[Entity], text: str) -> list[Entity]:
    taken = _Intervals()
    for e in entities:
        taken.add(e.start, e.end)
    out = []
    for e in entities:
        if e.type == "PERSONNE":
            last = e.text.split()[-1]
            after = (_PARTICLE_AFTER_UPPER if last.isupper() else _PARTICLE_AFTER_TITLE).match(
                text, e.end
            )
            if not after and last in _UPPER_PARTICLES and len(e.text.split()) > 1:
                after = _UPPER_NAME_AFTER.match(text, e.end)
            elif not after and not last.isupper():
                after = _VIET_FAMILY_AFTER.match(text, e.end)
            if (
                after
                and not taken.overlaps(e.end, after.end())
                and fold(after.group("name")) not in NOT_NAMES
            ):
                e = Entity(
                    e.type, e.start, after.end(), text[e.start : after.end()], e.score, e.source
                )
        out.append(e)
    return out


#: what may join two pieces of one address on a line (« route de Sartène, hameau de Pila »,
#: « 14 rue de l'Industrie, BP 207, 57200 … »)
_ADDRESS_JOIN = re.compile(r"[ \t\u00a0]*(?:,|[—–])?[ \t\u00a0]*")


#: between two names of one person (« Nathalie Delmas née Ferrand », « Simone Lafon épouse
#: Delmon »); « dit » joins a nickname the model found, but does not announce one by itself
_MARRIED_NAME = re.compile(rf"[ \u00a0]+(?:{_MARRIED}|dit|dite)[ \u00a0]+")
_MARRIED_SURNAME = re.compile(
    rf"[ \u00a0]+{_MARRIED}[ \u00a0]+(?P<name>[A-ZÀ-Ý][\wÀ-ÿ'’-]+(?:[ \u00a0][A-ZÀ-Ý][\wÀ-ÿ'’-]+)?)"
)


# « OUEDRAOGO née SAWADOGO Rasmata », « HOARAU veuve PAYET Marie »: a surname in capitals
# before the married word, the person found after it
_MARRIED_BEFORE = re.compile(
    rf"(?<![\w'’-])(?P<name>[A-ZÀ-Ý][A-ZÀ-Ý'’-]+(?:[ \u00a0][A-ZÀ-Ý][A-ZÀ-Ý'’-]+)?)"
    rf"[ \u00a0]+{_MARRIED}[ \u00a0]+(?:[A-ZÀ-Ý][A-ZÀ-Ý'’-]+[ \u00a0]+)?$"  # « … née RASOANAIVO Lalao »
)


def _married_names(entities: list[Entity], text: str) -> list[Entity]:
    """« Sandrine Roussel épouse Marseille »: the surname after « épouse » or « née » is part
    of the person, even when it is also a word or a town; so is a surname in capitals before
    it (« TRAORÉ née KONATÉ Oumou »)."""
    taken = _Intervals()
    for e in entities:
        taken.add(e.start, e.end)
    out = []
    for e in entities:
        start, end = e.start, e.end
        m = _MARRIED_SURNAME.match(text, e.end) if e.type == "PERSONNE" else None
        if m and not taken.overlaps(m.start("name"), m.end("name")):
            end = m.end()
        before = (
            _MARRIED_BEFORE.search(text, max(0, e.start - 40), e.start)
            if e.type == "PERSONNE"
            else None
        )
        if before and not taken.overlaps(before.start("name"), before.end("name")):
            start = before.start("name")
        if (start, end) != (e.start, e.end):
            e = Entity(e.type, start, end, text[start:end], e.score, e.source)
        out.append(e)
    return out


def _merge_adjacent(entities: list[Entity], text: str) -> list[Entity]:
    """One entity for a name split in two (« Jean » « Dupont ») or an address in pieces."""
    merged: list[Entity] = []
    for e in entities:
        prev = merged[-1] if merged else None
        gap = text[prev.end : e.start] if prev is not None else ""
        if prev is not None and (
            prev.type == e.type == "PERSONNE"
            and (gap in (" ", "\u00a0", "-") or _MARRIED_NAME.fullmatch(gap))
            or prev.type == e.type == "ADRESSE"
            and _ADDRESS_JOIN.fullmatch(gap)
        ):
            merged[-1] = Entity(
                e.type,
                prev.start,
                e.end,
                text[prev.start : e.end],
                max(prev.score, e.score),
                prev.source,
            )
        else:
            merged.append(e)
    return merged


# A scanned page's numbers with O for 0 and l or I for 1 (« O6 l2 34 56 78 », « 29l20 »,
# « né le l4/O7/l956 »): a word of these letters and digits holding a digit.
_OCR_NUMBER = re.compile(r"(?<!\w)(?=[0-9OlI]*\d)[0-9OlI]{2,}(?!\w)")
_OCR_TO_DIGITS = str.maketrans("OlI", "011")


# A scanned page's words with 0 for O and 1 for l or I (« DUB0IS Franck », « K0UASSI »,
# « Peup1iers »): a 0 or 1 after a letter, in a word of three letters or more that holds at
# most two such digits and no other.
_ALNUM_WORD = re.compile(r"(?<![\w])[^\W\d_][^\W_]+")
_DIGIT_IN_WORD = re.compile(r"(?<=[^\W\d_])[01]")


def _letters(m: re.Match) -> str:
    word = m.group()
    digits = sum(c.isdigit() for c in word)
    if (
        not 0 < digits <= 2
        or len(word) - digits < 3
        or any(c.isdigit() and c not in "01" for c in word)
    ):
        return word

    def letter(d: re.Match) -> str:
        upper = word[d.start() - 1].isupper()
        return ("O" if upper else "o") if d.group() == "0" else ("I" if upper else "l")

    return _DIGIT_IN_WORD.sub(letter, word)


def _ocr_read(text: str) -> str:
    """The text with such words read as digits, and words of letters read as letters,
    character for character (same offsets)."""
    text = _OCR_NUMBER.sub(lambda m: m.group().translate(_OCR_TO_DIGITS), text)
    return _ALNUM_WORD.sub(_letters, text)


def scan(
    value: str | bytes,
    *,
    use_ner: bool = True,
    types: Iterable[str] | None = None,
    encoding: str | None = None,
    max_chars: int = MAX_CHARS,
) -> ScanResult:
    """Find the personal data in a French text. See the module docstring for the steps."""
    text = ensure_text(value, encoding=encoding, max_chars=max_chars)
    wanted = set(types) if types is not None else set(ENTITY_TYPES)
    unknown = wanted - set(ENTITY_TYPES)
    if unknown:
        raise InvalidInput(f"Type(s) de données inconnu(s) : {', '.join(sorted(unknown))}.")
    result = ScanResult(entities=[], ner_used=False)
    if not text.strip():
        return result

    # Everything below reads the scan's words as the words they are (« O6 l2… » as digits,
    # « DUB0IS » as letters: same offsets); the entities keep the text as written.
    original, text = text, _ocr_read(text)
    candidates: list[Entity] = []
    for recognizer in RULE_RECOGNIZERS:
        candidates.extend(recognizer(text))

    if use_ner:
        from communia.core.privacy.ner import ner_status, spacy_entities

        spans = spacy_entities(text)
        status = ner_status()
        if spans is None:
            result.warnings.append(status.message)
        else:
            result.ner_used, result.ner_model = True, status.model
            candidates.extend(_ner_persons(text, spans))
            candidates = _veto_wide(candidates, spans)
            candidates = [
                c
                for c in candidates
                if not _common_words_in_capitals(c) and not _given_name_not_alone(text, c)
            ]

    candidates = [c for c in (_tidy_person(text, c) for c in candidates) if c is not None]
    candidates = _drop_column_headers(text, candidates)
    # Aliases of an earlier pseudonymisation ("Personne 1") are not personal data.
    aliases = _Intervals()
    for m in _ALIAS.finditer(text):
        aliases.add(m.start(), m.end())
    if aliases.starts:
        candidates = [c for c in candidates if not aliases.overlaps(c.start, c.end)]
    entities = _resolve(_union_addresses(candidates, text))
    entities = _resolve(entities + column_entities(text, entities))
    vietnamese = {(c.start, c.end) for c in candidates if c.source == VIETNAMESE_SOURCE}
    entities = _resolve(entities + _propagate(text, entities, vietnamese))
    entities = _resolve(entities + birth_dates_after_names(text, entities))
    entities = _merge_adjacent(_married_names(_particle_names_after(entities, text), text), text)
    rewritten = text != original  # compared once: the texts may be megabytes long
    result.entities = [
        replace(e, text=original[e.start : e.end]) if rewritten else e
        for e in entities
        if e.type in wanted
    ]
    return result


def detect(value: str | bytes, **kwargs) -> list[Entity]:
    """Shortcut: the entities of ``scan``."""
    return scan(value, **kwargs).entities
