"""Regenerate the demo commune's canteen data (and the tests' fixture) from ../shared/data.

Run from the repository root: ``python scripts/canteen_demo_extract.py``.
"""

import shutil
from pathlib import Path

import pandas as pd

R = Path(__file__).resolve().parents[1].parent / "shared/data/cantine/nantes"
OUT = Path("src/communia/modules/canteen/demo_data/nantes_extract")
if OUT.exists():
    shutil.rmtree(OUT)
X = OUT / "from_school_meal_forecast_xgboost"
G = OUT / "from_school_meal_forecast_regressions"
for p in (X / "raw", X / "mappings", X / "calculators", G):
    p.mkdir(parents=True, exist_ok=True)
canteens = [
    "AGENETS",
    "ALAIN FOURNIER E",
    "COUDRAY E.",
    "COUDRAY M.",
    "LEDRU ROLLIN/SARAH BERNHARDT",
    "CHATAIGNIERS E",
]
m = pd.read_csv(R / "from_school_meal_forecast_xgboost/mappings/mapping_frequentation_cantines.csv")
m = m[m.cantine_nom.str.strip().isin(canteens)]
m.to_csv(X / "mappings/mapping_frequentation_cantines.csv", index=False)
f = pd.read_csv(R / "from_school_meal_forecast_xgboost/raw/frequentation.csv")
f = f[(f.date >= "2014-09-01") & (f.date <= "2017-12-22")]
keep = set(zip(m.site_nom, m.site_type, strict=True))
fx = f[[(a, b) in keep for a, b in zip(f.site_nom, f.site_type, strict=True)]]
# one unknown site (the 'foyer' kind) stays in, to exercise rejection reports
foyer = f[f.site_nom == "AGENETS"].head(3).assign(site_nom="FOYER MANU (dépannage)")
fx = pd.concat([fx, foyer])
fx.to_csv(X / "raw/frequentation.csv", index=False)
c = pd.read_csv(R / "from_school_meal_forecast_xgboost/raw/cantines.csv")
c[c.cantine_nom.str.strip().isin(canteens)].to_csv(X / "raw/cantines.csv", index=False)
me = pd.read_csv(R / "from_school_meal_forecast_xgboost/mappings/mapping_ecoles_cantines.csv")
me = me[me.cantine_nom.str.strip().isin(canteens)]
me.to_csv(X / "mappings/mapping_ecoles_cantines.csv", index=False)
e = pd.read_csv(R / "from_school_meal_forecast_regressions/Effectifs_ecoles.csv")
e = e[e.Ecole.isin(set(me.ecole))]
e.to_csv(G / "Effectifs_ecoles.csv", index=False)
shutil.copy(R / "from_school_meal_forecast_regressions/Journees_de_greve.csv", G)
shutil.copy(R / "from_school_meal_forecast_xgboost/calculators/vacances.csv", X / "calculators")
mn = pd.read_csv(R / "from_school_meal_forecast_regressions/menus_2016-2019.csv")
mn = mn[pd.to_datetime(mn.Date, format="%d/%m/%Y") <= "2018-07-10"]
mn.to_csv(G / "menus_2016-2019.csv", index=False)
(OUT / "LISEZMOI.txt").write_text(
    "Extrait des données ouvertes de Nantes (6 cantines, sept. 2014 - déc. 2017) : "
    "commune de démonstration et tests.\n"
    "Source : Ville de Nantes / Nantes Métropole, data.nantesmetropole.fr, ODbL (via "
    "github.com/nantesmetropole/school_meal_forecast_xgboost and "
    "school_meal_forecast_regressions, MIT).\n"
    "Régénérer : python scripts/canteen_demo_extract.py (depuis la racine du dépôt).\n"
)
print(len(fx), len(m), len(e))
