"""French text analysis for BM25: elision, case, stop words, Snowball stemming, accent folding.

The same function analyses passages at index time and queries at search time, so both sides
agree. Stemming runs before accent folding because the Snowball French stemmer relies on
accents (``-ée``, ``-ès``...); folding afterwards makes ``etat`` and ``état`` the same term.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

__all__ = ["analyze", "fold_accents", "term_frequencies", "STOP_WORDS"]

# Snowball's French stop list plus a few function words frequent in administrative text.
STOP_WORDS = frozenset(
    """
    au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me même
    mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton
    tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants étantes
    suis es est sommes êtes sont serai seras sera serons serez seront serais serait serions seriez
    seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit soyons soyez
    soient fusse fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu eue eues eus ai
    as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions auriez auraient
    avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons ayez aient eusse
    eusses eût eussions eussiez eussent ceci cela celà cet cette ici ils les leurs quel quels quelle
    quelles sans soi lors dont ainsi aussi donc car si ni or être avoir fait faire peut peuvent
    doit doivent tout tous toute toutes cas comme plus très bien
    """.split()  # noqa: SIM905 - a word list reads better as text
)

_WORD = re.compile(r"\w+", re.UNICODE)


def fold_accents(text: str) -> str:
    """``"Élection à l'été"`` → ``"Election a l'ete"`` (combining marks removed, ``œ`` → ``oe``)."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_FOLDED_STOP = frozenset(fold_accents(w) for w in STOP_WORDS)


class _PluralStripper:
    """Fallback when the ``search`` extra (snowballstemmer) is not installed."""

    def stemWord(self, word: str) -> str:  # noqa: N802 - snowballstemmer's method name
        if len(word) > 4 and word[-1] in "sx":
            return word[:-1]
        return word


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import snowballstemmer
    except ImportError:
        return _PluralStripper()
    return snowballstemmer.stemmer("french")


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
    return fold_accents(_stemmer().stemWord(token))


def analyze(text: str) -> list[str]:
    """Terms of a French text, in order (duplicates kept).

    ``"L'inscription sur les listes électorales"`` → ``["inscript", "list", "electoral"]``.
    """
    out: list[str] = []
    for token in _WORD.findall(text.lower()):
        if token.isdigit():
            out.append(token)
            continue
        if len(token) < 2 or token in STOP_WORDS or "_" in token:
            continue
        stem = _stem(token)
        if stem and stem not in _FOLDED_STOP:
            out.append(stem)
    return out


def term_frequencies(text: str) -> Counter[str]:
    return Counter(analyze(text))
