"""Telemetry readers and writers, with data-quality checks.

One unit system inside (SI-ish, as in EPANET/BattLeDIM): pressures and levels in metres,
flows in m³/h, smart-meter demands converted to m³/h on read. Conversion happens only here.

Two input formats:

- **BattLeDIM SCADA**: one file per quantity (``Pressures.csv``, ``Flows.csv``, ``Levels.csv``,
  ``Demands.csv``, optionally ``.gz``), ``;`` separator, ``,`` decimal mark, first column
  ``Timestamp`` (``YYYY-MM-DD HH:MM``), one column per sensor. Demands are in L/h.
- **Generic long CSV** (for communes whose SCADA exports something else), comma separated,
  UTF-8, header ``sensor,time,value,unit``: one row per reading. ``time`` is ISO 8601
  (``2024-03-01 02:05`` local time, or with an offset ``2024-03-01T02:05:00+01:00``);
  ``unit`` is one of ``m``, ``bar``, ``m3/h``, ``l/s``, ``l/h``. The quantity is inferred from
  the unit (pressure: m or bar; flow: m3/h or l/s; demand: l/h), levels use ``unit=m`` and a
  sensor name starting with ``level:`` (e.g. ``level:T1``).

Every reader returns the data plus a :class:`QualityReport` listing, in French, what was
repaired or skipped (gaps, duplicated timestamps, clock changes, frozen or spiking sensors,
suspicious units). Detection runs on what is valid.
"""

from __future__ import annotations

import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from communia.core.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "QUANTITIES",
    "QualityReport",
    "ScadaData",
    "read_scada_file",
    "write_scada_file",
    "read_scada_dir",
    "write_scada_dir",
    "read_long_csv",
    "write_long_csv",
    "clean_series_frame",
]

#: quantity -> (file stem, unit written in the file, factor file unit -> internal unit)
QUANTITIES: dict[str, tuple[str, str, float]] = {
    "pressures": ("Pressures", "m", 1.0),
    "flows": ("Flows", "m3/h", 1.0),
    "levels": ("Levels", "m", 1.0),
    "demands": ("Demands", "l/h", 1e-3),  # smart meters: L/h in the file, m³/h inside
}

STEP = "5min"


@dataclass
class QualityReport:
    """What the readers fixed or skipped, in French, for the agent."""

    messages: list[str] = field(default_factory=list)
    masked_values: int = 0
    dropped_sensors: list[str] = field(default_factory=list)

    def add(self, message: str) -> None:
        self.messages.append(message)

    def extend(self, other: QualityReport) -> None:
        self.messages.extend(other.messages)
        self.masked_values += other.masked_values
        self.dropped_sensors.extend(other.dropped_sensors)


