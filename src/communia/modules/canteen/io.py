"""Importing canteen history: the Nantes open-data layout and a simple template.

Every reader returns pandas frames with one internal schema (English column names,
``datetime64`` dates, meals as floats) and fills an :class:`ImportReport` with the rows it
rejected and why (French messages). Import is all-or-nothing: in strict mode a single
rejected row refuses the whole file (``InvalidInput`` carrying the report); in tolerant mode
the rejected rows are left out and listed, and the rest is accepted as one block.

Internal schema of the attendance frame: ``date, canteen, served, ordered``.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communia.core.errors import InvalidInput
from communia.core.formatting import fr_number

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

    import pandas as pd

__all__ = [
    "ABSURD_MAX_MEALS",
    "CanteenData",
    "ImportReport",
    "RejectedRow",
    "load_nantes",
    "load_template",
    "load_upload",
    "load_data",
    "parse_dates",
    "read_table",
    "TEMPLATE_COLUMNS",
    "write_template",
]

#: A canteen-day above this many meals is refused as absurd (Nantes' largest site: ~1,400).
ABSURD_MAX_MEALS = 5000

#: Columns of the simple template (CSV with "," or ";", or XLSX), in French.
TEMPLATE_COLUMNS = {
    "frequentation": ("date", "cantine", "repas_servis", "repas_commandes"),
    "cantines": ("cantine", "type", "secteur"),
    "effectifs": ("cantine", "annee_scolaire", "effectif"),
    "menus": ("date", "plat"),
    "evenements": ("date", "cantine", "type", "commentaire"),
}

#: The template's example row of each sheet (« Jules Ferry »): left unchanged in an upload,
#: it would become a canteen, a day of attendance and a strike that never were; refused.
TEMPLATE_EXAMPLES = {
    "frequentation": [(date(2024, 9, 2), "Jules Ferry", 182, 190)],
    "cantines": [("Jules Ferry", "M/E", "Nord")],
    "effectifs": [("Jules Ferry", "2024-2025", 240)],
    "menus": [(date(2024, 9, 2), "Filet de poisson meunière")],
    "evenements": [(date(2024, 10, 10), "", "greve", "grève nationale annoncée")],
}

EVENT_KINDS = {
    "greve": "grève",
    "fermeture": "fermeture",
    "sortie": "sortie scolaire",
    "repas_festif": "repas festif",
}


@dataclass
class RejectedRow:
    source: str
    line: int  # 1-based line number in the file, header = line 1
    reason: str  # French


@dataclass
class ImportReport:
    """What was read, what was left out and why (French, for the manager)."""

    accepted: dict[str, int] = field(default_factory=dict)
    rejected: list[RejectedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: the notes on rows left out on purpose, which the manager is told at once
    left_out: list[str] = field(default_factory=list)

    def leave_out(self, note: str) -> None:
        self.left_out.append(note)
        self.notes.append(note)

    def reject(self, source: str, line: int, reason: str) -> None:
        self.rejected.append(RejectedRow(source, line, reason))

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self, limit: int = 10) -> str:
        parts = [f"{name} : {n} lignes acceptées" for name, n in self.accepted.items()]
        if self.rejected:
            parts.append(f"{len(self.rejected)} lignes rejetées :")
            for row in self.rejected[:limit]:
                parts.append(f"  - {row.source}, ligne {row.line} : {row.reason}")
            if len(self.rejected) > limit:
                parts.append(f"  - … et {len(self.rejected) - limit} autres")
        parts.extend(self.notes)
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": dict(self.accepted),
            "rejected": [r.__dict__ for r in self.rejected],
            "notes": list(self.notes),
        }


@dataclass
class CanteenData:
    """Everything the forecaster knows about a commune's canteens.

    - ``attendance``: ``date, canteen, served, ordered`` (one row per canteen and day);
    - ``canteens``: ``canteen, kind, sector`` (kind: ``M``, ``E`` or ``M/E``);
    - ``enrolment``: ``canteen, school_year, pupils`` (school_year = year of September);
    - ``menus``: ``date, dish``;
    - ``events``: ``date, canteen, kind, comment`` (canteen empty = all canteens;
      kinds: greve, fermeture, sortie, repas_festif);
    - ``holidays``: optional ``start, end, name`` periods from the commune's own school
      calendar; they take precedence over the national calendar for the years they cover;
    - ``dish_categories``: manager overrides, dish label -> category.
    """

    attendance: pd.DataFrame
    canteens: pd.DataFrame
    enrolment: pd.DataFrame
    menus: pd.DataFrame
    events: pd.DataFrame
    holidays: pd.DataFrame | None = None
    dish_categories: dict[str, str] = field(default_factory=dict)
    zone: str = "B"
    report: ImportReport = field(default_factory=ImportReport)

    @property
    def last_date(self):
        return self.attendance["date"].max()

    def known_canteens(self) -> list[str]:
        return sorted(self.canteens["canteen"].unique())

    def context(self) -> CanteenData:
        """The same data without attendance: what is known in advance."""
        import pandas as pd

        empty = pd.DataFrame(
            {
                "date": pd.Series(dtype="datetime64[ns]"),
                "canteen": pd.Series(dtype=object),
                "served": pd.Series(dtype=float),
                "ordered": pd.Series(dtype=float),
            }
        )
        return CanteenData(
            attendance=empty,
            canteens=self.canteens,
            enrolment=self.enrolment,
            menus=self.menus,
            events=self.events,
            holidays=self.holidays,
            dish_categories=self.dish_categories,
            zone=self.zone,
            report=self.report,
        )

    def until(self, last_day) -> CanteenData:
        """A copy whose attendance history stops at ``last_day`` (inclusive)."""
        import pandas as pd

        att = self.attendance[self.attendance["date"] <= pd.Timestamp(last_day)]
        return CanteenData(
            attendance=att.reset_index(drop=True),
            canteens=self.canteens,
            enrolment=self.enrolment,
            menus=self.menus,
            events=self.events,
            holidays=self.holidays,
            dish_categories=self.dish_categories,
            zone=self.zone,
            report=self.report,
        )


# --------------------------------------------------------------------------- low level


def normalize_name(value: Any) -> str:
    """Canteen/site names: trimmed, inner spaces collapsed (keeps accents and case)."""
    if value is None:
        return ""
    text = str(value)
    if text.lower() == "nan":
        return ""
    return re.sub(r"\s+", " ", text).strip()


def _key(value: Any) -> str:
    """A loose key for matching names typed differently (case, accents, punctuation)."""
    text = unicodedata.normalize("NFKD", normalize_name(value)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", " ", text.upper()).strip()


def _decode(raw: bytes, source: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Windows-1252 is the Latin-1 that French office software actually writes.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _unreadable_workbook(path: Path) -> str:
    # The library's own error (« File is not a zip file »…) is English and says nothing to a
    # manager: name the file and the likely cause instead.
    return (
        f"Le classeur « {path.name} » est illisible : ce n'est pas un fichier XLSX valide "
        "(fichier abîmé, ou d'un autre format renommé en .xlsx). Enregistrez-le à nouveau "
        "au format Excel (.xlsx) ou en CSV."
    )


def read_table(path: Path | str, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV (UTF-8 or Latin-1, ``,`` ``;`` or tab) or an XLSX sheet as strings."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"Fichier introuvable : « {path} ».")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=str)
        except ValueError as exc:
            raise InvalidInput(f"Feuille « {sheet} » absente du classeur « {path.name} ».") from exc
        except Exception as exc:  # zip/openpyxl errors on a broken file
            raise InvalidInput(_unreadable_workbook(path)) from exc
        return frame.fillna("")
    if suffix not in (".csv", ".txt"):
        raise InvalidInput(
            f"Format non pris en charge pour « {path.name} » : utilisez un fichier CSV ou XLSX."
        )
    text = _decode(path.read_bytes(), path.name)
    if not text.strip():
        raise InvalidInput(f"Le fichier « {path.name} » est vide.")
    first = text.splitlines()[0]
    sep = max((";", ",", "\t"), key=first.count)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=False
        )
    except pd.errors.ParserError as exc:
        raise InvalidInput(f"Le fichier « {path.name} » n'est pas un CSV valide ({exc}).") from exc
    frame.columns = [normalize_name(c) for c in frame.columns]
    return frame


_DATE_FORMATS = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$"), "%d/%m/%Y"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{2}$"), "%d/%m/%y"),
)


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse dates written ``2018-09-03``, ``03/09/2018`` or ``03/09/18`` (mixed is fine).

    Unparseable values become ``NaT``; the caller rejects those rows.
    """
    import pandas as pd

    text = values.astype(str).str.strip().str.slice(0, 10)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for pattern, fmt in _DATE_FORMATS:
        mask = text.str.match(pattern) & out.isna()
        if mask.any():
            out[mask] = pd.to_datetime(text[mask], format=fmt, errors="coerce")
    return out


