"""Personal data in the columns of a table pasted as text (a CSV export, a spreadsheet read out
by the documents service, a tab- or « | »-separated list, columns aligned with spaces).

A column holds one kind of datum: when its header names it (« date_naissance », « Adresse »,
« Parcelle », « Nom », « Prénom ») or when the recognisers already found that kind in two of
its cells and no other kind, the other cells of the column that have the right shape are taken
too (« EHPAD Les Cèdres, chambre 14 » under addresses, « ZA 112 » under parcels).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from communia.core.privacy.checksums import siren_is_valid, siret_is_valid
from communia.core.privacy.entities import Entity
from communia.core.privacy.lexicon import NAMED_PLACES, NOT_NAMES, ORG_MARKERS, fold
from communia.core.privacy.recognizers import is_personal_login

__all__ = ["column_entities", "header_line_spans"]

_SEPARATORS = ("\t", "|", ";", ",")
# the name columns first: « Nom de naissance » is no date of birth
_HEADER_TYPES = (
    # an account's login (« Login », « Compte », « user= »), checked before « identifiant »
    ("LOGIN", re.compile(r"^(?:login|compte|utilisateur|user(?:name)?|uid|account|target|by)$")),
    (
        "PERSONNE",
        re.compile(
            r"^(?:nom|prenoms?|nom[ _]?(?:de[ _]|d['’])?(?:famille|naissance|usage)"
            r"|nom[ _]et[ _]prenoms?|prenom[ _]et[ _]nom|titulaire|beneficiaire"
            # who the row is about (« Enfant », « Famille », « Bénévole », « Responsable légal »)
            r"|enfants?|eleves?|parents?|famille|benevoles?|participante?s?|stagiaires?"
            r"|locataires?|(?:responsable|representant)s?[ _]legal)$"
        ),
    ),
    # who the row is about, with or without « Nom » (« Nom occupant », « Réclamant »,
    # « Propriétaire », « Nom du titulaire »): a name written with a capital
    (
        "HOLDER",
        re.compile(
            r"^(?:nom[ _](?:de[ _]l['’ _]?|du[ _]|de[ _])?)?(?:occupant|reclamant|demandeur|proprietaire"
            r"|titulaire|declarant|abonne|usager|assistante?[ _]maternelle)s?$"
        ),
    ),
    (
        "DATE_NAISSANCE",
        re.compile(
            r"naiss|(?:^|[\W_])(?:ddn|nee?s?(?:[\W_]le)?)(?:$|[\W_])"
            # abroad: « Nato/a il », « Geburtsdatum », « Date of birth », « Nacimiento »
            r"|^nat[oa]\b|geburt|birth|nacimiento|nascimento|urodzenia"
        ),
    ),
    (
        "IDENTIFIANT",
        re.compile(
            r"matricule|badge|dossier|identifiant|allocataire|etudiant|adherent|fiscal"
            r"|(?:^|[\W_])ine(?:$|[\W_])"  # « INE », « INE_electeur »
            r"|^carte$|^nur$"
            # « N° compteur », « N° client », « Réf. abonné », « N° carte », « N° famille »
            r"|^(?:n°|no|num(?:ero)?|ref(?:erence)?|id)\.?[\s_]*(?:de\s+|d['’]\s?)?(?:client|abonne|usager"
            r"|famille|compteur|contrat|carte|licence|redevable|tiers|utilisateur)\b"
            # identity papers, in French or not (« Passeport », « Reisepass », « Carta d'identità »)
            r"|passe?port|reisepass|^cni$|(?:carte|carta|piece)\s+d['’]\s?identit"
        ),
    ),
    ("PARCELLE", re.compile(r"parcelle|cadastr")),
    # a vehicle's plate, French or foreign (« 1-ABC-234 », « 87-TGL-4 », « GA 123 XB »)
    ("PLAQUE", re.compile(r"immatric|^immat\.?$|plaque")),
    # « SIREN », « N° SIRET », « SIREN / SIRET », « SIRET/SIREN loueur »: the number's length
    # says which, its key whether it is one
    ("SIREN", re.compile(r"(?:^|[\W_])(?:siren|siret)(?:$|[\W_])")),
    ("EMAIL", re.compile(r"mail|courriel")),
    ("ADRESSE", re.compile(r"adresse|domicile")),
    ("TELEPHONE", re.compile(r"\btel\b|telephone|portable|mobile")),
)
_DATE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|(?:19|20)\d\d")  # a year: « Année naiss. »
_FORM = ["form"]  # the header of a block of « label⇥value » rows
_PARCEL = re.compile(r"(?<![\w])(?:\d{3} ?)?(?:[A-Z]{1,2}|0[A-Z]) ?(?:n° ?)?\d{1,4}(?![\w])")
_PARCEL_CELL = re.compile(rf"{_PARCEL.pattern}(?:[ ]*(?:,|et)[ ]*{_PARCEL.pattern})*")
_NAME = re.compile(r"[^\W\d_][^\W\d_'’ \-]*(?:[ '’\-]+[^\W\d_]+){0,4}")
_RULE = re.compile(r"[-=:+ ]*")
SOURCE = "regle:colonne"
_ENTITY_TYPE = {"LOGIN": "IDENTIFIANT", "HOLDER": "PERSONNE"}
# a JSON member (« "prenom": "Natalia" ») or a log's key=value (« user=cperrin »)
_PAIR = re.compile(
    r'"(?P<jkey>[^"\n]{1,40})"[ \t]*:[ \t]*"(?P<jvalue>[^"\n]{1,80})"'
    r"|(?<![\w.=-])(?P<key>[A-Za-z_]{2,20})=(?P<value>[^\s,;&\"'=]{2,60})"
)


@dataclass
class _Cell:
    start: int
    end: int
    text: str


def _shaped(kind: str, value: str, named: bool = False) -> list[tuple[int, int]]:
    """Spans (relative to ``value``) of the datum of ``kind`` in one cell, if it has its shape;
    ``named``: the column's header, or its place next to the names, says what it holds."""
    if kind == "DATE_NAISSANCE":
        return [(0, len(value))] if _DATE.fullmatch(value) else []
    if kind == "PARCELLE":
        if not _PARCEL_CELL.fullmatch(value):
            return []
        return [m.span() for m in _PARCEL.finditer(value)]
    if kind == "LOGIN":  # not a « Compte » of numbers (a tax roll's « 0012 »)
        return [(0, len(value))] if is_personal_login(value) else []
    if kind == "IDENTIFIANT":
        if _DATE.fullmatch(value):
            return []  # « Date dossier »: a date, no number
        code = re.fullmatch(r"(?:[A-Z]{1,4}-)*[A-Z]{0,4}-?\d[\dA-Z\-/]{3,24}", value)
        return [(0, len(value))] if code and sum(c.isdigit() for c in value) >= 3 else []
    if kind == "HOLDER":  # not « non réclamé », « inconnu » under « Propriétaire »
        capital = any(w[:1].isupper() for w in value.split())
        return _shaped("PERSONNE", value, named) if capital else []
    if kind == "PERSONNE":
        words = [fold(w) for w in value.split()]
        if set(words) & ORG_MARKERS or words[0] in NAMED_PLACES:
            return []  # « SCI Les Pins de Caudéran », « École de musique … »
        if set(words) <= NOT_NAMES and not (named and value.isupper()):
            return []  # « Abonné »; under « NOM », « VU » is a surname
        return [(0, len(value))] if _NAME.fullmatch(value) else []
    if kind == "PLAQUE":
        plate = re.fullmatch(
            r"[A-Z0-9]{1,4}(?:[- ][A-Z0-9]{1,5}){1,3}|[A-Z]{1,3}\d{2,5}[A-Z]{0,3}", value
        )
        letters, digits = sum(c.isalpha() for c in value), sum(c.isdigit() for c in value)
        return [(0, len(value))] if plate and letters and digits and len(value) <= 12 else []
    if kind == "SIREN":  # « SIREN » over a column: a number with its key, as in prose
        return [(0, len(value))] if _company_number(value) else []
    if kind == "ADRESSE":
        return [(0, len(value))] if re.search(r"[^\W\d_]{2}", value) else []
    return []  # phones and e-mails have their own recognisers


