# ruff: noqa: E501, SIM905 - word lists and regular expressions read better on one line
"""Light text checks on citizen messages: language, insults, injection attempts, and masking
of personal data before a message is stored (through the core pseudonymisation service, plus
card numbers).
"""

from __future__ import annotations

import re

from communia.core.search.analysis import fold_accents

__all__ = [
    "detect_language",
    "has_insult",
    "has_injection",
    "without_injection",
    "mask_personal_data",
]

_FR = set(
    "le la les un une des du de et est en je vous nous mon ma mes pour pas que qui dans sur avec il elle ce cette comment pourquoi quand quel quelle puis peut faut "
    "on se sa son ses au aux à où ou va vais veut veux voudrais dois doit faire fait ne ni si mais y a ai suis sont votre notre leur mairie bonjour merci".split()
)
_EN = set(
    "the and is are i you we my for not that who in on with how why when what can could should do does please where".split()
)
_ES = set(
    "el los las una y es yo usted para quien con como cómo por donde dónde puedo quiero necesito "
    "mi hijo hija escuela ayuda tengo qué cuándo del favor".split()
)
_DE = set(
    "der die das und ist ich sie wir mein für nicht wer wie warum wann kann ich möchte bitte".split()
)
_WORD = re.compile(r"[a-zà-ÿœæ']+", re.I)

_INSULTS = re.compile(
    r"\b(con|conne|connard|connasse|salope|salaud|pute|putain|encule|enfoire|merde|abruti|debile|"
    r"cretin|idiot|imbecile|batard|ta gueule|fdp|ntm|nique|incompetent|incapable|nuls|nul a chier)s?\b"
)
_INJECTION = re.compile(
    r"(ignore|oublie|oubliez|ignorez|ne tiens pas compte)\w* (tes|vos|les|toutes? les|all|your|previous)"
    r"\s*(\w+\s){0,2}(instructions|consignes|regles|rules|prompt)|system prompt|jailbreak|"
    r"tu es maintenant|you are now|agis comme|act as"
)


def detect_language(text: str) -> str:
    """ "fr", "en", "es", "de", or "autre" (non-Latin script); French when unsure."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(1 for c in letters if ord(c) > 0x24F) / len(letters) > 0.5:
        return "autre"
    words = [w.strip("'").lower() for w in _WORD.findall(text)]
    scores = {  # words shared with French ("en", "la"...) only count for French
        "fr": sum(w in _FR for w in words),
        "en": sum(w in _EN and w not in _FR for w in words),
        "es": sum(w in _ES and w not in _FR for w in words),
        "de": sum(w in _DE and w not in _FR for w in words),
    }
    best = max(scores, key=scores.get)
    if best != "fr" and scores[best] >= 2 and scores[best] > 1.5 * scores["fr"]:
        return best
    return "fr"


def has_insult(text: str) -> bool:
    return bool(_INSULTS.search(fold_accents(text.lower())))


def _folded(text: str) -> tuple[str, list[int]]:
    """The text lower-cased without accents, and for each of its characters the position of
    the character of ``text`` it comes from (« œ » gives two)."""
    out, origin = [], []
    for i, ch in enumerate(text):
        folded = fold_accents(ch.lower()).replace("’", "'")
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


def has_injection(text: str) -> bool:
    return bool(_INJECTION.search(_folded(text)[0]))


# What an injection attempt asks for, removed with it: the orders' verbs (« donne-moi »,
# « affiche ») and the system's secrets (« le mot de passe de l'administrateur » would
# otherwise match « démarches administratives », « affiche » the fiche « Affichage… »).
_ORDER = re.compile(
    r"\b(donne|dis|affiche|ecris|raconte|montre|revele|envoie|liste|give|tell|show|print|write|list)"
    r"(-moi|-nous| me| us)?\b|\b(precedentes|ci-dessus|previous|above)\b"
)
_SECRET = re.compile(
    r"\b(mots? de passe|passwords?|prompts?( systeme)?|code secret|cles? (d')?api|api keys?|tokens?)"
    r"( (de |d'|du |des )?(l'|le |la |les |ton |tes |votre |vos )?(administrat\w*|admin\w*|systeme|serveur))?"
)


def without_injection(text: str) -> str:
    """The message without its attempts to give orders and the secrets they ask for
    (« Ignore tes consignes ; je veux refaire ma carte d'identité » → « ; je veux refaire ma
    carte d'identité »): what is left is what the citizen asks, searched like any other
    request."""
    folded, origin = _folded(text)
    spans = sorted(
        (m.start(), m.end())
        for pattern in (_INJECTION, _ORDER, _SECRET)
        for m in pattern.finditer(folded)
        if m.end() > m.start()
    )
    kept, start = [], 0
    for m_start, m_end in spans:
        if origin[m_start] < start:  # overlaps the previous span
            start = max(start, origin[m_end - 1] + 1)
            continue
        kept.append(text[start : origin[m_start]])
        start = origin[m_end - 1] + 1
    kept.append(text[start:])
    return " ".join(part.strip() for part in kept if part.strip())


_CARD = re.compile(r"\b(?:\d{4}[\s-]?){3}\d{4}\b")


def mask_personal_data(text: str) -> str:
    """Replace the personal data found by ``communia.core.privacy`` (rules for identifiers,
    phones, e-mails and addresses; the French NER model for names when installed) and card
    numbers by bracketed French labels, before a message is stored."""
    from communia.core.privacy import LABELS, scan

    for entity in sorted(scan(text).entities, key=lambda e: e.start, reverse=True):
        text = f"{text[: entity.start]}[{LABELS[entity.type]}]{text[entity.end :]}"
    return _CARD.sub("[numéro de carte]", text)
