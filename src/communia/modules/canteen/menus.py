"""Menu categories from dish names (keywords), with the manager's corrections.

A day's menu gets flags: fish, pork, other meat, vegetarian (no meat nor fish in any dish),
festive (Christmas meal, themed meal, galette des rois...). A dish the keywords get wrong is
fixed by the manager (``dish_categories``: dish label -> category), which wins over keywords.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CATEGORIES", "categorize_dish", "daily_menu_flags", "MENU_FLAGS"]

CATEGORIES = ("poisson", "porc", "viande", "vegetarien", "festif", "autre")
MENU_FLAGS = (
    "menu_fish",
    "menu_pork",
    "menu_meat",
    "menu_vegetarian",
    "menu_festive",
    "menu_known",
)

_KEYWORDS = {
    "festif": (
        "noel",
        "repas de fete",
        "repas festif",
        "fete",
        "galette des rois",
        "buche",
        "repas indien",
        "repas pour la planete",
        "theme",
        "chandeleur",
        "halloween",
        "paques",
        "carnaval",
        "mardi gras",
        "repas froid",
    ),
    "poisson": (
        "poisson",
        "saumon",
        "colin",
        "merlu",
        "cabillaud",
        "thon",
        "lieu",
        "hoki",
        "poisson pane",
        "sardine",
        "maquereau",
        "crevette",
        "moule",
        "calamar",
        "encornet",
        "truite",
        "hareng",
        "dorade",
        "limande",
        "fruits de mer",
        "brandade",
        "surimi",
        "poissonnette",
        "meunier",
        "crabe",
        "merlan",
        "julienne",
        "flétan",
        "fletan",
        "tilapia",
        "perche",
        "marin",
        "marine",
    ),
    "porc": (
        "porc",
        "jambon",
        "saucisse",
        "saucisson",
        "lardon",
        "chipolata",
        "rillette",
        "pate de",
        "pate en croute",
        "roti de porc",
        "cervelas",
        "chorizo",
        "knack",
        "francfort",
        "andouille",
        "boudin",
        "petit sale",
        "echine",
        "choucroute",
        "cordon bleu",
        "lard",
        "rosette",
        "coppa",
        "bacon",
        "tartiflette",
        "cassoulet",
        "carbonara",
        "quiche lorraine",
        "mortadelle",
    ),
    "viande": (
        "boeuf",
        "bœuf",
        "veau",
        "agneau",
        "poulet",
        "dinde",
        "volaille",
        "canard",
        "lapin",
        "steak",
        "hache",
        "bolognaise",
        "bourguignon",
        "merguez",
        "kebab",
        "boulette",
        "hachis",
        "parmentier",
        "cheval",
        "mouton",
        "pintade",
        "escalope",
        "nugget",
        "cordon",
        "chili con",
        "moussaka",
        "lasagne",
        "ravioli",
        "couscous",
        "blanquette",
        "navarin",
        "roti",
        "pot au feu",
        "tajine de boeuf",
        "cuisse",
        "pilon",
        "aiguillette",
        "emince",
        "saute",
        "viande",
        "poule",
        "sauté",
        "brochette",
        "paupiette",
        "filet mignon",
        "rognon",
        "foie",
        "gigot",
        "osso",
    ),
    "vegetarien": (
        "vegetarien",
        "végétarien",
        "veggie",
        "omelette",
        "oeuf",
        "œuf",
        "falafel",
        "tofu",
        "lentille",
        "pois chiche",
        "galette de legume",
        "galette vegetale",
        "nuggets de ble",
        "steak vegetal",
        "quiche aux legumes",
        "gratin de legumes",
        "dahl",
        "tarte au fromage",
        "pizza au fromage",
        "croque fromage",
        "soja",
    ),
}
# Words that look like meat but are not (sauce names, "pavé de saumon", ...): a fish word
# wins over meat words; "cordon bleu de poisson" is fish.


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text).lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z ]+", " ", text)


_PATTERNS = {
    cat: re.compile(r"\b(?:" + "|".join(re.escape(_norm(w).strip()) for w in words) + ")")
    for cat, words in _KEYWORDS.items()
}


def _has(text: str, cat: str) -> bool:
    return _PATTERNS[cat].search(f" {text} ") is not None


def categorize_dish(dish: str, overrides: dict[str, str] | None = None) -> str:
    """The category of one dish: the manager's override first, then keywords."""
    if overrides:
        hit = overrides.get(str(dish).strip())
        if hit:
            return hit
    return _keyword_category(str(dish))


@lru_cache(maxsize=50_000)
def _keyword_category(dish: str) -> str:
    text = _norm(dish)
    if _has(text, "festif"):
        return "festif"
    if _has(text, "poisson"):
        return "poisson"
    if _has(text, "porc"):
        return "porc"
    if _has(text, "viande"):
        return "viande"
    if _has(text, "vegetarien"):
        return "vegetarien"
    return "autre"


def daily_menu_flags(menus: pd.DataFrame, overrides: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per menu date: the six ``MENU_FLAGS`` (0/1).

    Vegetarian means: no dish of the day is fish, pork or other meat.
    """
    import pandas as pd

    if menus.empty:
        return pd.DataFrame(columns=["date", *MENU_FLAGS])
    cats = menus.assign(cat=[categorize_dish(d, overrides) for d in menus["dish"]])
    flags = pd.crosstab(cats["date"], cats["cat"]).clip(upper=1)
    for cat in CATEGORIES:
        if cat not in flags.columns:
            flags[cat] = 0
    out = pd.DataFrame(
        {
            "date": flags.index,
            "menu_fish": flags["poisson"].values,
            "menu_pork": flags["porc"].values,
            "menu_meat": flags["viande"].values,
            "menu_festive": flags["festif"].values,
        }
    )
    out["menu_vegetarian"] = ((out["menu_fish"] + out["menu_pork"] + out["menu_meat"]) == 0).astype(
        int
    ) + (flags["vegetarien"].values * 0)
    out["menu_known"] = 1
    return out[["date", *MENU_FLAGS]].reset_index(drop=True)