def _company_number(value: str) -> str | None:
    """« SIREN » or « SIRET » when ``value`` is one with a valid key, else None."""
    digits = re.sub(r"[ .\u00a0]", "", value)
    if not digits.isdigit():
        return None
    if len(digits) == 9 and siren_is_valid(digits):
        return "SIREN"
    return "SIRET" if len(digits) == 14 and siret_is_valid(digits) else None


def _cells(text: str, start: int, line: str, sep: str) -> list[_Cell]:
    cells, pos = [], start
    for raw in line.split(sep):
        value = raw.strip(' \u00a0"')
        offset = raw.find(value) if value else 0
        cells.append(_Cell(pos + offset, pos + offset + len(value), value))
        pos += len(raw) + len(sep)
    return cells


def _lines(text: str) -> list[tuple[int, str]]:
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    return lines


def _blocks(lines: list[tuple[int, str]]):
    """(separator, first line, line after the block) of each block of lines cut into the
    same number of cells by a separator (twice at least for a comma, which prose uses too);
    a line that opens no block is given as (None, i, i + 1)."""
    i = 0
    while i < len(lines):
        found = None
        for sep in _SEPARATORS:
            n = lines[i][1].count(sep)
            if (
                n >= (2 if sep == "," else 1)
                and i + 1 < len(lines)
                and lines[i + 1][1].count(sep) == n
            ):
                found = (sep, n)
                break
        if not found:
            yield None, i, i + 1
            i += 1
            continue
        sep, n = found
        j = i
        while j < len(lines) and lines[j][1].count(sep) == n:
            j += 1
        yield sep, i, j
        i = j