def _to_number(values: pd.Series) -> pd.Series:
    import pandas as pd

    text = values.astype(str).str.strip().str.replace(",", ".", regex=False)
    text = text.str.replace(r"\s", "", regex=True).replace({"": None, "NA": None, "nan": None})
    return pd.to_numeric(text, errors="coerce")


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], source: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"Colonnes manquantes dans « {source} » : {', '.join(missing)} "
            f"(colonnes trouvées : {', '.join(map(str, frame.columns))})."
        )


def _examples(frame: pd.DataFrame, name: str, source: str, report: ImportReport) -> pd.Series:
    """Which rows of ``frame`` are the template's example row of sheet ``name`` (booleans, one
    per row), each one refused in ``report``: a strict import is refused and says why."""
    import pandas as pd

    same = pd.Series(True, index=frame.index)
    for col, value in zip(TEMPLATE_COLUMNS[name], TEMPLATE_EXAMPLES[name][0], strict=True):
        if col not in frame.columns:
            if normalize_name(value):
                return pd.Series(False, index=frame.index)
        elif isinstance(value, date):
            same &= parse_dates(frame[col]).dt.date == value
        elif isinstance(value, int):
            same &= _to_number(frame[col]) == value
        else:
            same &= frame[col].map(_key) == _key(value)
    for i in frame.index[same]:
        report.reject(
            source,
            int(i) + 2,
            "ligne d'exemple du modèle (« Jules Ferry ») : remplacez-la par vos données "
            "ou supprimez-la",
        )
    return same


