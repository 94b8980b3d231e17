"""Word lists used by the rule-based recognisers (French administrative writing).

The given-name list holds common first names in France (all origins); it lets the rules
catch "Prénom NOM" and "NOM Prénom" when the statistical model misses them. The benchmark's
synthetic set deliberately draws a third of its names from outside this list.
"""

from __future__ import annotations

import unicodedata

__all__ = [
    "GIVEN_NAMES",
    "ORG_MARKERS",
    "CIVILITIES",
    "NOT_NAMES",
    "STREET_TYPES",
    "NAME_PARTICLES",
    "fold",
]


def fold(word: str) -> str:
    """Lower case without accents (comparison key)."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_GIVEN = ["adam", "adèle", "adrien", "agathe", "agnès", "ahmed", "aicha", "alain", "alexandra", "alexandre", "alexis", "alice", "aline", "amandine", "amélie", "amine", "anaïs", "andré", "andrée", "angélique", "anne", "annie", "anthony", "antoine", "arnaud", "arthur", "audrey", "aurélie", "aurélien", "axel", "bastien", "béatrice", "benjamin", "benoît", "bernadette", "bernard", "bertrand", "brigitte", "bruno", "camille", "carole", "caroline", "catherine", "cécile", "céline", "chantal", "charles", "charlotte", "chloé", "christelle", "christian", "christiane", "christine", "christophe", "claire", "claude", "claudine", "clément", "colette", "corinne", "cyril", "damien", "daniel", "danielle", "david", "delphine", "denis", "denise", "didier", "dominique", "dylan", "éléonore", "élise", "élodie", "émile", "emma", "emmanuel", "emmanuelle", "enzo", "éric", "estelle", "étienne", "eugénie", "fabien", "fabienne", "fabrice", "fanny", "fatima", "florence", "florian", "francis", "franck", "françois", "françoise", "frédéric", "frédérique", "gabriel", "gaël", "gaëlle", "geneviève", "georges", "gérald", "gérard", "germaine", "gilbert", "gilles", "ginette", "grégory", "guillaume", "guy", "hélène", "henri", "hervé", "hugo", "hugues", "inès", "irène", "isabelle", "jacqueline", "jacques", "jean", "jeanne", "jérémy", "jérôme", "joël", "joëlle", "jonathan", "jordan", "joseph", "josette", "josiane", "julie", "julien", "juliette", "justine", "karim", "karima", "kevin", "laetitia", "laura", "laurence", "laurent", "léa", "léo", "léon", "léonie", "liliane", "lina", "lionel", "louis", "louise", "luc", "lucas", "lucie", "lucien", "lucille", "madeleine", "manon", "marc", "marcel", "marguerite", "marie", "marine", "marion", "martin", "martine", "mathieu", "mathilde", "matthieu", "maurice", "maxime", "mélanie", "michel", "michèle", "micheline", "mickaël", "mohamed", "monique", "muriel", "mylène", "nadia", "nadine", "nathalie", "nathan", "nicolas", "nicole", "noémie", "océane", "odette", "olivier", "pascal", "pascale", "patrice", "patricia", "patrick", "paul", "paulette", "pauline", "philippe", "pierre", "quentin", "raphaël", "raymond", "rémi", "rémy", "renée", "richard", "robert", "roger", "romain", "sabine", "sacha", "samuel", "sandrine", "sarah", "sébastien", "serge", "simone", "solange", "sophie", "stéphane", "stéphanie", "suzanne", "sylvain", "sylvie", "théo", "thérèse", "thierry", "thomas", "timothée", "valentin", "valérie", "véronique", "victor", "vincent", "virginie", "xavier", "yann", "yannick", "yasmine", "youssef", "yves", "yvette", "yvonne", "zoé", "léna", "jade", "louna", "ambre", "rose", "mila", "nina", "anna", "eva", "rayan", "mathis", "noah", "ethan", "tom", "baptiste", "maël", "sami", "bilal", "mehdi", "sofiane", "nassim", "samia", "leila", "myriam"]

GIVEN_NAMES: frozenset[str] = frozenset(fold(n) for n in _GIVEN)

CIVILITIES: tuple[str, ...] = (
    "Monsieur",
    "Madame",
    "Mademoiselle",
    "Messieurs",
    "Mesdames",
    "M.",
    "Mme",
    "Mmes",
    "MM.",
    "Mlle",
    "Me",
    "Maître",
    "Dr",
    "Docteur",
    "Pr",
    "Professeur",
)

# Capitalised words that are never a person's name in administrative text (roles,
# institutions, salutations, months...). Compared with ``fold``.
NOT_NAMES: frozenset[str] = frozenset(
    fold(w)
    for w in ["maire", "adjoint", "adjointe", "conseil", "conseiller", "conseillère", "conseillers", "municipal", "municipale", "président", "présidente", "directeur", "directrice", "secrétaire", "général", "générale", "préfet", "préfecture", "mairie", "commune", "ville", "département", "région", "état", "république", "france", "monsieur", "madame", "mademoiselle", "messieurs", "mesdames", "objet", "cordialement", "bonjour", "bonsoir", "merci", "salutations", "veuillez", "agréer", "tribunal", "administratif", "cour", "délibération", "arrêté", "article", "annexe", "service", "services", "technique", "techniques", "urbanisme", "état-civil", "civil", "rue", "avenue", "boulevard", "place", "chemin", "impasse", "allée", "route", "quai", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre", "cedex", "siret", "siren", "iban", "nir", "tél", "tel", "téléphone", "courriel", "email", "mail", "objet", "réf", "madame,", "sécurité", "sociale", "caf", "cpam", "urssaf", "pôle", "emploi", "trésor", "public", "dgfip", "insee", "sdis", "ccas", "candidat", "candidate", "titulaire", "lot", "marché", "offre", "cv", "expérience", "formation", "compétences", "ht", "ttc", "tva", "rcs", "bic", "bts", "bac", "dut", "cap", "bep", "iut", "dgs", "dst", "drh", "pv", "n°", "no", "référence", "références", "permis", "présents", "absents", "excusés", "secrétaire", "séance", "vu", "considérant", "décide", "adopté", "notaire", "gérant", "gérante", "chef", "chantier", "directrice", "agent", "accueil", "assistant", "assistante", "nord", "sud", "est", "ouest", "saint", "sainte", "st", "ste", "personne", "dieu", "lecteur"]
)

# Words that make a capitalised sequence an organisation, not a person.
ORG_MARKERS: frozenset[str] = frozenset(
    fold(w)
    for w in ["sas", "sarl", "sa", "eurl", "sasu", "sci", "scop", "snc", "gie", "société", "entreprise", "entreprises", "ets", "établissements", "menuiserie", "maçonnerie", "plomberie", "boulangerie", "garage", "cabinet", "bureau", "agence", "btp", "services", "élec", "électricité", "transports", "restauration", "collective", "association", "syndicat", "groupe", "hydro", "conseil", "conseils", "voirie", "réseaux", "espaces", "verts", "bâtiment", "travaux", "immobilier"]
)

# Street types ("types de voie"), with common abbreviations.
STREET_TYPES: tuple[str, ...] = (
    "rue", "ruelle", "avenue", "av.", "av", "boulevard", "bd", "bd.", "bld", "place", "pl.",
    "chemin", "ch.", "impasse", "imp.", "allée", "allées", "route", "rte", "quai", "cours",
    "square", "résidence", "lotissement", "hameau", "lieu-dit", "lieudit", "chaussée",
    "passage", "sentier", "rond-point", "voie", "cité", "faubourg", "fbg", "promenade",
    "esplanade", "montée", "côte", "parvis", "traverse", "villa", "domaine", "mail",
    "venelle", "clos", "carrefour", "quartier", "cami", "chemin rural", "grande rue",
    "grand-rue", "rocade", "levée", "digue", "sente", "cour", "plateau", "port",
)  # fmt: skip

NAME_PARTICLES: frozenset[str] = frozenset(
    ["de", "du", "des", "la", "le", "les", "l'", "l’", "d'", "d’", "à", "au", "aux", "en", "sur", "sous", "et"]
)
