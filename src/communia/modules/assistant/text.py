# ruff: noqa: E501, SIM905 - word lists and regular expressions read better on one line
"""Light text checks on citizen messages: language, insults, injection attempts, the words
that may name a topic, and masking of personal data before a message is stored (through the
core pseudonymisation service, plus card numbers).
"""

from __future__ import annotations

import re

from communia.core.search.analysis import analyze, fold_accents

__all__ = [
    "detect_language",
    "has_insult",
    "has_injection",
    "without_injection",
    "mask_personal_data",
    "personal_data",
    "own_topic_words",
    "refers_back",
    "elliptic_follow_up",
    "follow_up_cues",
    "request_text",
    "topic_words",
    "typed_at_random",
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
# Attempts to give the assistant orders, written the way they circulate (« ignore all
# previous instructions » and its translations, role play, requests for the hidden prompt),
# matched on the text lower-cased without accents. An order starts a clause: « Mon voisin
# ignore les règles du stationnement » or « J'ai oublié les consignes du tri » is not one.
_CLAUSE = r"(?:^|[.;:!?,\n\"«(]\s*|['’]|\b(?:et|puis|alors|maintenant|donc|mais|please|now|and|then|so|bitte|und|jetzt|y|e|ahora|ora|agora|en|i|teraz|а|и|теперь)\s+)"
_IGNORE = (  # imperative of « ignore », « forget », « override » in the languages of Europe
    r"ignore|ignorez|ignorer|oublie|oubliez|oublier|ne tiens pas compte|ne tenez pas compte|"
    r"fais abstraction|faites abstraction|passe outre|passez outre|contourne|contournez|"
    r"outrepasse|outrepassez|desobeis|desobeissez|disregard|forget|override|bypass|"
    r"ignoriere|ignorieren sie|vergiss|vergessen sie|missachte|ignora|ignoren|olvida|olvide|"
    r"haz caso omiso|omite|dimentica|dimenticate|trascura|esqueca|esquece|desconsidere|"
    r"negeer|vergeet|zignoruj|ignoruj|zapomnij|игнорируи|проигнорируи|забудь|не обращаи внимания"
)
_RULES = (  # what the orders are about: the assistant's instructions, rules, prompt
    r"instructions?|consignes?|regles?|directives?|restrictions?|prompts?|programmation|"
    r"tout ce qu|tout ce qui precede|rules|guidelines|everything|the above|"
    r"anweisung\w*|regeln|vorgaben|instruktion\w*|alles|instruccion\w*|reglas|indicaciones|"
    r"normas|todo|istruzion\w*|regole|tutto|instruc\w*|regras|tudo|instructies|regels|"
    r"instrukcj\w*|polecen\w*|zasad\w*|wszystko|инструкци\w*|правил\w*|промпт\w*|все"
)
_INJECTION = re.compile(
    rf"{_CLAUSE}(?:{_IGNORE})\b[^.?!;\n]{{0,40}}?\b(?:{_RULES})\b"
    # role play: « tu es maintenant un pirate », « act as an administrator »
    r"|\b(?:tu es|vous etes) (?:maintenant|desormais|a present|dorenavant)(?: (?:un|une|le|la|l'|mon|ma|ton|ta|votre)?\s*[\w-]+)?"
    r"|\b(?:a partir de maintenant|a partir d'aujourd'hui|desormais|dorenavant|from now on),? (?:tu|vous|you)\b"
    rf"|{_CLAUSE}(?:agis|agissez|comporte-toi|comportez-vous|joue|jouez|incarne|incarnez|fais semblant d'etre|faites semblant d'etre|fais comme si tu etais|faites comme si vous etiez|act as|acting as|pretend to be|pretend you are|pretend you're|roleplay as|actua como|actue como|finge ser|finja ser|aja como|fingi di essere|comportati come|tu so als waerst|verhalte dich wie)\b(?:\s*(?:comme|le role d'|le role de|un|une|le|la|l'|mon|ma|a|an|the|un|una|uno|um|uma|ein|eine|einen)\b)*\s*[\w-]+"
    r"|\b(?:you are|you're|du bist|ahora eres|ora sei|agora (?:voce e|es)|je bent|jestes|ты) (?:now|jetzt|nun|ab sofort|teraz|nu|теперь)\b"
    # the hidden instructions asked for, the system impersonated
    r"|\b(?:ton|tes|votre|your) (?:prompt|instructions|configuration|programmation)"
    r"|\b(?:prompt|instructions?) (?:systeme|initiales?|exactes?|d'origine|system|initial|original)"
    r"|\bsystem prompt|\bjailbreak|\bdo anything now\b|\bmode (?:developpeur|developer|dan|sans filtre)\b|\bdeveloper mode\b"
    r"|\b(?:repete|recopie|repeat|print)\b[^.?!;\n]{0,30}\b(?:mot pour mot|ci-dessus|au-dessus|verbatim|above|instructions)[^.?!;\n]*"
    r"|\bsans (?:aucun\w* )?(?:filtre|restriction|censure|limite)s?\b|\bn'as plus (?:aucune? )?(?:limite|regle|restriction|filtre)s?"
    r"|\bnouvelles? (?:consignes?|instructions?) ?:|\bnew instructions? ?:"
    r"|^\W*(?:systeme|system|admin|administrateur|developpeur|developer)\s*:|\[(?:system|systeme|inst)\]|<\|im_start\|>"
    # scripts with no word boundaries, and languages that put the verb last
    r"|(?:忽略|无视|忘记|忘掉|不要理会).{0,12}?(?:指令|指示|提示|规则|设定)|你现在是"
    r"|(?:指示|命令|ルール).{0,10}?(?:無視|忘れ)|지시.{0,10}?무시"
    r"|(?:تجاهل|انس).{0,30}?(?:التعليمات|تعليمات|القواعد|الأوامر|الاوامر)"
    r"|\b(?:talimat|kural)\w*\b[^.?!;\n]{0,25}?\b(?:yok say|gormezden gel|unut)"
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


def personal_data(text: str) -> list:
    """The pieces of personal data of ``text`` found by ``communia.core.privacy`` (rules for
    identifiers, phones, e-mails and addresses; the French NER model for names when
    installed): scanned once per message, then passed to ``topic_words``, ``request_text``
    and ``mask_personal_data``."""
    from communia.core.privacy import scan

    return list(scan(text).entities)


def _replace_personal_data(text: str, label, keep: tuple[str, ...] = (), found=None) -> str:
    """``text`` with each piece of personal data (``found``, else scanned), but the types in
    ``keep``, and each card number replaced by ``label(entity type)``."""
    found = personal_data(text) if found is None else found
    for entity in sorted(
        (e for e in found if e.type not in keep), key=lambda e: e.start, reverse=True
    ):
        text = f"{text[: entity.start]}{label(entity.type)}{text[entity.end :]}"
    return _CARD.sub(label("CARTE"), text)


def mask_personal_data(text: str, found=None) -> str:
    """Replace personal data and card numbers by bracketed French labels, before a message
    is stored (``found``: the message's ``personal_data``, when already scanned)."""
    from communia.core.privacy import LABELS

    return _replace_personal_data(
        text, lambda kind: f"[{LABELS.get(kind, 'numéro de carte')}]", found=found
    )


# Words that open, close or announce a message but say nothing of what it is about.
_SMALL_TALK = frozenset(
    analyze(
        "bonjour bonsoir salut coucou allô hello hey madame monsieur mademoiselle mme mr mlle "
        "merci beaucoup svp stp please thanks question questions petite renseignement "
        "renseignements information informations aide aider aidez help besoin problème "
        "souci soucis rappeler rappelez contacter joindre répondre ok okay oui non yes no "
        "accord revoir bonne journée soirée test essai lol appelle nom prénom numéro adresse "
        "mail courriel email voudrais veux souhaite souhaiterais pouvez pouvoir peux savoir "
        # acknowledgements: « Parfait », « Nickel », « C'est noté », « Bien reçu », « À bientôt »
        "parfait parfaitement super cool génial nickel top impeccable excellent entendu compris "
        "daccord dacc acc noté reçu bientôt "
        # interjections: « Ah », « Ouf », « Zut », « Hein ? »
        "ah oh euh hein ouf zut mince bah ben vu rien"
    )
)


_KEYBOARD_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_REPEATED = re.compile(r"^(\w{1,4})\1+\w{0,3}$")


def _typed_at_random(word: str) -> bool:
    """« xkcd », « qsdfgh », « blablabla », « 123456 »: no vowel, a run of keys of one row
    of the keyboard, a short pattern repeated, or digits only."""
    return (
        word.isdigit()
        or not re.search(r"[aeiouy]", word)
        or (len(word) >= 4 and any(word in row or word[::-1] in row for row in _KEYBOARD_ROWS))
        or (len(word) >= 6 and bool(_REPEATED.match(word)))
    )


def topic_words(text: str, found=None) -> list[str]:
    """The words of a message that may name its topic (lower case): not its personal data
    (a name, a phone number, an e-mail address), not its greetings and politeness
    (« Bonjour, j'ai une question », « rappelez-moi »), not its stop words."""
    return _without_small_talk(_replace_personal_data(text, lambda kind: " ", found=found))


def _without_small_talk(text: str) -> list[str]:
    words = re.findall(r"\w+", text.lower())
    return [w for w in words if (terms := analyze(w)) and terms[0] not in _SMALL_TALK]


_GREETING = re.compile(
    r"^\W*(?:(?:bonjour|bonsoir|salut|coucou|hello|madame|monsieur|mesdames|messieurs|"
    r"mademoiselle|ou|et)\b\W*)+",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"\W*(?:(?:merci|d['’]avance|par avance|beaucoup|bien|cordialement|bonne journée|"
    r"bonne soirée|bonne fin de journée)\b\W*)+$",
    re.IGNORECASE,
)
_INTRODUCTION = re.compile(
    r"\b(?:je m['’]\s?appelle|je me nomme|mon nom est|j['’]\s?habite)\b[^,.;!?\n]{0,60}[,.;!?\n]"
    r"|\bje suis(?-i:(?:\s+[A-ZÀ-Ý][\w'’-]*){0,3})\s*[,.;]"  # « je suis Marie Martin, … »
    r"|(?<=[,.;])\s*[,;]"  # the commas left around a phone number set aside
    # « j'ai une question sur … », « je voudrais un renseignement concernant … »: the topic
    # follows; « question » itself would match whichever fiche asks one
    r"|\b(?:j['’]\s?ai|j['’]\s?aurais) une (?:petite )?question\b"
    r"|\bje (?:voudrais|souhaiterais|souhaite) (?:un |des )?(?:renseignements?|informations?)\b",
    re.IGNORECASE,
)


def request_text(text: str, found=None, keep: tuple[str, ...] = ("PERSONNE",)) -> str:
    """What a message asks, to be searched: its identifiers, phone numbers, e-mail and postal
    addresses, its opening greeting, its closing thanks and the writer's introduction
    (« je m'appelle …, j'habite …, ») set aside; the message itself when nothing is left."""
    # names stay: a name the model wrongly sees (« un Pacs ») may be the topic itself, and
    # the writer's own name goes with the introduction that announces it
    cleaned = _INTRODUCTION.sub(" ", _replace_personal_data(text, lambda kind: " ", keep, found))
    cleaned = " ".join(_CLOSING.sub("", _GREETING.sub("", cleaned)).split())
    if not cleaned or cleaned == " ".join(text.split()):
        return text
    return cleaned[:1].upper() + cleaned[1:]


# Words that ask about a request without naming it: how long, how much, where, for whom, how
# it works (« Et ça prend combien de temps ? », « Et pour mon fils ? », « C'est où ? »,
# « Comment ça marche ? »). Compared as written, accents included: « marché » names a topic.
_FOLLOW_UP = frozenset(
    "et aussi encore alors sinon pareil même ça ca cela ceci c ce est où ou quand comment "
    "pourquoi combien quoi quel quelle quels quelles lequel laquelle temps longtemps délai "
    "délais durée jours jour semaines semaine mois heure heures coûte coûtent coût coûts prix "
    "tarif tarifs payant payante gratuit gratuite cher chère marche marcher marchent "
    "fonctionne fonctionner passe passer prend prendre prennent faut faudrait faire fait fais "
    "dois doit doivent peut peux puis aller vais venir viens vient obtenir avoir moi lui elle "
    "eux toi fils fille filles enfant enfants bébé mari femme épouse époux conjoint conjointe "
    "compagnon compagne père mère parents grand grands petit petite petits frère sœur soeur "
    "pour jusqu jusque papiers papier documents document pièces pièce justificatifs âge ans "
    "deuxième second seconde autre".split()
)


def own_topic_words(words: list[str]) -> list[str]:
    """Those of a message's ``topic_words`` that name a topic of their own, not only how
    long, how much, where or for whom."""
    return [w for w in words if w not in _FOLLOW_UP]


def topic_terms(text: str) -> list[str]:
    """The search terms of the words of a request that name its topic: « Je voudrais un
    composteur gratuit » is about « composteur », « Comment inscrire mon fils à la cantine ? »
    about « inscrire » and « cantine », not about the writer's wishes, the price or the son."""
    return analyze(" ".join(own_topic_words(_without_small_talk(text))))


def refers_back(text: str) -> bool:
    """Does a message ask about something (« combien », « où », « pour mon fils ») rather
    than only greet, thank or agree (« Merci », « D'accord »)?"""
    return any(
        w in _FOLLOW_UP and w not in ("et", "pour") for w in re.findall(r"\w+", text.lower())
    )


# « Et pour le verre ? », « Et le samedi ? », « Et si je suis en retard ? », « Même chose pour
# ma fille ? »: a short message that opens on « et » (or « aussi », « pareil », « idem »,
# « même chose ») and a preposition or determiner asks the earlier question again about
# something else. Its own word (« verre ») does not make it a new request.
_ELLIPSIS = re.compile(
    r"^\W*(?:(?:bonjour|bonsoir|merci|ok|d['’]accord|oui|ah|euh)\b\W*)*"
    r"(?:et|et aussi|aussi|pareil|idem|même chose|meme chose)\s+"
    r"(?:pour|avec|sans|en|au|aux|à|a|le|la|les|l['’]|du|de|des|d['’]|un|une|mon|ma|mes|ton|ta|"
    r"tes|son|sa|ses|notre|nos|votre|vos|leur|leurs|si|s['’]il|s['’]ils|côté|cote|concernant|quant)"
    r"(?:\b|(?<=['’]))",
    re.IGNORECASE,
)
ELLIPSIS_WORDS = 2  # own topic words at most: « Et le lampadaire devant chez moi est cassé » is new


def elliptic_follow_up(text: str, own: list[str]) -> bool:
    """Is this message a follow-up that names only what changes (« Et pour le verre ? »,
    « Et le samedi ? »), to be searched with the conversation's earlier request? ``own``:
    its ``own_topic_words``."""
    return bool(own) and len(own) <= ELLIPSIS_WORDS and bool(_ELLIPSIS.match(text))


# What a passage says when it answers « how long », « how much », « which papers », « at what
# age », « until when »: the words a follow-up asks with (as written) → the words of the answer.
_CUES = (
    ("temps longtemps délai délais durée prend prennent", "délai délais durée semaines jours"),
    (
        "combien coûte coûtent coût coûts prix tarif tarifs payant payante gratuit gratuite cher chère",
        "prix tarif tarifs coût gratuit gratuite payant payante euros €",
    ),
    (
        "papiers papier documents document pièces pièce justificatifs",
        "pièces justificatif documents fournir",
    ),
    ("âge ans", "âge ans"),
    ("quand jusqu jusque", "date avant jusqu délai"),
)


def follow_up_cues(text: str) -> str:
    """The words a passage answering this follow-up would use (« délai durée semaines jours »
    for « Et ça prend combien de temps ? »), or « »; « combien » asks a price unless it asks
    how long."""
    words = set(re.findall(r"\w+", text.lower()))
    found = []
    for asked, said in _CUES:
        hit = words & set(asked.split())
        if hit == {"combien"} and found:  # « combien de temps »: already a duration
            continue
        if hit:
            found.append(said)
    return " ".join(found)


def typed_at_random(words: list[str]) -> bool:
    """Does every one of ``words`` look typed at random?"""
    return bool(words) and all(_typed_at_random(fold_accents(w)) for w in words)
