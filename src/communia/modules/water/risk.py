"""Pipe break risk: inventory and repair-log import, a synthetic history generator, a
LEYP-like model, naive baselines and a time-split backtest.

**Generator** (no open French break history exists yet). For each pipe i and year y, the
number of breaks is Poisson with intensity

    λ_i(y) = L_i[km] × r_mat × (age_i(y) / 50)^β × (D_i / 150 mm)^(−γ) × (1 + α × N_i(y−))

where ``r_mat`` is a material base rate per km and year (grey cast iron highest, PVC and
ductile iron lower, PE lowest), β > 1 makes old pipes break more, small diameters break
more (γ > 0), and ``N_i(y−)`` is the number of the pipe's previous breaks: the
self-exciting term of the LEYP model (Le Gat 2009, "Casses" software). A pipe replaced
after ``renew_after`` breaks restarts at age 0 with no history.

**Model** (:class:`LeypModel`): Poisson regression on pipe-years with offset log(length),
covariates log(age), log(diameter), material, and the LEYP term log(1 + α N), α chosen by
likelihood on a grid. Baselines: :class:`AgeBaseline` (oldest first) and
:class:`HistoryBaseline` (most previous breaks first, then oldest).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from communia.core.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = [
    "MATERIAL_RATES",
    "generate_history",
    "read_inventory",
    "read_repairs",
    "pipe_years",
    "LeypModel",
    "AgeBaseline",
    "HistoryBaseline",
    "backtest",
    "capture_metrics",
    "rank_next_year",
    "renewal_plan",
]

#: breaks per km and year at age 50 for a 150 mm pipe, no previous break
MATERIAL_RATES = {
    "fonte grise": 0.35,
    "fonte ductile": 0.08,
    "acier": 0.2,
    "PVC": 0.12,
    "PE": 0.05,
    "amiante-ciment": 0.18,
}


def generate_history(
    pipes: pd.DataFrame,
    *,
    first_year: int = 1990,
    last_year: int = 2024,
    beta: float = 1.6,
    gamma: float = 0.5,
    alpha: float = 0.6,
    renew_after: int = 4,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a break log for an inventory (``pipe, length_m, diameter_mm, material,
    install_year``; missing material/year are drawn). Returns (inventory, breaks)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    inv = pipes.copy().reset_index(drop=True)
    n = len(inv)
    if "material" not in inv or inv["material"].isna().any():
        eras = rng.choice(list(MATERIAL_RATES), size=n, p=[0.3, 0.25, 0.05, 0.25, 0.1, 0.05])
        inv["material"] = inv.get("material", pd.Series([None] * n)).fillna(pd.Series(eras))
    if "install_year" not in inv or inv["install_year"].isna().any():
        years = rng.integers(1930, 2015, size=n)
        inv["install_year"] = (
            inv.get("install_year", pd.Series([np.nan] * n)).fillna(pd.Series(years)).astype(int)
        )
    install = inv["install_year"].to_numpy().astype(float)
    length_km = inv["length_m"].to_numpy() / 1000.0
    diam = np.clip(inv["diameter_mm"].to_numpy().astype(float), 40, 1000)
    rate = inv["material"].map(MATERIAL_RATES).fillna(0.15).to_numpy()
    n_prev = np.zeros(n)
    rows = []
    for year in range(first_year, last_year + 1):
        age = np.maximum(year - install, 0.5)
        lam = (
            length_km
            * rate
            * (age / 50.0) ** beta
            * (diam / 150.0) ** (-gamma)
            * (1 + alpha * n_prev)
        )
        lam = np.where(year >= install, lam, 0.0)
        k = rng.poisson(lam)
        for i in np.nonzero(k)[0]:
            for _ in range(int(k[i])):
                day = int(rng.integers(0, 365))
                rows.append(
                    {
                        "pipe": inv.at[i, "pipe"],
                        "date": pd.Timestamp(year, 1, 1) + pd.Timedelta(days=day),
                    }
                )
        n_prev += k
        renewed = n_prev >= renew_after
        if renewed.any():
            install[renewed] = year + 1
            n_prev[renewed] = 0
    # a renewed pipe is a new pipe: the inventory holds its new install year, and the breaks
    # of the pipe it replaced are not in its history (as in a real utility's files)
    inv["install_year"] = install.astype(int)
    breaks = pd.DataFrame(rows, columns=["pipe", "date"])
    if len(breaks):
        since = breaks["pipe"].map(dict(zip(inv["pipe"], inv["install_year"], strict=True)))
        breaks = breaks[breaks["date"].dt.year >= since].reset_index(drop=True)
    return inv, breaks


def read_inventory(
    inp: str | Path | None = None, attributes: str | Path | None = None
) -> pd.DataFrame:
    """Pipe inventory from the ``.inp`` (id, length, diameter) joined with an attribute file.

    ``attributes``: CSV (``pipe,material,install_year,district[,diameter_mm,length_m]``) or
    GeoJSON (features whose ``properties`` hold the same keys; a LineString geometry gives
    the length when the ``.inp`` is absent).
    """
    import pandas as pd

    frame = None
    if inp is not None:
        from communia.modules.water.network import read_network

        net = read_network(inp)
        frame = pd.DataFrame(
            {
                "pipe": net.pipes,
                "length_m": net.pipe_length,
                "diameter_mm": [float(net.wn.get_link(p).diameter) * 1000.0 for p in net.pipes],
            }
        )
    if attributes is not None:
        path = Path(attributes)
        if not path.is_file():
            raise InvalidInput(f"Fichier d'attributs introuvable : {path}.")
        if path.suffix.lower() in (".geojson", ".json"):
            attrs = _read_geojson(path)
        else:
            try:
                attrs = pd.read_csv(path, dtype={"pipe": str}, sep=None, engine="python")
            except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
                raise InvalidInput(f"Fichier d'attributs illisible ({path.name}) : {exc}.") from exc
        if "pipe" not in attrs.columns:
            raise InvalidInput(
                f"{path.name} : colonne « pipe » (identifiant de canalisation) manquante."
            )
        attrs["pipe"] = attrs["pipe"].astype(str).str.strip()
        frame = (
            attrs
            if frame is None
            else frame.merge(attrs, on="pipe", how="left", suffixes=("", "_attr"))
        )
        for col in ("length_m", "diameter_mm"):
            if f"{col}_attr" in frame:
                frame[col] = frame[col].fillna(frame.pop(f"{col}_attr"))
    if frame is None:
        raise InvalidInput("Indiquez un fichier réseau (.inp) et/ou un fichier d'attributs.")
    for col in ("length_m", "diameter_mm"):
        if col not in frame:
            raise InvalidInput(f"Inventaire : colonne « {col} » manquante.")
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    if "install_year" in frame:
        frame["install_year"] = pd.to_numeric(frame["install_year"], errors="coerce")
    bad = frame["length_m"].isna() | (frame["length_m"] <= 0)
    if bad.any():
        raise InvalidInput(f"Inventaire : {int(bad.sum())} canalisation(s) sans longueur valable.")
    return frame


def _read_geojson(path: Path) -> pd.DataFrame:
    import math

    import pandas as pd

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        feats = doc["features"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"GeoJSON illisible ({path.name}) : {exc}.") from exc
    rows = []
    for f in feats:
        props = dict(f.get("properties") or {})
        geom = f.get("geometry") or {}
        if "length_m" not in props and geom.get("type") == "LineString":
            c = geom.get("coordinates", [])
            props["length_m"] = sum(math.dist(a[:2], b[:2]) for a, b in zip(c, c[1:], strict=False))
        rows.append(props)
    return pd.DataFrame(rows)


def read_repairs(
    path: str | Path, *, inventory: pd.DataFrame | None = None, coords: dict | None = None
) -> pd.DataFrame:
    """Repair log CSV: ``date`` and either ``pipe`` or ``x,y`` (matched to the nearest pipe
    midpoint with ``coords`` = {pipe: (x, y)}). Returns ``pipe, date``."""
    import numpy as np
    import pandas as pd

    path = Path(path)
    try:
        log = pd.read_csv(path, dtype={"pipe": str}, sep=None, engine="python")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Journal des réparations illisible ({path.name}) : {exc}.") from exc
    if "date" not in log:
        raise InvalidInput(f"{path.name} : colonne « date » manquante.")
    log["date"] = pd.to_datetime(log["date"], errors="coerce", dayfirst=True, format="mixed")
    if "pipe" not in log:
        if not {"x", "y"} <= set(log.columns) or not coords:
            raise InvalidInput(
                f"{path.name} : il faut une colonne « pipe » "
                f"ou des coordonnées « x,y » avec le réseau."
            )
        names = list(coords)
        xy = np.array([coords[n] for n in names])
        pts = log[["x", "y"]].to_numpy(dtype=float)
        nearest = ((pts[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        log["pipe"] = [names[i] for i in nearest]
    bad = log["date"].isna()
    if inventory is not None:
        bad |= ~log["pipe"].isin(set(inventory["pipe"]))
    if bad.all():
        raise InvalidInput(f"{path.name} : aucune réparation exploitable.")
    return log.loc[~bad, ["pipe", "date"]].reset_index(drop=True)


def pipe_years(inventory: pd.DataFrame, breaks: pd.DataFrame, years: range) -> pd.DataFrame:
    """One row per (pipe, year): covariates known at the start of the year and the count."""
    import numpy as np
    import pandas as pd

    byear = breaks.assign(year=breaks["date"].dt.year).groupby(["pipe", "year"]).size()
    out = []
    for year in years:
        prev = breaks[breaks["date"].dt.year < year].groupby("pipe").size()
        frame = inventory[["pipe", "length_m", "diameter_mm", "material", "install_year"]].copy()
        frame["year"] = year
        frame = frame[~(frame["install_year"] > year)]  # not laid yet
        frame["age"] = np.maximum(year - frame["install_year"].fillna(1970), 0.5)
        frame["n_prev"] = frame["pipe"].map(prev).fillna(0).to_numpy()
        this = (
            byear.xs(year, level="year") if year in byear.index.get_level_values("year") else None
        )
        frame["n"] = (
            frame["pipe"].map(this).fillna(0).astype(int).to_numpy() if this is not None else 0
        )
        out.append(frame)
    return pd.concat(out, ignore_index=True)


@dataclass
class LeypModel:
    """LEYP-like Poisson model (see the module docstring). Estimator contract."""

    alphas: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0)
    l2: float = 1e-3

    def _design(self, rows: pd.DataFrame) -> np.ndarray:
        import numpy as np

        cols = [
            np.ones(len(rows)),
            np.log(rows["age"].to_numpy()),
            np.log(rows["diameter_mm"].clip(lower=20).to_numpy()),
        ]
        for m in self.materials_[1:]:
            cols.append((rows["material"] == m).to_numpy(dtype=float))
        return np.column_stack(cols)

    def _nll(self, theta, x, y, offset):
        import numpy as np

        eta = x @ theta + offset
        mu = np.exp(eta)
        return float(mu.sum() - (y * eta).sum() + self.l2 * (theta[1:] ** 2).sum()), x.T @ (
            mu - y
        ) + np.r_[0, 2 * self.l2 * theta[1:]]

    def fit(self, rows: pd.DataFrame) -> LeypModel:
        import numpy as np
        from scipy.optimize import minimize

        self.materials_ = sorted(rows["material"].fillna("inconnu").unique().tolist())
        rows = rows.assign(material=rows["material"].fillna("inconnu"))
        x = self._design(rows)
        y = rows["n"].to_numpy(dtype=float)
        best = None
        for alpha in self.alphas:
            offset = np.log(rows["length_m"].to_numpy() / 1000.0) + np.log1p(
                alpha * rows["n_prev"].to_numpy()
            )
            theta0 = np.zeros(x.shape[1])
            theta0[0] = np.log(max(y.sum(), 1) / np.exp(offset).sum())
            res = minimize(self._nll, theta0, args=(x, y, offset), jac=True, method="L-BFGS-B")
            if best is None or res.fun < best[0]:
                best = (res.fun, alpha, res.x)
        _, self.alpha_, self.coef_ = best
        return self

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        import numpy as np

        rows = rows.assign(
            material=rows["material"]
            .fillna("inconnu")
            .where(rows["material"].isin(self.materials_), self.materials_[0])
        )
        offset = np.log(rows["length_m"].to_numpy() / 1000.0) + np.log1p(
            self.alpha_ * rows["n_prev"].to_numpy()
        )
        return np.exp(self._design(rows) @ self.coef_ + offset)


@dataclass
class AgeBaseline:
    """Oldest pipes first."""

    def fit(self, rows: pd.DataFrame) -> AgeBaseline:
        return self

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        return rows["age"].to_numpy(dtype=float)


@dataclass
class HistoryBaseline:
    """Pipes with most previous breaks first, then the oldest."""

    def fit(self, rows: pd.DataFrame) -> HistoryBaseline:
        return self

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        return rows["n_prev"].to_numpy(dtype=float) * 1e3 + rows["age"].to_numpy(dtype=float) / 1e3


def rank_next_year(inventory: pd.DataFrame, breaks: pd.DataFrame, year: int) -> pd.DataFrame:
    """Fit the LEYP model on the ten years before ``year`` and score every pipe for ``year``.

    Returns the pipe-year rows of ``year`` with a ``risk`` column (expected breaks).
    """
    model = LeypModel().fit(pipe_years(inventory, breaks, range(year - 10, year)))
    rows = pipe_years(inventory, breaks, range(year, year + 1))
    return rows.assign(risk=model.predict(rows))


def capture_metrics(score, n_next, length_m) -> dict[str, float]:
    """Share of next-year breaks caught in the top 10 % of pipes (by count and by length) and
    the share of network length needed to catch 80 % of them."""
    import numpy as np

    score, n_next, length = (np.asarray(a, dtype=float) for a in (score, n_next, length_m))
    total = n_next.sum()
    if total == 0:
        return {
            "top10_count": float("nan"),
            "top10_length": float("nan"),
            "length_for_80": float("nan"),
        }
    order = np.argsort(-score, kind="stable")
    caught = np.cumsum(n_next[order]) / total
    k = max(1, int(round(0.1 * len(score))))
    cum_len = np.cumsum(length[order]) / length.sum()
    by_len = caught[np.searchsorted(cum_len, 0.1, side="right") - 1] if cum_len[0] <= 0.1 else 0.0
    return {
        "top10_count": float(caught[k - 1]),
        "top10_length": float(by_len),
        "length_for_80": float(cum_len[int(np.searchsorted(caught, 0.8))]),
    }


def backtest(
    inventory: pd.DataFrame, breaks: pd.DataFrame, *, test_years: range, train_years: int = 10
) -> pd.DataFrame:
    """For each test year T: train on the ``train_years`` before it, rank pipes for T."""
    import pandas as pd

    rows = []
    for year in test_years:
        train = pipe_years(inventory, breaks, range(year - train_years, year))
        test = pipe_years(inventory, breaks, range(year, year + 1))
        for name, model in (
            ("LEYP", LeypModel()),
            ("âge seul", AgeBaseline()),
            ("casses puis âge", HistoryBaseline()),
        ):
            model.fit(train)
            metrics = capture_metrics(model.predict(test), test["n"], test["length_m"])
            rows.append({"year": year, "model": name, "breaks": int(test["n"].sum()), **metrics})
    return pd.DataFrame(rows)


def renewal_plan(
    inventory: pd.DataFrame, risk, *, km_per_year: float, years: int = 5
) -> pd.DataFrame:
    """Greedy plan: highest expected breaks per km first, ``km_per_year`` each year."""
    import numpy as np

    if not km_per_year > 0:
        raise InvalidInput("Le budget de renouvellement doit être positif (km par an).")
    frame = inventory.assign(risk=np.asarray(risk, dtype=float))
    frame["risk_per_km"] = frame["risk"] / (frame["length_m"].clip(lower=1e-3) / 1000.0)
    frame = frame.sort_values("risk_per_km", ascending=False, kind="stable").reset_index(drop=True)
    cum_km = frame["length_m"].cumsum() / 1000.0
    frame["plan_year"] = np.ceil(cum_km / km_per_year - 1e-9).astype(int)
    return frame[frame["plan_year"] <= years]