def _school_year_start(label: Any) -> int | None:
    match = re.match(r"^\s*(\d{4})\s*[-/]\s*(\d{2,4})\s*$", str(label))
    if match:
        return int(match.group(1))
    match = re.match(r"^\s*(\d{4})\s*$", str(label))
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------- attendance


def validate_attendance(
    raw: pd.DataFrame,
    *,
    source: str,
    date_col: str,
    canteen_of_row: pd.Series,
    served_col: str,
    ordered_col: str | None,
    report: ImportReport,
    unknown_label: pd.Series | None = None,
    unknown_hint: str = "",
    ignore: pd.Series | None = None,
) -> pd.DataFrame:
    """Check rows and aggregate them to one row per canteen and day.

    ``canteen_of_row`` holds the mapped canteen name ("" when the site is unknown).
    Rejected: unknown canteen, bad date, negative or absurd counts, conflicting duplicates.
    Identical duplicates are merged and noted. ``ignore`` (booleans, one per row): rows the
    caller leaves out and reports itself; the others keep their line numbers.
    """
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(
        {
            "line": np.arange(2, len(raw) + 2),
            "date": parse_dates(raw[date_col]),
            "canteen": canteen_of_row.values,
            "site": (unknown_label if unknown_label is not None else canteen_of_row).values,
            "served": _to_number(raw[served_col]).values,
            "ordered": _to_number(raw[ordered_col]).values
            if ordered_col
            else np.full(len(raw), np.nan),
            "served_text": raw[served_col].astype(str).str.strip().values,
        }
    )
    if ignore is not None:
        frame, raw = frame[~ignore.values], raw[~ignore.values]
    bad = pd.Series("", index=frame.index, dtype=object)
    bad[frame["canteen"] == ""] = (
        "cantine inconnue « " + frame["site"].astype(str) + " »" + unknown_hint
    )
    bad[(bad == "") & frame["date"].isna()] = (
        "date illisible « " + raw[date_col].astype(str).values + " » "
        "(formats acceptés : AAAA-MM-JJ, JJ/MM/AAAA, JJ/MM/AA)"
    )
    not_number = frame["served"].isna() & ~frame["served_text"].isin(["", "NA", "nan"])
    bad[(bad == "") & not_number] = "nombre de repas illisible « " + frame["served_text"] + " »"
    for col, label in (("served", "servis"), ("ordered", "commandés")):
        bad[(bad == "") & (frame[col] < 0)] = f"nombre de repas {label} négatif"
        bad[(bad == "") & (frame[col] > ABSURD_MAX_MEALS)] = (
            f"nombre de repas {label} absurde "
            f"(plus de {ABSURD_MAX_MEALS} pour une cantine et un jour)"
        )
    # Duplicates: the same site (or canteen in the template) twice on the same day.
    dup_key = frame["site"].astype(str) + "|" + frame["date"].astype(str)
    dups = frame[(bad == "") & dup_key.duplicated(keep=False)]
    if len(dups):
        values = dups.assign(k=dup_key[dups.index])
        conflicting = (
            values.groupby("k")[["served", "ordered"]].nunique(dropna=False).max(axis=1) > 1
        )
        conflict_keys = set(conflicting[conflicting].index)
        for idx in dups.index:
            key = dup_key[idx]
            if key in conflict_keys:
                bad[idx] = (
                    f"jour en double avec des valeurs différentes ({frame.at[idx, 'site']}, "
                    f"{frame.at[idx, 'date']:%d/%m/%Y})"
                )
        identical = dups[~dup_key[dups.index].isin(conflict_keys)]
        drop = identical.index[dup_key[identical.index].duplicated(keep="first")]
        if len(drop):
            report.notes.append(f"{source} : {len(drop)} lignes en double identiques fusionnées.")
            frame = frame.drop(index=drop)
            bad = bad.drop(index=drop)
    for idx in bad.index[bad != ""]:
        report.reject(source, int(frame.at[idx, "line"]), str(bad[idx]))
    good = frame[bad == ""]
    # Several sites of one canteen on the same day are added up; a missing part makes the
    # canteen-day missing rather than silently too low.
    keys = ["canteen", "date"]
    grouped = good.groupby(keys)
    agg = grouped[["served", "ordered"]].sum(min_count=1)
    missing = good[["served", "ordered"]].isna().groupby([good["canteen"], good["date"]]).any()
    agg = agg.mask(missing).reset_index()
    report.accepted[source] = len(good)
    return agg[["date", "canteen", "served", "ordered"]].sort_values(["date", "canteen"])


def _some(names: list[str], n: int = 5) -> str:
    """« a, b, c » and « … » when there are more than ``n``."""
    return ", ".join(names[:n]) + ("…" if len(names) > n else "")


# --------------------------------------------------------------------------- Nantes layout

