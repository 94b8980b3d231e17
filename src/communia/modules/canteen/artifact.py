"""Saving and loading a trained forecaster.

One JSON file: a header (format version, library versions, training-data watermark) and the
learned state (LightGBM model as text, reference statistics, error quantiles, codes). No
pickle: loading a file cannot run code. Written atomically (temporary file + rename). A file
from another format version or another LightGBM major version is refused with a French
message: "incompatible version means retrain", never a crash.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from communia.core.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    from communia.modules.canteen.estimators import GradientBoostingForecaster
    from communia.modules.canteen.io import CanteenData

__all__ = [
    "FORMAT_VERSION",
    "history_fingerprint",
    "save_model",
    "load_model",
    "library_versions",
]

FORMAT_VERSION = 2  # 2: several boosters (averaged), order margins scaled by sqrt(forecast)
KIND = "communia.canteen.gradient_boosting"


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("communia", "lightgbm", "scikit-learn", "pandas", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover
            out[name] = ""
    return out


def _major(v: str) -> str:
    return v.split(".")[0] if v else ""


def history_fingerprint(attendance) -> str:
    """A digest of the history a model was trained on (days, canteens, meals served and
    ordered): a corrected count changes it even when the number of rows and the last day
    stay the same."""
    import hashlib

    import pandas as pd

    cols = [c for c in ("date", "canteen", "served", "ordered") if c in attendance.columns]
    table = attendance[cols].sort_values(["date", "canteen"]).reset_index(drop=True)
    hashes = pd.util.hash_pandas_object(table, index=False).to_numpy()
    return hashlib.sha256(hashes.tobytes()).hexdigest()


def save_model(
    model: GradientBoostingForecaster,
    path: Path | str,
    *,
    data_rows: int = 0,
    fingerprint: str = "",
) -> Path:
    """Write the fitted model to ``path`` atomically."""
    path = Path(path)
    if not hasattr(model, "booster_"):
        raise InvalidInput("Le modèle n'est pas entraîné : rien à enregistrer.")
    params = {k: v for k, v in model.get_params().items() if k != "context"}
    stats = model.ref_stats_.copy()
    payload = {
        "header": {
            "kind": KIND,
            "format_version": FORMAT_VERSION,
            "libraries": library_versions(),
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "history_last_date": str(model.last_date_.date()),
            "history_rows": int(data_rows),
            "history_fingerprint": fingerprint,
        },
        "params": params,
        "codes": model.codes_,
        "residual_quantiles": model.residual_quantiles_,
        "ref_stats": json.loads(stats.to_json(orient="split", index=False)),
        "recent_history": None
        if model.recent_history_ is None
        else json.loads(
            model.recent_history_.assign(
                date=model.recent_history_["date"].dt.strftime("%Y-%m-%d")
            ).to_json(orient="split", index=False)
        ),
        "boosters": model.booster_.model_strings()
        if hasattr(model.booster_, "model_strings")
        else [model.booster_.model_to_string()],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".canteen-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_header(path: Path | str) -> dict:
    path = Path(path)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return payload["header"]
    except FileNotFoundError as exc:
        raise InvalidInput(f"Fichier de modèle introuvable : « {path} ».") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"« {path.name} » n'est pas un modèle de prévision des repas.") from exc


def load_model(
    path: Path | str, *, context: CanteenData | None = None
) -> GradientBoostingForecaster:
    """Read a model saved by :func:`save_model`; refuse incompatible versions."""
    import lightgbm as lgb
    import pandas as pd

    from communia.modules.canteen.estimators import BoosterAverage, GradientBoostingForecaster

    path = Path(path)
    header = read_header(path)
    if header.get("kind") != KIND:
        raise InvalidInput(f"« {path.name} » n'est pas un modèle de prévision des repas.")
    if header.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(
            f"Le modèle « {path.name} » a été enregistré au format {header.get('format_version')} "
            f"(format actuel : {FORMAT_VERSION}). Version incompatible : réentraînez le modèle "
            "(commande « communia canteen train »)."
        )
    saved = header.get("libraries", {}).get("lightgbm", "")
    current = library_versions()["lightgbm"]
    if _major(saved) != _major(current):
        raise InvalidInput(
            f"Le modèle « {path.name} » a été entraîné avec LightGBM {saved} (installé : "
            f"{current}). Version incompatible : réentraînez le modèle."
        )
    payload = json.loads(path.read_text(encoding="utf-8"))
    model = GradientBoostingForecaster(**payload["params"], context=context)
    boosters = [lgb.Booster(model_str=text) for text in payload["boosters"]]
    model.booster_ = boosters[0] if len(boosters) == 1 else BoosterAverage(boosters)
    model.codes_ = payload["codes"]
    model.residual_quantiles_ = payload["residual_quantiles"]
    split = payload["ref_stats"]
    stats = pd.DataFrame(split["data"], columns=split["columns"])
    numeric = [c for c in stats.columns if c != "canteen"]
    stats[numeric] = stats[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    model.ref_stats_ = stats
    model.last_date_ = pd.Timestamp(header["history_last_date"])
    recent = payload.get("recent_history")
    model.recent_history_ = (
        None
        if recent is None
        else pd.DataFrame(recent["data"], columns=recent["columns"]).assign(
            date=lambda f: pd.to_datetime(f["date"])
        )
    )
    model.n_features_in_ = model.booster_.num_feature()
    model.header_ = header
    return model