@dataclass
class ScadaData:
    """One period of telemetry on a common regular 5-min UTC-naive grid (internal units)."""

    pressures: pd.DataFrame
    flows: pd.DataFrame
    levels: pd.DataFrame
    demands: pd.DataFrame
    report: QualityReport = field(default_factory=QualityReport)

    @property
    def index(self) -> pd.DatetimeIndex:
        return self.flows.index if len(self.flows) else self.pressures.index

    def between(self, start, end) -> ScadaData:
        """The period ``start..end`` (both included, either may be None), with a quality
        report of its own."""
        return ScadaData(
            *(
                getattr(self, key).loc[start:end]
                for key in ("pressures", "flows", "levels", "demands")
            )
        )


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        from communia.core.documents import get_limits
        from communia.core.documents.safezip import open_gzip

        raw = open_gzip(path, max_ratio=get_limits().max_compression_ratio)
        return io.TextIOWrapper(raw, encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 - closed by caller


def _find(directory: Path, stem: str) -> Path | None:
    for name in (f"{stem}.csv", f"{stem}.csv.gz", f"{stem.lower()}.csv", f"{stem.lower()}.csv.gz"):
        if (directory / name).is_file():
            return directory / name
    return None


def read_scada_file(path: str | Path, *, factor: float = 1.0) -> tuple[pd.DataFrame, QualityReport]:
    """Read one BattLeDIM SCADA file (``;``/``,``), return a cleaned frame and a report."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"Fichier introuvable : {path}.")
    try:
        with _open_text(path) as fh:
            frame = pd.read_csv(fh, sep=";", decimal=",", low_memory=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, EOFError) as exc:
        raise InvalidInput(f"Fichier SCADA illisible ({path.name}) : {exc}.") from exc
    except pd.errors.EmptyDataError as exc:
        raise InvalidInput(f"Fichier SCADA vide : {path.name}.") from exc
    if frame.empty or "Timestamp" not in frame.columns:
        raise InvalidInput(
            f"{path.name} : colonne « Timestamp » absente ou fichier vide "
            "(format attendu : séparateur « ; », décimales « , », première colonne Timestamp)."
        )
    times = pd.to_datetime(frame.pop("Timestamp"), errors="coerce", format="mixed")
    report = QualityReport()
    bad = int(times.isna().sum())
    if bad:
        report.add(f"{path.name} : {bad} horodatage(s) illisible(s) ignoré(s).")
    frame = frame.loc[times.notna().to_numpy()]
    frame.index = pd.DatetimeIndex(times[times.notna()].to_numpy(), name="Timestamp")
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(pd.to_numeric, errors="coerce") * factor
    cleaned, sub = clean_series_frame(frame, label=path.name)
    report.extend(sub)
    return cleaned, report


def write_scada_file(frame: pd.DataFrame, path: str | Path, *, factor: float = 1.0) -> Path:
    """Write a frame in the BattLeDIM SCADA format (gzip when the name ends in ``.gz``).

    ``factor`` converts internal units to file units (e.g. 1000 for demands m³/h -> L/h).
    """
    path = Path(path)
    out = (frame * factor).round(2)
    out.index = out.index.strftime("%Y-%m-%d %H:%M")
    out.index.name = "Timestamp"
    text = out.to_csv(sep=";", decimal=",")
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".gz":
        with gzip.open(tmp, "wb") as fh:
            fh.write(text.encode("utf-8"))
    else:
        tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # atomic: nothing half-written
    return path


def read_scada_dir(directory: str | Path, *, require: tuple[str, ...] = ("flows",)) -> ScadaData:
    """Read ``Pressures``, ``Flows``, ``Levels`` and ``Demands`` (``.csv`` or ``.csv.gz``)."""
    import pandas as pd

    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidInput(f"Dossier SCADA introuvable : {directory}.")
    frames: dict[str, pd.DataFrame] = {}
    report = QualityReport()
    for key, (stem, _unit, factor) in QUANTITIES.items():
        path = _find(directory, stem)
        if path is None:
            if key in require:
                raise InvalidInput(f"Fichier {stem}.csv(.gz) absent du dossier {directory}.")
            report.add(f"{stem}.csv absent : grandeur ignorée.")
            frames[key] = pd.DataFrame()
            continue
        frames[key], sub = read_scada_file(path, factor=factor)
        report.extend(sub)
    return _align(frames, report)


def write_scada_dir(data: ScadaData, directory: str | Path, *, gz: bool = True) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for key, (stem, _unit, factor) in QUANTITIES.items():
        frame = getattr(data, key)
        if len(frame.columns):
            write_scada_file(
                frame, directory / f"{stem}.csv{'.gz' if gz else ''}", factor=1 / factor
            )
    return directory


def _align(frames: dict[str, pd.DataFrame], report: QualityReport) -> ScadaData:
    import pandas as pd

    indexes = [f.index for f in frames.values() if len(f)]
    if not indexes:
        raise InvalidInput("Aucune mesure exploitable dans les fichiers fournis.")
    start = min(i[0] for i in indexes)
    end = max(i[-1] for i in indexes)
    grid = pd.date_range(start, end, freq=STEP, name="Timestamp")
    out = {}
    for key, frame in frames.items():
        if len(frame.columns):
            out[key] = frame.reindex(grid)
        else:
            out[key] = pd.DataFrame(index=grid)
    return ScadaData(report=report, **out)


def clean_series_frame(
    frame: pd.DataFrame,
    *,
    label: str = "",
    frozen_hours: float = 6.0,
    spike_mad: float = 25.0,
    max_interp_steps: int = 6,
) -> tuple[pd.DataFrame, QualityReport]:
    """Regularise a wide sensor frame onto the 5-min grid and mask bad values.

    Steps, in order (the order matters: duplicates before the grid, the grid before runs):
    1. duplicated timestamps: a clock change back (DST in autumn) or a double export; the
       readings at the same timestamp are averaged;
    2. clock changes forward (DST in spring): a missing hour is a gap like any other;
    3. regular 5-min grid; short gaps (≤ 30 min) are interpolated, longer gaps stay empty;
    4. frozen sensors: the same non-zero value for ``frozen_hours`` or more is masked;
    5. spikes: a value further than ``spike_mad`` robust deviations from its 1-hour median.
    """
    import numpy as np
    import pandas as pd

    report = QualityReport()
    prefix = f"{label} : " if label else ""
    frame = frame.sort_index()
    dup = frame.index.duplicated(keep=False)
    if dup.any():
        n = int(frame.index.duplicated().sum())
        dst = _looks_like_dst_back(frame.index[frame.index.duplicated()])
        why = " (changement d'heure d'automne probable)" if dst else ""
        report.add(f"{prefix}{n} horodatage(s) en double{why} : valeurs moyennées.")
        frame = frame.groupby(level=0).mean()
    if len(frame) < 2:
        raise InvalidInput(f"{prefix}moins de deux mesures : impossible de construire une série.")
    grid = pd.date_range(frame.index[0].floor(STEP), frame.index[-1].ceil(STEP), freq=STEP)
    off_grid = ~frame.index.isin(grid)
    if off_grid.any():
        report.add(f"{prefix}{int(off_grid.sum())} mesure(s) hors pas de 5 min : recalées.")
        frame = frame.groupby(frame.index.round(STEP)).mean()
    missing = grid.difference(frame.index)
    if len(missing):
        spring = _looks_like_dst_forward(missing)
        why = " (changement d'heure de printemps probable)" if spring else ""
        report.add(f"{prefix}{len(missing)} pas de temps manquant(s){why}.")
    frame = frame.reindex(grid)
    frame.index.name = "Timestamp"
    values = frame.to_numpy(dtype=float, copy=True)
    n_steps = int(frozen_hours * 12)
    for j, column in enumerate(frame.columns):
        col = values[:, j]
        if np.isnan(col).all():
            report.dropped_sensors.append(str(column))
            report.add(f"{prefix}capteur {column} sans aucune valeur : ignoré.")
            continue
        # frozen runs (same value, not zero: a stopped pump legitimately reads 0)
        same = np.concatenate([[False], np.diff(col) == 0])
        run_id = np.cumsum(~same)
        counts = np.bincount(run_id)
        run_len = counts[run_id]
        frozen = (run_len >= n_steps) & (col != 0) & ~np.isnan(col)
        if frozen.any():
            report.add(
                f"{prefix}capteur {column} figé pendant {int(frozen.sum()) * 5 // 60} h : "
                "valeurs écartées."
            )
            report.masked_values += int(frozen.sum())
            col[frozen] = np.nan
        # spikes: an isolated value far from both neighbours, which agree with each other
        # (a pump starting or a leak opening is a step, not a spike)
        prev = np.concatenate([[np.nan], col[:-1]])
        nxt = np.concatenate([col[1:], [np.nan]])
        d1, d2 = col - prev, col - nxt
        diffs = np.diff(col)
        diffs = diffs[np.isfinite(diffs) & (diffs != 0)]  # a stopped pump is not information
        level = float(np.nanmedian(np.abs(col[col != 0]))) if (col != 0).any() else 0.0
        scale = max(robust_spread(diffs), 0.01 * level, 0.01)
        with np.errstate(invalid="ignore"):
            jump = np.minimum(np.abs(d1), np.abs(d2))
            spikes = (
                (np.sign(d1) == np.sign(d2))
                & (jump > spike_mad * scale)
                & (np.abs(nxt - prev) < 0.25 * jump)
                & (prev != 0)
                & (nxt != 0)
                & (col != 0)  # a pump running for a single step is not a spike
            )
        if spikes.any():
            report.add(
                f"{prefix}capteur {column} : {int(spikes.sum())} pic(s) aberrant(s) écarté(s)."
            )
            report.masked_values += int(spikes.sum())
            col[spikes] = np.nan
        values[:, j] = col
    frame = pd.DataFrame(values, index=frame.index, columns=frame.columns)
    if len(missing) or report.masked_values:
        # fill only gaps of at most ``max_interp_steps`` (never the start of a long gap)
        filled = frame.interpolate(limit_area="inside")
        isna = frame.isna()
        run_id = (isna != isna.shift()).cumsum()
        run_len = isna.apply(lambda c: c.groupby(run_id[c.name]).transform("size"))
        frame = frame.where(~(isna & (run_len <= max_interp_steps)), filled)
        left = int(frame.isna().sum().sum())
        if left:
            report.add(
                f"{prefix}{left} valeur(s) manquante(s) non comblée(s) : ignorées par la détection."
            )
    if report.dropped_sensors:
        frame = frame.drop(columns=report.dropped_sensors)
    return frame, report


def _looks_like_dst_back(times: pd.DatetimeIndex) -> bool:
    # last Sunday of October, between 02:00 and 03:00 local time
    return bool(len(times)) and bool(
        (
            (times.month == 10) & (times.day_of_week == 6) & (times.day >= 25) & (times.hour == 2)
        ).any()
    )


def _looks_like_dst_forward(times: pd.DatetimeIndex) -> bool:
    return bool(len(times)) and bool(
        (
            (times.month == 3) & (times.day_of_week == 6) & (times.day >= 25) & (times.hour == 2)
        ).any()
    )


# --------------------------------------------------------------------------- long CSV

_UNITS = {  # unit -> (quantity, factor to internal unit)
    "m": ("pressures", 1.0),
    "mce": ("pressures", 1.0),
    "bar": ("pressures", 10.197),
    "m3/h": ("flows", 1.0),
    "m³/h": ("flows", 1.0),
    "l/s": ("flows", 3.6),
    "l/h": ("demands", 1e-3),
}


def read_long_csv(path: str | Path, *, tz: str | None = None) -> ScadaData:
    """Read the generic long CSV (``sensor,time,value,unit``), see the module docstring.

    ``tz``: when the times are local wall-clock times (e.g. ``Europe/Paris``), they are
    localised (DST-aware, ambiguous autumn hour inferred) and converted to UTC.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"Fichier introuvable : {path}.")
    try:
        with _open_text(path) as fh:
            frame = pd.read_csv(fh, dtype={"sensor": str, "unit": str})
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(f"Fichier CSV illisible ({path.name}) : {exc}.") from exc
    expected = {"sensor", "time", "value", "unit"}
    if not expected <= set(frame.columns):
        missing = ", ".join(sorted(expected - set(frame.columns)))
        raise InvalidInput(
            f"{path.name} : colonnes manquantes ({missing}). Attendu : sensor,time,value,unit."
        )
    report = QualityReport()
    frame["unit"] = frame["unit"].astype(str).str.strip().str.lower()
    unknown = sorted(set(frame["unit"]) - set(_UNITS))
    if unknown:
        report.add(f"{path.name} : unité(s) inconnue(s) {', '.join(unknown)} : lignes ignorées.")
        frame = frame[frame["unit"].isin(_UNITS)]
    times = pd.to_datetime(frame["time"], errors="coerce", format="mixed", utc=False)
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("UTC").dt.tz_localize(None)
    elif tz:
        times = _localise(times, tz)
    values = pd.to_numeric(frame["value"].astype(str).str.replace(",", "."), errors="coerce")
    ok = times.notna() & values.notna()
    if (~ok).sum():
        report.add(f"{path.name} : {int((~ok).sum())} ligne(s) illisible(s) ignorée(s).")
    frame = frame.assign(time=times, value=values)[ok]
    if frame.empty:
        raise InvalidInput(f"{path.name} : aucune mesure lisible.")
    quantity = frame["unit"].map(lambda u: _UNITS[u][0])
    quantity = quantity.where(~frame["sensor"].str.lower().str.startswith("level:"), "levels")
    factor = frame["unit"].map(lambda u: _UNITS[u][1])
    frame = frame.assign(quantity=quantity, value=frame["value"] * factor)
    frame["sensor"] = frame["sensor"].str.replace(r"^level:", "", regex=True, case=False)
    if (frame["unit"] == "l/s").any():
        report.add(f"{path.name} : débits en L/s convertis en m³/h (× 3,6).")
    frames: dict[str, pd.DataFrame] = {}
    for key in QUANTITIES:
        part = frame[frame["quantity"] == key]
        if part.empty:
            frames[key] = pd.DataFrame()
            continue
        wide = part.pivot_table(index="time", columns="sensor", values="value", aggfunc="mean")
        n_dup = int(part.duplicated(["time", "sensor"]).sum())
        if n_dup:
            report.add(
                f"{path.name} : {n_dup} mesure(s) en double (même capteur, même heure) moyennée(s)."
            )
        wide.columns.name = None
        frames[key], sub = clean_series_frame(wide, label=f"{path.name} ({key})")
        report.extend(sub)
    return _align(frames, report)