#: File names of the Nantes layout, and how several copies are combined.
NANTES_FILES = {
    "frequentation": "frequentation.csv",
    "mapping_sites": "mapping_frequentation_cantines.csv",
    "mapping_schools": "mapping_ecoles_cantines.csv",
    "canteens": "cantines.csv",
    "enrolment": "Effectifs_ecoles.csv",
    "enrolment_extract": "effectifs.csv",
    "strikes": "greves.csv",
    "strikes_city": "Journees_de_greve.csv",
    "strikes_missing": "missing_strikes.xlsx",
    "menus_old": "menus_2011-2015.csv",
    "menus_new": "menus_2016-2019.csv",
    "menus_extract": "menus_tous.csv",
    "holidays": "vacances.csv",
    "dish_categories": "categories_plats.csv",
    "events": "evenements.csv",
}


def _find_all(root: Path, name: str) -> list[Path]:
    return sorted(p for p in root.rglob(name) if p.is_file())


def _concat_unique(frames: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True).drop_duplicates().reset_index(drop=True)


def load_nantes(
    data_dir: Path | str, *, strict: bool = False, skip_unmapped: bool = False
) -> CanteenData:
    """Read a folder with the layout of Nantes' open data (files found at any depth).

    A site of ``frequentation.csv`` that no mapping file names is a rejected row, unless
    ``skip_unmapped``: then its rows are left out and counted in a note (Nantes' own history
    holds emergency sites, « FOYER MANU (dépannage) », that its mapping leaves out).

    - attendance: ``frequentation.csv`` (``site_type,date,prevision,reel,site_nom``), mapped
      to canteens by every ``mapping_frequentation_cantines.csv`` found (their union: newer
      copies add the renamed sites);
    - canteens: union of ``cantines.csv``; enrolments: ``Effectifs_ecoles.csv`` (else
      ``effectifs.csv``) summed per canteen through ``mapping_ecoles_cantines.csv``;
    - strikes: union of ``greves.csv``, ``Journees_de_greve.csv``, ``missing_strikes.xlsx``;
    - menus: ``menus_2011-2015.csv`` + ``menus_2016-2019.csv`` (else ``menus_tous.csv``);
    - the commune's school calendar ``vacances.csv`` when present (overrides the national
      calendar for the years it covers); optional ``categories_plats.csv`` (plat,categorie)
      and ``evenements.csv`` (template columns).
    """
    import pandas as pd

    root = Path(data_dir)
    if not root.is_dir():
        raise InvalidInput(f"Dossier de données introuvable : « {root} ».")
    report = ImportReport()
    freq_files = _find_all(root, NANTES_FILES["frequentation"])
    if not freq_files:
        raise InvalidInput(f"Aucun fichier « frequentation.csv » dans « {root} ».")
    if len(freq_files) > 1:
        report.notes.append(f"Plusieurs frequentation.csv : « {freq_files[0]} » est utilisé.")
    maps = [read_table(p) for p in _find_all(root, NANTES_FILES["mapping_sites"])]
    if not maps:
        raise InvalidInput(
            f"Aucun fichier « mapping_frequentation_cantines.csv » dans « {root} » : "
            "impossible de rattacher les sites aux cantines."
        )
    for m, p in zip(maps, _find_all(root, NANTES_FILES["mapping_sites"]), strict=True):
        _require_columns(m, ("site_nom", "site_type", "cantine_nom", "cantine_type"), p.name)
    mapping = _concat_unique(
        [
            m[["site_nom", "site_type", "cantine_nom", "cantine_type"]].map(normalize_name)
            for m in maps
        ]
    ).drop_duplicates(["site_nom", "site_type"], keep="last")

    canteens = _load_nantes_canteens(root, mapping)
    known = set(canteens["canteen"])

    raw = read_table(freq_files[0])
    _require_columns(
        raw, ("site_type", "date", "prevision", "reel", "site_nom"), "frequentation.csv"
    )
    site = raw["site_nom"].map(normalize_name)
    site_type = raw["site_type"].map(normalize_name)
    lookup = {(s, t): c for s, t, c in mapping[["site_nom", "site_type", "cantine_nom"]].values}
    canteen = pd.Series(
        [lookup.get((s, t), "") for s, t in zip(site, site_type, strict=True)], index=raw.index
    )
    canteen[~canteen.isin(known)] = ""
    label = site + " (" + site_type + ")"
    unmapped = canteen == ""
    if skip_unmapped and unmapped.any():
        names = sorted(set(label[unmapped]))
        report.leave_out(
            f"frequentation.csv : {fr_number(unmapped.sum())} lignes de "
            + (f"{len(names)} sites absents" if len(names) > 1 else "1 site absent")
            + f" de la table de correspondance laissées de côté ({_some(names)})."
        )
    attendance = validate_attendance(
        raw,
        source="frequentation.csv",
        date_col="date",
        canteen_of_row=canteen,
        served_col="reel",
        ordered_col="prevision",
        report=report,
        unknown_label=label,
        ignore=unmapped if skip_unmapped else None,
    )
    if strict and not report.ok:
        head = "Import refusé, rien n'a été enregistré."
        if not skip_unmapped and all(
            r.reason.startswith("cantine inconnue") for r in report.rejected
        ):
            head = (
                f"Import refusé, rien n'a été enregistré : {fr_number(len(report.rejected))} lignes viennent "
                f"de sites absents de la table de correspondance ({_some(sorted(set(label[unmapped])))}). "
                "Ajoutez-les à « mapping_frequentation_cantines.csv », ou importez en laissant "
                "de côté les sites absents de la table."
            )
        raise InvalidInput(head + "\n" + report.summary(), details=report.to_dict())
    if attendance.empty:
        raise InvalidInput("Aucune ligne de fréquentation valide : l'historique est vide.")

    enrolment = _load_nantes_enrolment(root, report)
    menus = _load_nantes_menus(root, report)
    events = _load_nantes_strikes(root, report)
    extra_events = _find_all(root, NANTES_FILES["events"])
    if extra_events:
        events = pd.concat(
            [events, read_events(extra_events[0], known=known, report=report, strict=strict)],
            ignore_index=True,
        )
    holidays = _load_commune_holidays(root, report)
    overrides: dict[str, str] = {}
    for path in _find_all(root, NANTES_FILES["dish_categories"]):
        overrides.update(read_dish_categories(path))
    return CanteenData(
        attendance=attendance.reset_index(drop=True),
        canteens=canteens,
        enrolment=enrolment,
        menus=menus,
        events=events,
        holidays=holidays,
        dish_categories=overrides,
        report=report,
    )


