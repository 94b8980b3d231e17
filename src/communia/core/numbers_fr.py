"""French numbers said in words (« quatre-vingt-dix-huit », « soixante et onze »), read back
into their value: shared by the phone line (a caller dictating a number) and the
pseudonymisation (a transcript that writes one)."""

from __future__ import annotations

UNITS = {
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
}
TEENS = {
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
}
TENS = {"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
WORDS = sorted(
    [*UNITS, "zéro", *TEENS, *TENS, "et", "cent", "cents", "mille", "premier"],
    key=len,
    reverse=True,
)
#: one French number word (« quarante », « zéro »)
NUMBER_WORD = rf"(?:{'|'.join(WORDS)})"


def below_hundred(words: list[str], i: int) -> tuple[int | None, int]:
    """The number from 1 to 99 that starts at ``words[i]`` (« quatre-vingt-dix-huit »,
    « soixante et onze »), and the index after it; ``None`` if none starts there."""
    n = len(words)

    def at(k: int) -> str:
        return words[k] if k < n else ""

    w = at(i)
    if w == "quatre" and at(i + 1) in ("vingt", "vingts"):
        value, i = 80, i + 2
    elif w in TENS:
        value, i = TENS[w], i + 1
    elif w in TEENS:
        value, i = TEENS[w], i + 1
        if w == "dix" and at(i) in ("sept", "huit", "neuf"):
            value, i = value + UNITS[at(i)], i + 1
        return value, i
    elif w in UNITS and w != "zero":
        return UNITS[w], i + 1
    else:
        return None, i
    if at(i) == "et" and at(i + 1) in ("un", "une", "onze"):
        return value + (1 if at(i + 1) != "onze" else 11), i + 2
    if value in (60, 80) and at(i) in TEENS:
        teen, i = below_hundred(words, i)
        return value + (teen or 0), i
    if at(i) in UNITS and at(i) != "zero" and (value == 80 or at(i) not in ("un", "une")):
        return value + UNITS[at(i)], i + 1
    return value, i