def header_line_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the lines that open a table after a blank line (or the text's start) and
    whose cells are all short and filled: its column headers (« Date;Cantine;Repas »)."""
    lines = _lines(text)
    spans = []
    for sep, i, _ in _blocks(lines):
        start, line = lines[i]
        opens = i == 0 or not lines[i - 1][1].strip()
        if sep and opens and all(0 < len(c.strip()) <= 40 for c in line.split(sep)):
            spans.append((start, start + len(line)))
    return spans


def _tables(text: str):
    """(separator, header cells or None, rows of cells) of each table block."""
    lines = _lines(text)
    skip_to = 0
    for sep, i, j in _blocks(lines):
        if i < skip_to:
            continue
        if sep is None:
            if fixed := _fixed_width_table(text, lines, i):
                header, rows, skip_to = fixed
                yield " ", header, rows
            continue
        rows = [_cells(text, start, line, sep) for start, line in lines[i:j]]
        # « |-----|-----| »: the rules of a table drawn in text hold no cell
        rows = [r for r in rows if not all(_RULE.fullmatch(c.text) for c in r)]
        if not rows:
            continue
        first = rows[0]
        named = [_header_type(c.text) for c in first]
        labels = [r for r in rows if len(r) == 2 and _header_type(r[0].text)]
        if len(first) == 2 and len(labels) >= 2 and len(labels) * 2 >= len(rows):
            # « Nom⇥DUBOIS », « Prénom⇥Ibrahima »: a form, one field a row, not a table
            yield sep, _FORM, rows
        elif any(named):
            yield sep, named, rows[1:]
        else:
            yield sep, None, rows


# A table aligned with spaces (« NOM          PRÉNOM      NÉ(E) LE  »): its cells are the runs
# of text between gaps of two spaces or more; a row whose overflowing cell leaves a single
# space is cut at the header's column starts instead.
_RUN = re.compile(r"\S+(?:[ \u00a0]\S+)*")


def _runs(line: str) -> list[tuple[int, int]]:
    return [m.span() for m in _RUN.finditer(line)]


def _fixed_width_table(text: str, lines: list[tuple[int, str]], i: int):
    """(header types, rows, index after the block) of a space-aligned table whose header is
    ``lines[i]`` — three columns or more, one of them named — or None."""
    start, line = lines[i]
    heads = _runs(line)
    # (a column of owners alone does not make a list aligned with spaces a table of people)
    if len(heads) < 3 or not any(_header_type(line[a:b]) not in (None, "HOLDER") for a, b in heads):
        return None
    columns = [a for a, _ in heads]
    rows, j = [], i + 1
    while j < len(lines) and len(_runs(lines[j][1])) >= 2:
        row_start, row = lines[j]
        spans = _runs(row)
        if len(spans) != len(columns):  # each word goes to the column it starts in
            by_column: dict[int, list[tuple[int, int]]] = {}
            for word in re.finditer(r"\S+", row):
                k = max(0, bisect.bisect_right(columns, word.start()) - 1)
                by_column.setdefault(k, []).append(word.span())
            spans = [
                (by_column[k][0][0], by_column[k][-1][1]) if k in by_column else (0, 0)
                for k in range(len(columns))
            ]
        cells = [_Cell(row_start + a, row_start + b, row[a:b]) for a, b in spans]
        rows.append(cells)
        j += 1
    if len(rows) < 2:
        return None
    return [_header_type(line[a:b]) for a, b in heads], rows, j


def _header_type(cell: str) -> str | None:
    name = re.sub(r"\((?:e|s|es)\)", "", fold(cell)).strip(" :*")  # « Prénom(s) », « Né(e) le »
    if not name or len(name) > 40 or re.search(r"\d", name):
        return None
    for kind, pattern in _HEADER_TYPES:
        if pattern.search(name):
            return kind
    return None


def column_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """New entities for the cells of a typed column that the recognisers left empty.
    ``entities`` are the resolved ones: in order, none overlapping another."""
    ends = [e.end for e in entities]

    def kinds_in(cell: _Cell) -> set[str]:
        i = bisect.bisect_right(ends, cell.start)  # the first entity ending after the cell starts
        kinds = set()
        while i < len(entities) and entities[i].start < cell.end:
            kinds.add(entities[i].type)
            i += 1
        return kinds

    out: list[Entity] = []

    def take(kind: str, cell: _Cell, named: bool) -> None:
        for a, b in _shaped(kind, cell.text, named):
            s, e = cell.start + a, cell.start + b
            found = _company_number(text[s:e]) if kind == "SIREN" else _ENTITY_TYPE.get(kind, kind)
            out.append(Entity(found or kind, s, e, text[s:e], 0.8, SOURCE))

    # « "nom": "Wójcik" », « user=jl.fontaine »: a key names its value, as a header its column
    for m in _PAIR.finditer(text):
        group = "jvalue" if m["jkey"] else "value"
        cell = _Cell(m.start(group), m.end(group), m[group])
        key = m["jkey"] or m["key"]
        if (kind := _header_type(key)) and not kinds_in(cell):
            take(kind, cell, True)
    if "\n" not in text:
        return out
    for _sep, header, rows in _tables(text):
        if header is _FORM:
            for label, value in (r for r in rows if len(r) == 2):
                kind = _header_type(label.text)
                if kind and value.text and not kinds_in(value):
                    take(kind, value, True)
            continue
        width = len(rows[0]) if rows else 0
        # « Rang⇥Élève⇥Âge »: a first row that holds no datum and no figure is the headers of a
        # column typed by its cells, none of them a datum
        headings = (
            {id(c) for c in rows[0]}
            if header is None
            and rows
            and not any(kinds_in(c) or re.search(r"\d", c.text) for c in rows[0])
            else set()
        )
        columns = [[row[k] for row in rows if k < len(row) and row[k].text] for k in range(width)]
        found = [[kinds_in(cell) for cell in column] for column in columns]
        typed = []
        for k, (column, kinds) in enumerate(zip(columns, found, strict=True)):
            kind = header[k] if header and k < len(header) else None
            if kind is None:
                seen = [next(iter(s)) for s in kinds if len(s) == 1]
                mixed = any(len(s) > 1 for s in kinds)
                if len(seen) >= 2 and len(set(seen)) == 1 and not mixed:
                    kind = seen[0]
                elif (
                    len(column) >= 2
                    and all(_shaped("PARCELLE", c.text) for c in column)
                    # « CM2 », « CE1 », « G1 »: classes and boxes, not « AB 112 »
                    and sum(len(re.findall(r"\d", c.text)) >= 2 for c in column) * 2 >= len(column)
                ):
                    kind = "PARCELLE"
            typed.append(kind)
        named = [bool(header and k < len(header) and header[k]) for k in range(width)]
        for k, column in enumerate(columns):
            # « 210,LEMOINE,Arthur,… »: the words in capitals next to a column of names are
            # their surnames
            if (
                typed[k] is None
                and _surnames_in_capitals(column, headings)
                and "PERSONNE"
                in (
                    typed[k - 1] if k else None,
                    typed[k + 1] if k + 1 < width else None,
                )
            ):
                typed[k], named[k] = "PERSONNE", True
        for k, (column, kinds, kind) in enumerate(zip(columns, found, typed, strict=True)):
            if kind is None:
                continue
            for cell, inside in zip(column, kinds, strict=True):
                # under « Adresse », a cell whose street alone was found is the address whole
                # (« Foyer Adoma, ch. 112, 9 av. de la Libération »)
                whole = kind == "ADRESSE" and named[k] and inside == {"ADRESSE"}
                if (not inside or whole) and id(cell) not in headings:
                    take(kind, cell, named[k])
    return out


def _surnames_in_capitals(column: list[_Cell], headings: set[int]) -> bool:
    """Two cells or more, each one to three words in capitals and no body's, most of four
    letters or more and no common word (« GS », « OUI », « CE1 » are no surnames; « MAIRE »
    or « DIMANCHE » among them are)."""
    cells = [c.text for c in column if id(c) not in headings]
    if len(cells) < 2:
        return False
    common = 0
    for value in cells:
        words = [fold(w) for w in re.findall(r"[^\W\d_]+", value)]
        if not value.isupper() or not _NAME.fullmatch(value) or not 1 <= len(words) <= 3:
            return False
        if set(words) & ORG_MARKERS:
            return False
        common += any(w in NOT_NAMES for w in words)
    long = sum(len(re.sub(r"\W", "", v)) >= 4 for v in cells)
    return long * 2 >= len(cells) and common * 2 < len(cells)