def _load_nantes_canteens(root: Path, mapping: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for path in _find_all(root, NANTES_FILES["canteens"]):
        t = read_table(path)
        _require_columns(t, ("cantine_nom", "cantine_type"), path.name)
        if "secteur" not in t.columns:
            t["secteur"] = ""
        frames.append(t[["cantine_nom", "cantine_type", "secteur"]].map(normalize_name))
    table = _concat_unique(frames)
    from_mapping = mapping[["cantine_nom", "cantine_type"]].drop_duplicates("cantine_nom")
    from_mapping = from_mapping.assign(secteur="")
    table = pd.concat([table, from_mapping], ignore_index=True) if len(table) else from_mapping
    table = table[table["cantine_nom"] != ""].drop_duplicates("cantine_nom", keep="first")
    return (
        table.rename(
            columns={"cantine_nom": "canteen", "cantine_type": "kind", "secteur": "sector"}
        )
        .sort_values("canteen")
        .reset_index(drop=True)
    )


def _school_mapping(root: Path) -> dict[str, str]:
    frames = []
    for path in _find_all(root, NANTES_FILES["mapping_schools"]):
        t = read_table(path)
        _require_columns(t, ("ecole", "cantine_nom"), path.name)
        frames.append(t[["ecole", "cantine_nom"]].map(normalize_name))
    table = _concat_unique(frames)
    return {_key(e): c for e, c in table.values} if len(table) else {}


def _load_nantes_enrolment(root: Path, report: ImportReport) -> pd.DataFrame:
    import pandas as pd

    schools = _school_mapping(root)
    paths = _find_all(root, NANTES_FILES["enrolment"]) or _find_all(
        root, NANTES_FILES["enrolment_extract"]
    )
    empty = pd.DataFrame({"canteen": [], "school_year": [], "pupils": []})
    if not paths or not schools:
        report.notes.append("Pas d'effectifs scolaires : prévisions sans effet des effectifs.")
        return empty
    t = read_table(paths[0])
    cols = {c.lower().replace("é", "e"): c for c in t.columns}
    school_col = cols.get("ecole")
    year_col = cols.get("annee scolaire") or cols.get("annee_scolaire")
    n_col = cols.get("effectif")
    if not (school_col and year_col and n_col):
        raise InvalidInput(
            f"Colonnes attendues dans « {paths[0].name} » : Ecole, Année scolaire, Effectif."
        )
    rows, unknown = [], set()
    for school, year, n in t[[school_col, year_col, n_col]].values:
        canteen = schools.get(_key(school))
        y = _school_year_start(year)
        try:
            pupils = float(str(n).replace(",", "."))
        except ValueError:
            pupils = float("nan")
        if canteen is None:
            unknown.add(normalize_name(school))
            continue
        if y is None or not pupils >= 0:
            continue
        rows.append((canteen, y, pupils))
    if unknown:
        report.notes.append(
            f"Effectifs : {len(unknown)} écoles sans cantine connue ignorées "
            f"({_some(sorted(unknown))})."
        )
    frame = pd.DataFrame(rows, columns=["canteen", "school_year", "pupils"])
    frame = frame.groupby(["canteen", "school_year"], as_index=False)["pupils"].sum()
    report.accepted[paths[0].name] = len(rows)
    return frame


def _load_nantes_menus(root: Path, report: ImportReport) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for name in (NANTES_FILES["menus_old"], NANTES_FILES["menus_new"]):
        for path in _find_all(root, name):
            t = read_table(path)
            cols = {c.lower(): c for c in t.columns}
            date_col = cols.get("date")
            dish_col = cols.get("plat") or cols.get("menu")
            if not (date_col and dish_col):
                raise InvalidInput(f"Colonnes « date » et « plat » attendues dans « {path.name} ».")
            frames.append(pd.DataFrame({"date": parse_dates(t[date_col]), "dish": t[dish_col]}))
    if not frames:
        for path in _find_all(root, NANTES_FILES["menus_extract"]):
            t = read_table(path)
            frames.append(pd.DataFrame({"date": parse_dates(t["date"]), "dish": t["plat"]}))
    if not frames:
        report.notes.append("Pas de menus : prévisions sans effet des menus.")
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "dish": []})
    menus = pd.concat(frames, ignore_index=True)
    menus["dish"] = menus["dish"].map(normalize_name)
    menus = menus[menus["date"].notna() & (menus["dish"].str.strip("- ") != "")]
    menus = menus.drop_duplicates().reset_index(drop=True)
    report.accepted["menus"] = len(menus)
    return menus