def _localise(times: pd.Series, tz: str) -> pd.Series:
    import pandas as pd

    try:
        local = pd.DatetimeIndex(times).tz_localize(
            tz, ambiguous="infer", nonexistent="shift_forward"
        )
    except Exception:  # ambiguous hour cannot be inferred (e.g. unsorted): treat as NaT
        local = pd.DatetimeIndex(times).tz_localize(
            tz, ambiguous="NaT", nonexistent="shift_forward"
        )
    return pd.Series(local.tz_convert("UTC").tz_localize(None), index=times.index)


def write_long_csv(data: ScadaData, path: str | Path) -> Path:
    """Write telemetry in the generic long format (internal units: m, m3/h; demands in l/h)."""
    import pandas as pd

    path = Path(path)
    parts = []
    for key, unit in (("pressures", "m"), ("flows", "m3/h"), ("levels", "m"), ("demands", "l/h")):
        frame = getattr(data, key)
        if not len(frame.columns):
            continue
        factor = 1000.0 if key == "demands" else 1.0
        long = (frame * factor).round(4).stack().rename("value").reset_index()
        long.columns = ["time", "sensor", "value"]
        if key == "levels":
            long["sensor"] = "level:" + long["sensor"].astype(str)
        long["unit"] = unit
        parts.append(long)
    out = pd.concat(parts, ignore_index=True)[["sensor", "time", "value", "unit"]]
    out["time"] = pd.DatetimeIndex(out["time"]).strftime("%Y-%m-%d %H:%M")
    tmp = path.with_name(path.name + ".tmp")
    out.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def robust_spread(values) -> float:
    """The spread of ``values`` (an array or a series without gaps) as a normal sigma, read
    from their median absolute deviation; 0 when there are none."""
    import numpy as np

    values = np.asarray(values, dtype=float)
    return float(np.median(np.abs(values - np.median(values))) * 1.4826) if values.size else 0.0
