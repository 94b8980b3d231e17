"""Turn an assistant answer into a short, spoken-style reply.

Nothing is read aloud that a listener cannot use: URLs and markdown are removed, links go
by SMS, answers are cut to a couple of sentences, emergency numbers come first and are
repeated. The assistant's dict is the contract of ``communia assistant ask --json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from communia.core.numbers_fr import below_hundred

__all__ = [
    "SpokenReply",
    "to_spoken",
    "speakable",
    "SILENCE_REPLY",
    "NOISE_REPLY",
    "HANGUP_REPLY",
    "ERROR_REPLY",
    "greeting",
    "transfer_failed",
    "spoken_digits",
    "yes_or_no",
]

SILENCE_REPLY = (
    "Je ne vous entends pas. Si vous êtes en ligne, posez votre question après le signal, "
    "calmement, en quelques mots."
)
NOISE_REPLY = (
    "Je vous entends mal, il y a du bruit sur la ligne. Pouvez-vous répéter votre question, "
    "si possible dans un endroit plus calme ?"
)
HANGUP_REPLY = (
    "Je ne vous entends toujours pas. Je vais raccrocher. N'hésitez pas à rappeler la mairie. "
    "En cas d'urgence, composez le cent douze. Au revoir."
)
ERROR_REPLY = (
    "Je rencontre une difficulté technique et ne peux pas vous répondre maintenant. "
    "Merci de rappeler la mairie aux heures d'ouverture. En cas d'urgence, composez le cent douze."
)

# How emergency numbers are said in France.
NUMBER_WORDS = {
    "15": "quinze",
    "17": "dix-sept",
    "18": "dix-huit",
    "112": "cent douze",
    "114": "cent quatorze",
    "115": "cent quinze",
    "119": "cent dix-neuf",
    "3919": "trente-neuf dix-neuf",
}

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)")
_CITATION = re.compile(r"\[(?:\d+|[A-Z]\d+|source[^\]]*)\]", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_PHONE = re.compile(r"(?<!\d)(0\d)[ .-]?(\d\d)[ .-]?(\d\d)[ .-]?(\d\d)[ .-]?(\d\d)(?!\d)")
_HOUR = re.compile(r"\b(\d{1,2}) ?h ?(\d{2})?\b")
_POINTER = re.compile(
    r"\s*(?:voir|consultez|consulter|rendez-vous|plus d'informations?|détails?)\b", re.IGNORECASE
)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True)
class SpokenReply:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, url) to send by SMS
    hangup: bool = False


def speakable(text: str) -> str:
    """Clean text for a synthetic voice: no markdown, URLs, e-mail addresses or citations."""
    text = _MD_LINK.sub(r"\1", text)
    kept = []
    for sentence in _SENTENCE.split(text):
        if _URL.search(sentence):
            rest = _URL.sub("", sentence)
            # "Voir https://... pour le détail." says nothing once the link is gone.
            if len(rest.split()) < 5 or _POINTER.match(rest):
                continue
            sentence = _URL.sub("le site indiqué", sentence)
        kept.append(sentence)
    text = " ".join(kept)
    text = _EMAIL.sub("l'adresse e-mail indiquée par SMS", text)
    text = _CITATION.sub("", text)
    text = re.sub(r"[*_#`>|]+", " ", text)
    text = re.sub(r"^\s*[-•]\s+", "", text, flags=re.MULTILINE)
    text = _PHONE.sub(r"\1 \2 \3 \4 \5", text)
    text = _HOUR.sub(lambda m: f"{m[1]} heures" + (f" {m[2]}" if m[2] else ""), text)
    text = text.replace("n°", "numéro ").replace("€", " euros").replace("&", " et ")
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+([.,])", r"\1", text)
    return " ".join(text.split())


def _shorten(text: str, *, max_sentences: int, max_chars: int) -> str:
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    out: list[str] = []
    for sentence in sentences:
        if out and (len(out) >= max_sentences or len(" ".join([*out, sentence])) > max_chars):
            break
        out.append(sentence)
    short = " ".join(out)
    if len(short) > max_chars:  # one very long sentence: cut at a word boundary
        short = short[:max_chars].rsplit(" ", 1)[0].rstrip(",;:") + "."
    return short


def _say_number(number: str) -> str:
    return NUMBER_WORDS.get(number.strip(), " ".join(number.strip()))


def to_spoken(
    result: dict,
    *,
    can_sms: bool,
    max_sentences: int = 3,
    max_chars: int = 320,
    transfer: dict | None = None,
) -> SpokenReply:
    """Spoken reply for one assistant result (see the module docstring)."""
    links = [
        (str(s.get("title") or "Lien"), str(s["url"]))
        for s in result.get("sources") or []
        if isinstance(s, dict) and s.get("url")
    ][:3]
    emergency = result.get("emergency")
    if emergency:
        said = _say_number(str(emergency.get("number", "112")))
        reason = speakable(str(emergency.get("reason") or ""))
        text = (
            f"C'est une urgence : appelez immédiatement le {said}. {reason} Je répète : le {said}."
        )
        return SpokenReply(" ".join(text.split()), links=[], hangup=False)
    if transfer:  # {"service", "number"}: the bridge hands the call over after this
        service = speakable(str(transfer.get("service") or result.get("service") or ""))
        service = service or "compétent"
        text = (
            f"Je n'ai pas de réponse sûre à votre question. Le service {service} est ouvert : "
            "je vous mets en relation. Ne quittez pas."
        )
        return SpokenReply(" ".join(text.split()))
    answer = speakable(str(result.get("answer") or ""))
    if not answer:
        return SpokenReply(ERROR_REPLY)
    if result.get("awaiting"):  # a short question of a dialogue (yes/no, a number): as is
        return SpokenReply(answer)
    text = _shorten(answer, max_sentences=max_sentences, max_chars=max_chars)
    if links:
        text += (
            " Je vous envoie le lien par SMS."
            if can_sms
            else " Vous trouverez le détail sur le site internet de la mairie."
        )
    if result.get("action") != "clarify":
        text += " Avez-vous une autre question ?"
    return SpokenReply(text, links=links if can_sms else [])


def transfer_failed(service: str, number: str) -> str:
    """Said when the IPBX could not put the caller through (busy, no answer, refused)."""
    said = speakable(number)
    return (
        f"Le transfert n'a pas abouti. Vous pouvez appeler le service {speakable(service)} "
        f"au {said}. Avez-vous une autre question ?"
    )


def greeting(commune_name: str) -> str:
    """Opening message, with the AI disclosure required by the AI Act (art. 50)."""
    return (
        f"Bonjour, vous êtes bien à la mairie de {commune_name}. "
        "Vous échangez avec un assistant vocal automatique, une intelligence artificielle. "
        "Posez votre question en quelques mots."
    )


# --- what the caller says back: yes or no, a phone number in words or digits ---------------

_YES = re.compile(
    r"\b(?:oui|ouais|d'accord|daccord|volontiers|bien sur|tout a fait|exactement|c'est ca|"
    r"c'est bien ca|c'est exact|c'est correct|parfait|absolument|je veux bien|avec plaisir|"
    r"ok|okay|affirmatif)\b"
)
_NO = re.compile(r"\b(?:non|pas besoin|pas la peine|ca ira|surtout pas|inutile|negatif)\b")


def _plain(text: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in text if not unicodedata.combining(c))


def yes_or_no(text: str) -> bool | None:
    """The caller's answer to a yes/no question: True, False, or None (neither, or both)."""
    plain = _plain(text)
    yes, no = bool(_YES.search(plain)), bool(_NO.search(plain))
    return None if yes == no else yes


def spoken_digits(text: str) -> str:
    """The digits a caller said, in order, from digits ("06 12 34…") or French number words
    ("zéro six, douze, trente-quatre, soixante-dix-huit, quatre-vingt-dix-neuf…"); other
    words are skipped. Used to take down a phone number said on the line."""
    words = re.findall(r"\d+|[a-z]+", _plain(text).replace("-", " "))
    out: list[str] = []
    i = 0
    while i < len(words):
        if words[i].isdigit() or words[i] == "zero":
            out.append("0" if words[i] == "zero" else words[i])
            i += 1
            continue
        value, j = below_hundred(words, i)
        if value is not None:
            out.append(str(value))
        i = j if value is not None else i + 1
    return "".join(out)