def _load_nantes_strikes(root: Path, report: ImportReport) -> pd.DataFrame:
    import pandas as pd

    # The city's own list (``Journees_de_greve.csv``, dd/mm/yy) is the reference: the
    # ``greves.csv`` copies swap day and month for days <= 12 (e.g. 2011-10-02, a Sunday,
    # for 10 February 2011). They only add the days after the city list ends.
    city = []
    for path in _find_all(root, NANTES_FILES["strikes_city"]):
        t = read_table(path)
        city.append(parse_dates(t[t.columns[0]]))
    for path in _find_all(root, NANTES_FILES["strikes_missing"]):
        t = read_table(path)
        city.append(parse_dates(t["date"]))
    city_last = pd.concat(city).max() if city else None
    dates = list(city)
    for path in _find_all(root, NANTES_FILES["strikes"]):
        t = read_table(path)
        d = parse_dates(t["date"])
        if "greve" in t.columns:
            d = d[_to_number(t["greve"]) == 1]
        if city_last is not None:
            if (d <= city_last).any():
                report.notes.append(
                    f"« {path.relative_to(root)} » : seules les grèves après le "
                    f"{city_last:%d/%m/%Y} sont reprises (la liste de la ville fait foi)."
                )
            d = d[d > city_last]
        dates.append(d)
    strikes = pd.concat(dates).dropna().drop_duplicates().sort_values()
    strikes = strikes[strikes.dt.day_of_week < 5]
    report.accepted["grèves"] = len(strikes)
    return pd.DataFrame(
        {"date": strikes.values, "canteen": "", "kind": "greve", "comment": "grève (fichier)"}
    )


def _empty_events() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "date": pd.Series(dtype="datetime64[ns]"),
            "canteen": pd.Series(dtype=object),
            "kind": pd.Series(dtype=object),
            "comment": pd.Series(dtype=object),
        }
    )


def _load_commune_holidays(root: Path, report: ImportReport) -> pd.DataFrame | None:
    import pandas as pd

    frames = []
    for path in _find_all(root, NANTES_FILES["holidays"]):
        t = read_table(path)
        if not {"date_debut", "date_fin"} <= set(t.columns):
            continue
        frames.append(
            pd.DataFrame(
                {
                    "start": parse_dates(t["date_debut"]),
                    "end": parse_dates(t["date_fin"]),
                    "name": t.get("vacances_nom", ""),
                }
            )
        )
    if not frames:
        return None
    table = pd.concat(frames, ignore_index=True).dropna(subset=["start", "end"])
    table = table.drop_duplicates(["start", "end"]).sort_values("start").reset_index(drop=True)
    report.notes.append(
        f"Calendrier scolaire de la commune : {len(table)} périodes de vacances "
        f"({table['start'].min():%Y} → {table['end'].max():%Y}), "
        "prioritaire sur le calendrier national."
    )
    return table


def read_dish_categories(path: Path | str) -> dict[str, str]:
    """Manager overrides: CSV ``plat,categorie`` (categories: see ``menus.CATEGORIES``)."""
    from communia.modules.canteen.menus import CATEGORIES

    t = read_table(path)
    _require_columns(t, ("plat", "categorie"), Path(path).name)
    out = {}
    for i, (dish, cat) in enumerate(t[["plat", "categorie"]].values, start=2):
        cat = normalize_name(cat).lower()
        if cat not in CATEGORIES:
            raise InvalidInput(
                f"« {Path(path).name} », ligne {i} : catégorie inconnue « {cat} » "
                f"(attendu : {', '.join(CATEGORIES)})."
            )
        out[normalize_name(dish)] = cat
    return out


def read_events(
    path: Path | str, *, known: set[str], report: ImportReport, strict: bool = True
) -> pd.DataFrame:
    """Events typed by the manager (template sheet ``evenements``)."""
    import pandas as pd

    t = read_table(path, sheet="evenements" if str(path).endswith("xlsx") else None)
    _require_columns(t, ("date", "type"), Path(path).name)
    if "cantine" not in t.columns:
        t["cantine"] = ""
    if "commentaire" not in t.columns:
        t["commentaire"] = ""
    example = _examples(t, "evenements", Path(path).name, report)
    dates = parse_dates(t["date"])
    rows = []
    for i, (d, c, kind, comment) in enumerate(
        zip(dates, t["cantine"], t["type"], t["commentaire"], strict=True), start=2
    ):
        if example.iloc[i - 2]:
            continue
        c, kind = normalize_name(c), _key(kind).lower().replace(" ", "_")
        kind = {"greve": "greve", "grve": "greve"}.get(kind, kind)
        if pd.isna(d):
            report.reject(Path(path).name, i, f"date illisible « {t['date'].iloc[i - 2]} »")
        elif kind not in EVENT_KINDS:
            report.reject(
                Path(path).name,
                i,
                f"type d'événement inconnu « {kind} » ({', '.join(EVENT_KINDS)})",
            )
        elif c and c not in known:
            report.reject(Path(path).name, i, f"cantine inconnue « {c} »")
        else:
            rows.append((d, c, kind, normalize_name(comment)))
    if strict and not report.ok:
        raise InvalidInput("Import refusé, rien n'a été enregistré.\n" + report.summary())
    return (
        pd.DataFrame(rows, columns=["date", "canteen", "kind", "comment"])
        if rows
        else _empty_events()
    )


