"""Reproducible labelled administrative French (benchmark and tests).

``generate(n, seed)`` writes citizen e-mails, council deliberations, bids and CVs with
character-level gold spans for names, street addresses, phones, e-mails, NIR, IBAN, SIRET,
SIREN, dates of birth, plates and cadastral parcels. Identifiers carry valid keys. About a
third of the given names are drawn from outside the detector's given-name list, so the rules
are not graded on their own dictionary. Same seed, same corpus (``random.Random``).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import dataclass, field

from communia.core.formatting import MONTHS, fr_date
from communia.core.privacy.checksums import (
    LA_POSTE_SIREN,
    iban_check_digits,
    luhn_check_digit,
    nir_key,
)

__all__ = ["Span", "Document", "generate", "make_nir", "make_iban", "make_siren", "make_siret"]

FIRST_KNOWN = [
    "Jean",
    "Marie",
    "Pierre",
    "Sophie",
    "Nathalie",
    "Isabelle",
    "Philippe",
    "Nicolas",
    "Catherine",
    "Michel",
    "Julie",
    "Camille",
    "Thomas",
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Manon",
    "Karim",
    "Fatima",
    "Mohamed",
    "Inès",
    "Youssef",
    "Yasmine",
    "Jean-Pierre",
    "Marie-Claire",
    "Anne-Sophie",
    "François",
    "Hélène",
    "Sébastien",
    "Aurélie",
    "Jérôme",
    "Cécile",
]
FIRST_UNKNOWN = [
    "Gwenaëlle",
    "Loïc",
    "Ophélie",
    "Anatole",
    "Maëlys",
    "Ousmane",
    "Aïssatou",
    "Tiphaine",
    "Enguerrand",
    "Clémence",
    "Soizic",
    "Killian",
    "Ludivine",
    "Héloïse",
    "Jordane",
    "Mamadou",
    "Bérénice",
    "Gaspard",
    "Capucine",
    "Ferdinand",
    "Priscilla",
    "Wassim",
    "Sixtine",
    "Malo",
    "Rosalie",
    "Tristan",
    "Armelle",
    "Corentin",
]
SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guerin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Masson",
    "Sanchez",
    "Gérard",
    "Nguyen",
    "Boyer",
    "Denis",
    "Lemaire",
    "Duval",
    "Joly",
    "Gautier",
    "Roger",
    "Roche",
    "Roy",
    "Noël",
    "Meyer",
    "Lucas",
    "Meunier",
    "Jean",
    "Perez",
    "Marchand",
    "Dufour",
    "Blanchard",
    "Marie",
    "Barbier",
    "Brun",
    "Dumas",
    "Brunet",
    "Schmitt",
    "Leroux",
    "Colin",
    "Fernandez",
    "Pierre",
    "Renard",
    "Arnaud",
    "Rolland",
    "Caron",
    "Aubert",
    "Giraud",
    "Leclerc",
    "Vidal",
    "Bourgeois",
    "Renaud",
    "Lemoine",
    "Picard",
    "Gaillard",
    "Philippe",
    "Leclercq",
    "Lacroix",
    "Fabre",
    "Dupuis",
    "Olivier",
    "Rodriguez",
    "Da-Silva",
    "Hubert",
    "Louis",
    "Charles",
    "Guillot",
    "Rivière",
    "Le-Gall",
    "Guillaume",
    "Adam",
    "Rey",
    "Moulin",
    "Gonzalez",
    "Berger",
    "Lecomte",
    "Ménard",
    "Fleury",
    "Deschamps",
    "Carpentier",
    "Julien",
    "Benoît",
    "Paris",
    "Maillard",
    "Marchal",
    "Aubry",
    "Vasseur",
    "Le-Roux",
    "Renault",
    "Jacquet",
    "Collet",
    "Prévost",
    "Poirier",
    "Charpentier",
    "Royer",
    "Huet",
    "Baron",
    "Dupuy",
    "Pons",
    "Paul",
    "Laine",
    "Carré",
    "Breton",
    "Rémy",
    "Schneider",
    "Perret",
    "Giraud",
    "Haddad",
    "Benali",
    "Diallo",
    "Kowalski",
    "Ferreira",
    "Traoré",
    "Boucher",
    "Lebrun",
    "Hamon",
    "Le-Goff",
    "Besnard",
    "Tessier",
    "Kerboul",
]
STREETS = [
    "des Lilas",
    "de la République",
    "Victor Hugo",
    "du 8 Mai 1945",
    "Jean Jaurès",
    "de la Gare",
    "des Écoles",
    "Pasteur",
    "du Moulin",
    "de l'Église",
    "Saint-Martin",
    "des Tilleuls",
    "du Général de Gaulle",
    "Gambetta",
    "de la Paix",
    "des Acacias",
    "du Stade",
    "Émile Zola",
    "de Verdun",
    "des Vignes",
    "du Château",
    "de la Fontaine",
    "du Port",
    "des Peupliers",
    "Louise Michel",
    "de la Libération",
    "du Maréchal Foch",
    "des Marronniers",
    "de Bretagne",
    "du Lavoir",
    "des Anciens Combattants",
    "Aristide Briand",
    "de la Croix Blanche",
    "du 11 Novembre",
    "des Prés",
    "Jules Ferry",
    "de Strasbourg",
    "du Bourg",
    "des Mésanges",
    "Sainte-Anne",
]
LOWER_STREETS = ("de la gare", "des écoles", "du moulin", "des lilas", "de la mairie", "du stade")
STREET_TYPES = (
    "rue", "rue", "rue", "avenue", "boulevard", "place", "chemin", "impasse", "allée", "route",
    "quai", "square", "résidence", "lotissement",
)  # fmt: skip
CITIES = (
    ("69002", "Lyon"), ("35000", "Rennes"), ("13001", "Marseille"), ("31000", "Toulouse"),
    ("67000", "Strasbourg"), ("44000", "Nantes"), ("59000", "Lille"), ("33000", "Bordeaux"),
    ("34000", "Montpellier"), ("06000", "Nice"), ("21000", "Dijon"), ("87000", "Limoges"),
    ("29200", "Brest"), ("63000", "Clermont-Ferrand"), ("38000", "Grenoble"),
    ("74000", "Annecy"), ("17000", "La Rochelle"), ("84000", "Avignon"), ("64100", "Bayonne"),
    ("12000", "Rodez"), ("42100", "Saint-Étienne"), ("76600", "Le Havre"),
    ("97400", "Saint-Denis"), ("56100", "Lorient"), ("24000", "Périgueux"),
    ("71100", "Chalon-sur-Saône"), ("04000", "Digne-les-Bains"), ("22300", "Lannion"),
)  # fmt: skip
DOMAINS = ("gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "outlook.fr", "yahoo.fr")
COMPANIES = (
    "Durand BTP", "Espaces Verts de l'Ouest", "Bureau d'études Hydro Conseil", "Menuiserie Moreau",
    "Restauration Collective du Centre", "Élec Services", "Voirie et Réseaux SAS",
)  # fmt: skip


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int
    text: str


@dataclass
class Document:
    kind: str
    text: str = ""
    spans: list[Span] = field(default_factory=list)

    def add(self, s: str) -> Document:
        self.text += s
        return self

    def ent(self, kind: str, s: str) -> Document:
        start = len(self.text)
        self.text += s
        self.spans.append(Span(kind, start, len(self.text), s))
        return self


# --- identifiers with valid keys ------------------------------------------------------
def make_nir(rng: random.Random, *, spaced: bool = True) -> str:
    sex = rng.choice("12")
    year = f"{rng.randint(40, 99):02d}" if rng.random() < 0.8 else f"{rng.randint(0, 6):02d}"
    month = f"{rng.randint(1, 12):02d}"
    r = rng.random()
    if r < 0.05:
        dept, commune = rng.choice(["2A", "2B"]), f"{rng.randint(1, 366):03d}"
    elif r < 0.1:
        dept, commune = f"97{rng.randint(1, 6)}", f"{rng.randint(1, 99):02d}"
    else:
        dept, commune = (
            f"{rng.choice([d for d in range(1, 96) if d != 20]):02d}",
            f"{rng.randint(1, 999):03d}",
        )
    order = f"{rng.randint(1, 999):03d}"
    body = sex + year + month + dept + commune + order
    key = f"{nir_key(body):02d}"
    if not spaced:
        return body + key
    return " ".join([sex, year, month, dept, commune, order, key])


def make_iban(rng: random.Random, *, grouped: bool = True) -> str:
    bank = f"{rng.randint(10000, 45999):05d}"
    branch = f"{rng.randint(0, 99999):05d}"
    account = f"{rng.randint(0, 10**11 - 1):011d}"
    rib_key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{rib_key:02d}"
    iban = "FR" + iban_check_digits("FR", bban) + bban
    if not grouped:
        return iban
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def make_siren(rng: random.Random) -> str:
    body = f"{rng.randint(10**7, 10**8 - 1)}"
    return body + luhn_check_digit(body)


def make_siret(rng: random.Random, *, la_poste: bool = False) -> str:
    if la_poste:
        while True:
            nic = f"{rng.randint(0, 99999):05d}"
            if sum(int(c) for c in LA_POSTE_SIREN + nic) % 5 == 0:
                return LA_POSTE_SIREN + nic
    siren = make_siren(rng)
    body = siren + f"{rng.randint(1, 9999):04d}"
    return body + luhn_check_digit(body)


def _fmt_siret(rng: random.Random, s: str) -> str:
    return f"{s[:3]} {s[3:6]} {s[6:9]} {s[9:]}" if rng.random() < 0.6 else s


def _fmt_phone(rng: random.Random) -> str:
    first = rng.choice("1234567" + "6677")
    digits = [f"{rng.randint(0, 99):02d}" for _ in range(4)]
    style = rng.randrange(5)
    if style == 0:
        return f"0{first} " + " ".join(digits)
    if style == 1:
        return f"0{first}." + ".".join(digits)
    if style == 2:
        return f"+33 {first} " + " ".join(digits)
    if style == 3:
        return f"0{first}" + "".join(digits)
    return f"0{first}-" + "-".join(digits)


def _fold(s: str) -> str:
    d = unicodedata.normalize("NFKD", s)
    return "".join(c for c in d if not unicodedata.combining(c)).lower().replace(" ", "")


_MALE_E = {"Pierre", "Philippe", "Jérôme", "Anatole", "Jean-Pierre", "Malo"}
_FEMALE_OTHER = {"Inès", "Aïssatou", "Maëlys", "Soizic", "Manon", "Gwenaëlle", "Priscilla"}


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> tuple[str, str]:
        first = self.rng.choice(FIRST_KNOWN if self.rng.random() < 0.67 else FIRST_UNKNOWN)
        last = self.rng.choice(SURNAMES).replace("-", " " if self.rng.random() < 0.5 else "-")
        if "Da" in last or "Le " in last:
            last = last.replace(" ", "-") if self.rng.random() < 0.5 else last
        return first, last

    def name(self, first: str, last: str) -> str:
        r = self.rng.random()
        if r < 0.55:
            return f"{first} {last}"
        if r < 0.8:
            return f"{first} {last.upper()}"
        return f"{last.upper()} {first}"

    def civ(self, first: str) -> str:
        female = (first[-1] in "eaë" and first not in _MALE_E) or first in _FEMALE_OTHER
        return self.rng.choice(["Mme", "Madame"]) if female else self.rng.choice(["M.", "Monsieur"])

    def address(self, *, with_city: float = 0.6) -> str:
        rng = self.rng
        num = str(rng.randint(1, 250))
        if rng.random() < 0.15:
            num += " " + rng.choice(["bis", "ter"])
        sep = "," if rng.random() < 0.15 else ""
        street = rng.choice(STREETS) if rng.random() < 0.85 else rng.choice(LOWER_STREETS)
        addr = f"{num}{sep} {rng.choice(STREET_TYPES)} {street}"
        if rng.random() < with_city:
            cp, city = rng.choice(CITIES)
            addr += rng.choice([", ", " ", "\n"]) + f"{cp} {city}"
        if rng.random() < 0.07:
            addr = addr.upper()
        return addr

    def email(self, first: str, last: str) -> str:
        f, lname = _fold(first), _fold(last)
        local = self.rng.choice(
            [
                f"{f}.{lname}",
                f"{f[0]}.{lname}",
                f"{lname}.{f}",
                f"{f}{lname}{self.rng.randint(1, 99)}",
            ]
        )
        return f"{local}@{self.rng.choice(DOMAINS)}"

    def dob(self) -> str:
        rng = self.rng
        d, m, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1945, 2005)
        style = rng.randrange(3)
        if style == 0:
            return f"{d:02d}/{m:02d}/{y}"
        if style == 1:
            return fr_date(dt.date(y, m, d))
        return f"{d:02d}.{m:02d}.{y}"

    def plate(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTVWXYZ"
        rng = self.rng
        left = rng.choice(letters) + rng.choice(letters)
        right = rng.choice(letters) + rng.choice(letters)
        return f"{left}-{rng.randint(1, 999):03d}-{right}"

    def parcel(self) -> str:
        rng = self.rng
        sec = rng.choice(["A", "B", "AB", "ZC", "AK", "C", "ZD", "BH"])
        if rng.random() < 0.7:
            return f"section {sec} n° {rng.randint(1, 999)}"
        return f"section {sec} numéros {rng.randint(1, 500)} et {rng.randint(501, 999)}"


# --- document kinds -------------------------------------------------------------------
def _citizen_email(g: _Gen) -> Document:
    rng = g.rng
    first, last = g.person()
    doc = Document("courriel")
    doc.add("Objet : ").add(
        rng.choice(
            [
                "Demande d'aide sociale",
                "Nuisances sonores",
                "Stationnement gênant",
                "Demande de permis",
                "Réclamation facture d'eau",
            ]
        )
    )
    doc.add("\n\nBonjour Monsieur le Maire,\n\nJe m'appelle ").ent("PERSONNE", g.name(first, last))
    doc.add(", ").add(rng.choice(["né", "née"])).add(" le ").ent("DATE_NAISSANCE", g.dob())
    doc.add(", et j'habite au ").ent("ADRESSE", g.address()).add(" depuis ").add(
        str(rng.randint(2, 30))
    ).add(" ans.\n")
    n_f, n_l = g.person()
    doc.add("Mon voisin, ").add(g.civ(n_f)).add(" ").ent("PERSONNE", n_l).add(
        ", stationne tous les soirs son véhicule immatriculé "
    ).ent("PLAQUE", g.plate()).add(" devant mon garage.\n")
    if rng.random() < 0.5:
        doc.add("Pour le dossier du CCAS, mon numéro de sécurité sociale est le ").ent(
            "NIR", make_nir(rng, spaced=rng.random() < 0.7)
        ).add(".\n")
    if rng.random() < 0.4:
        doc.add("Merci de rembourser le trop-perçu sur mon compte : IBAN ").ent(
            "IBAN", make_iban(rng, grouped=rng.random() < 0.8)
        ).add(".\n")
    if rng.random() < 0.3:
        doc.add("Ma demande concerne la parcelle cadastrée ").ent("PARCELLE", g.parcel()).add(".\n")
    doc.add("Vous pouvez me joindre au ").ent("TELEPHONE", _fmt_phone(rng)).add(
        " ou par courriel à "
    ).ent("EMAIL", g.email(first, last)).add(".\n")
    doc.add(
        f"La séance du conseil du {rng.randint(1, 28)} {rng.choice(MONTHS)} 2024 en a déjà "
        f"parlé, pour un montant de {rng.randint(100, 9999)} €.\n"
    )
    doc.add("\nCordialement,\n").ent("PERSONNE", f"{first} {last}").add("\n")
    return doc


def _deliberation(g: _Gen) -> Document:
    rng = g.rng
    doc = Document("deliberation")
    doc.add(
        f"DÉLIBÉRATION N° 2024-{rng.randint(1, 150):03d}\n"
        f"Séance du {rng.randint(1, 28)} {rng.choice(MONTHS)} 2024\n\n"
    )
    doc.add("Présents : ")
    for i in range(rng.randint(3, 6)):
        f, last = g.person()
        if i:
            doc.add(", ")
        doc.add(g.civ(f)).add(" ").ent("PERSONNE", g.name(f, last))
    doc.add(".\nSecrétaire de séance : ")
    f, last = g.person()
    doc.ent("PERSONNE", f"{f} {last}").add(".\n\n")
    doc.add(
        "Objet : cession d'un terrain communal.\nVu le Code général des collectivités "
        "territoriales, notamment son article L. 2241-1,\n"
    )
    doc.add(
        "Le conseil municipal, après en avoir délibéré, décide de céder la parcelle cadastrée "
    ).ent("PARCELLE", g.parcel())
    doc.add(", située ").ent("ADRESSE", g.address(with_city=0.3)).add(", à ")
    b_f, b_l = g.person()
    doc.add(g.civ(b_f)).add(" ").ent("PERSONNE", g.name(b_f, b_l)).add(", ").add(
        rng.choice(["né", "née"])
    ).add(" le ").ent("DATE_NAISSANCE", g.dob())
    doc.add(", demeurant ").ent("ADRESSE", g.address(with_city=0.9)).add(
        f", au prix de {rng.randint(5, 200)} 000 euros.\n"
    )
    doc.add("Le maire est autorisé à signer l'acte chez Maître ").ent(
        "PERSONNE", rng.choice(SURNAMES).replace("-", " ")
    ).add(", notaire.\n")
    doc.add(f"Adopté par {rng.randint(10, 25)} voix pour, {rng.randint(0, 3)} abstentions.\n")
    return doc


def _bid(g: _Gen) -> Document:
    rng = g.rng
    doc = Document("offre")
    company = rng.choice(COMPANIES)
    doc.add(
        f"ACTE D'ENGAGEMENT — Marché n° 2024-{rng.randint(1, 99):02d}-TRX\n\n"
        f"Le candidat : {company}, SIRET "
    )
    doc.ent("SIRET", _fmt_siret(rng, make_siret(rng, la_poste=rng.random() < 0.1)))
    doc.add(", RCS ").add(rng.choice(CITIES)[1]).add(" ").ent(
        "SIREN", (lambda s: f"{s[:3]} {s[3:6]} {s[6:]}")(make_siren(rng))
    )
    doc.add(",\ndont le siège est situé ").ent("ADRESSE", g.address(with_city=1.0)).add(
        ",\nreprésenté par "
    )
    f, last = g.person()
    doc.add(g.civ(f)).add(" ").ent("PERSONNE", g.name(f, last)).add(", gérant,\n")
    doc.add("Téléphone : ").ent("TELEPHONE", _fmt_phone(rng)).add(" — Courriel : ").ent(
        "EMAIL", g.email(f, last)
    ).add("\n")
    doc.add("s'engage à exécuter les prestations pour un montant de ").add(
        f"{rng.randint(10, 999)} {rng.randint(100, 999)},{rng.randint(10, 99)} € HT.\n"
    )
    doc.add("Paiement sur le compte IBAN ").ent("IBAN", make_iban(rng)).add(" (BIC AGRIFRPPXXX).\n")
    doc.add("Chef de chantier : ")
    f2, l2 = g.person()
    doc.ent("PERSONNE", g.name(f2, l2)).add(", joignable au ").ent(
        "TELEPHONE", _fmt_phone(rng)
    ).add(".\n")
    doc.add("Fait à ").add(rng.choice(CITIES)[1]).add(
        f", le {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024.\n"
    )
    return doc


def _cv(g: _Gen) -> Document:
    rng = g.rng
    f, last = g.person()
    doc = Document("cv")
    doc.ent("PERSONNE", g.name(f, last)).add("\n")
    doc.ent("ADRESSE", g.address(with_city=1.0)).add("\n")
    doc.add("Tél. ").ent("TELEPHONE", _fmt_phone(rng)).add(" | ").ent(
        "EMAIL", g.email(f, last)
    ).add("\n")
    doc.add("Date de naissance : ").ent("DATE_NAISSANCE", g.dob()).add("\n")
    if rng.random() < 0.3:
        doc.add("N° de sécurité sociale : ").ent("NIR", make_nir(rng)).add("\n")
    doc.add("\nEXPÉRIENCE PROFESSIONNELLE\n")
    doc.add(f"2018-2024 : agent d'accueil, mairie de {rng.choice(CITIES)[1]}.\n")
    doc.add(f"2012-2018 : assistant administratif, {rng.choice(COMPANIES)}.\n")
    doc.add("\nFORMATION\nBTS Assistant de gestion, 2012.\n\nRéférences : ")
    rf, rl = g.person()
    doc.add(g.civ(rf)).add(" ").ent("PERSONNE", g.name(rf, rl)).add(
        ", directrice générale des services, "
    ).ent("TELEPHONE", _fmt_phone(rng)).add(".\n")
    if rng.random() < 0.3:
        doc.add("Permis B, véhicule personnel ").ent("PLAQUE", g.plate()).add(".\n")
    return doc


KINDS = (_citizen_email, _deliberation, _bid, _cv)


def generate(n: int = 400, seed: int = 20241125) -> list[Document]:
    """``n`` labelled documents, kinds in rotation; same seed, same documents."""
    g = _Gen(random.Random(seed))
    return [KINDS[i % len(KINDS)](g) for i in range(n)]