# --------------------------------------------------------------------------- template


def load_template(
    path: Path | str, *, strict: bool = True, known_canteens: Iterable[str] = ()
) -> CanteenData:
    """Read the simple template: one XLSX with sheets named as ``TEMPLATE_COLUMNS``, or a
    folder of CSV files ``frequentation.csv``, ``cantines.csv``, ``effectifs.csv``,
    ``menus.csv``, ``evenements.csv`` (only ``frequentation`` is required).

    ``frequentation``: ``date`` (AAAA-MM-JJ, JJ/MM/AAAA or JJ/MM/AA), ``cantine``,
    ``repas_servis`` and optionally ``repas_commandes`` (the order that was placed).

    ``known_canteens``: the commune's canteens. A name written another way (case, accents)
    is read as the known canteen; with known canteens, a name that is neither known nor in
    a ``cantines`` sheet is refused (a typo must not become a new canteen).
    """
    import pandas as pd

    path = Path(path)
    report = ImportReport()

    def sheet(name: str) -> pd.DataFrame | None:
        if path.is_dir():
            for ext in (".csv", ".xlsx"):
                p = path / f"{name}{ext}"
                if p.is_file():
                    return read_table(p)
            return None
        if path.suffix.lower() == ".xlsx":
            import openpyxl

            try:
                names = openpyxl.load_workbook(path, read_only=True).sheetnames
            except Exception as exc:
                raise InvalidInput(_unreadable_workbook(path)) from exc
            return read_table(path, sheet=name) if name in names else None
        return read_table(path) if name == "frequentation" else None

    freq = sheet("frequentation")
    if freq is None:
        raise InvalidInput("Feuille ou fichier « frequentation » introuvable.")
    _require_columns(freq, ("date", "cantine", "repas_servis"), "frequentation")
    freq_example = _examples(freq, "frequentation", "frequentation", report)
    existing = {_key(c): normalize_name(c) for c in known_canteens if normalize_name(c)}
    canteens_t = sheet("cantines")
    if canteens_t is not None:
        _require_columns(canteens_t, ("cantine",), "cantines")
        canteens_t = canteens_t[~_examples(canteens_t, "cantines", "cantines", report)]
        canteens = pd.DataFrame(
            {
                "canteen": canteens_t["cantine"].map(
                    lambda v: existing.get(_key(v), normalize_name(v))
                ),
                "kind": canteens_t.get("type", pd.Series("M/E", index=canteens_t.index)).map(
                    normalize_name
                ),
                "sector": canteens_t.get("secteur", pd.Series("", index=canteens_t.index)).map(
                    normalize_name
                ),
            }
        )
        canteens = canteens[canteens["canteen"] != ""].drop_duplicates("canteen")
    elif existing:
        canteens = pd.DataFrame({"canteen": sorted(existing.values()), "kind": "", "sector": ""})
    else:
        names = sorted({normalize_name(v) for v in freq["cantine"] if normalize_name(v)})
        canteens = pd.DataFrame({"canteen": names, "kind": "M/E", "sector": ""})
    by_key = existing | {_key(c): c for c in canteens["canteen"]}
    known = set(by_key.values())
    canteen_of_row = freq["cantine"].map(lambda v: by_key.get(_key(v), ""))
    attendance = validate_attendance(
        freq,
        source="frequentation",
        date_col="date",
        canteen_of_row=canteen_of_row,
        served_col="repas_servis",
        ordered_col="repas_commandes" if "repas_commandes" in freq.columns else None,
        report=report,
        unknown_label=freq["cantine"].map(normalize_name),
        unknown_hint=" : pour une nouvelle cantine, ajoutez-la à la feuille « cantines » du modèle"
        if existing
        else "",
        ignore=freq_example,
    )
    enrol_t = sheet("effectifs")
    enrolment = pd.DataFrame({"canteen": [], "school_year": [], "pupils": []})
    if enrol_t is not None:
        _require_columns(enrol_t, ("cantine", "annee_scolaire", "effectif"), "effectifs")
        rows = []
        example = _examples(enrol_t, "effectifs", "effectifs", report)
        for i, (c, y, n) in enumerate(enrol_t[["cantine", "annee_scolaire", "effectif"]].values, 2):
            if example.iloc[i - 2]:
                continue
            c, year, pupils = (
                by_key.get(_key(c), normalize_name(c)),
                _school_year_start(y),
                _to_number(pd.Series([n]))[0],
            )
            if c not in known:
                report.reject("effectifs", i, f"cantine inconnue « {c} »")
            elif year is None:
                report.reject("effectifs", i, f"année scolaire illisible « {y} » (ex. 2018-2019)")
            elif not pupils >= 0:
                report.reject("effectifs", i, f"effectif invalide « {n} »")
            else:
                rows.append((c, year, float(pupils)))
        enrolment = pd.DataFrame(rows, columns=["canteen", "school_year", "pupils"])
    menus_t = sheet("menus")
    menus = pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "dish": []})
    if menus_t is not None:
        _require_columns(menus_t, ("date", "plat"), "menus")
        menus_t = menus_t[~_examples(menus_t, "menus", "menus", report)]
        menus = pd.DataFrame({"date": parse_dates(menus_t["date"]), "dish": menus_t["plat"]})
        for i in menus.index[menus["date"].isna()]:
            report.reject("menus", int(i) + 2, f"date illisible « {menus_t['date'][i]} »")
        menus = menus.dropna(subset=["date"])
    events = _empty_events()
    if path.is_dir() and (path / "evenements.csv").is_file():
        events = read_events(path / "evenements.csv", known=known, report=report, strict=False)
    elif path.suffix.lower() == ".xlsx" and sheet("evenements") is not None:
        events = read_events(path, known=known, report=report, strict=False)
    if strict and not report.ok:
        raise InvalidInput(
            "Import refusé, rien n'a été enregistré.\n" + report.summary(), details=report.to_dict()
        )
    if attendance.empty:
        raise InvalidInput("Aucune ligne de fréquentation valide : l'historique est vide.")
    return CanteenData(
        attendance=attendance.reset_index(drop=True),
        canteens=canteens.reset_index(drop=True),
        enrolment=enrolment,
        menus=menus.reset_index(drop=True),
        events=events,
        report=report,
    )


#: What a ZIP sent to the manager's page may hold once unpacked.
MAX_ZIP_MEMBERS = 500
MAX_ZIP_BYTES = 200 * 1024 * 1024


def _unzip(path: Path, dest: Path) -> None:
    """Unpack a ZIP into ``dest``, keeping its folders, through the core's safe ZIP reader
    (real decompressed volume, member count, ZIP bombs, passwords, paths leaving the folder:
    refused in French)."""
    from communia.core.documents import ZipLimits, get_limits, unzip

    limits = ZipLimits(
        max_members=MAX_ZIP_MEMBERS,
        max_unpacked_bytes=MAX_ZIP_BYTES,
        max_ratio=get_limits().max_compression_ratio,
    )
    for name, data in unzip(path, name=path.name, limits=limits):
        target = dest.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def load_upload(
    path: Path | str, *, known_canteens: Iterable[str] = (), skip_unmapped: bool = False
) -> CanteenData:
    """What the manager's page accepts, all or nothing: the template as one CSV or XLSX, or
    a ZIP of a folder in Nantes' layout or of the template's CSV files.

    ``known_canteens``: the commune's canteens (see :func:`load_template`);
    ``skip_unmapped``: see :func:`load_nantes` (the Nantes layout only).
    """
    import tempfile

    path = Path(path)
    if path.suffix.lower() != ".zip":
        return load_template(path, strict=True, known_canteens=known_canteens)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _unzip(path, root)
        found = sorted(p for ext in (".csv", ".xlsx") for p in root.rglob(f"frequentation{ext}"))
        if not found:
            raise InvalidInput(
                f"Rien à importer dans « {path.name} » : ni fichier « frequentation.csv » "
                "(modèle à remplir ou données de Nantes), ni « frequentation.xlsx »."
            )
        if any(root.rglob(NANTES_FILES["mapping_sites"])):
            return load_nantes(root, strict=True, skip_unmapped=skip_unmapped)
        return load_template(found[0].parent, strict=True, known_canteens=known_canteens)


def load_data(path: Path | str, *, strict: bool = False) -> CanteenData:
    """Nantes layout when a ``frequentation.csv`` with ``site_nom`` is found, else the template."""
    path = Path(path)
    if path.is_dir() and any(path.rglob("mapping_frequentation_cantines.csv")):
        return load_nantes(path, strict=strict)
    return load_template(path, strict=strict)


def write_template(path: Path | str) -> Path:
    """Write an empty XLSX template with one sheet per table and an example row: dates are
    date cells shown « 02/09/2024 », columns wide enough to read their header, header frozen."""
    import pandas as pd
    from openpyxl.utils import get_column_letter

    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, cols in TEMPLATE_COLUMNS.items():
            pd.DataFrame(TEMPLATE_EXAMPLES[name], columns=list(cols)).to_excel(
                writer, sheet_name=name, index=False
            )
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for i, (col, value) in enumerate(zip(cols, TEMPLATE_EXAMPLES[name][0], strict=True), 1):
                letter = get_column_letter(i)
                sheet.column_dimensions[letter].width = max(14, len(col) + 4, len(str(value)) + 2)
                if isinstance(value, date):
                    for cell in sheet[letter][1:]:
                        cell.number_format = "DD/MM/YYYY"
    return path
