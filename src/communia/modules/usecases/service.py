"""Library functions of the use-case catalogue: search, edit, import/export, federation, seed.

The exchange schema (JSON and CSV) is documented in ``docs/usecases-schema.md`` and is stable:
fields are only ever added, never renamed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from communia.core import audit
from communia.core.db import check_version, flush_versioned
from communia.core.errors import InvalidInput, NotFound, Unavailable
from communia.core.formatting import fr_count
from communia.core.users import Actor, require_write
from communia.modules.usecases.models import FIELD_LABELS, SIZES, STATUSES, UseCase

__all__ = [
    "SCHEMA_VERSION",
    "FIELDS",
    "fold",
    "search",
    "get_case",
    "save_case",
    "export_json",
    "export_csv",
    "import_summary",
    "parse_import",
    "import_records",
    "instance_root",
    "pull",
    "seed",
]

SCHEMA_VERSION = 1
FIELDS = (
    "uid", "title", "problem", "organisation", "commune_size", "data_needed", "tool", "cost",
    "results", "risks", "contact", "status", "source",
)  # fmt: skip
_TEXT_LIMIT = 5000
MAX_IMPORT = 5000


def fold(text: str) -> str:
    """Lowercase without accents, for accent-insensitive search."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


# A CSV column is found by its English field name or its French label, in any case and with or
# without accents; a status or a size by its code or its French label.
_HEADER_FIELDS = {
    fold(key): field for field, label in FIELD_LABELS.items() for key in (field, label)
}
_STATUS_CODES = {fold(key): code for code, label in STATUSES.items() for key in (code, label)}
_SIZE_CODES = {fold(key): code for code, label in SIZES.items() for key in (code, label)}


def _search_text(case: UseCase) -> str:
    return fold(" ".join(str(getattr(case, f) or "") for f in FIELDS if f not in ("uid", "source")))


def _visible(actor: Actor | None):
    if actor is None:
        return UseCase.public.is_(True)
    return or_(UseCase.public.is_(True), UseCase.commune_id == actor.commune_id)


def search(
    session: Session,
    actor: Actor | None,
    *,
    query: str = "",
    status: str = "",
    size: str = "",
    limit: int = 200,
) -> list[UseCase]:
    stmt = select(UseCase).where(_visible(actor))
    for word in fold(query).split()[:10]:
        stmt = stmt.where(UseCase.search_text.contains(word, autoescape=True))
    if status:
        stmt = stmt.where(UseCase.status == status)
    if size:
        stmt = stmt.where(UseCase.commune_size == size)
    return list(session.scalars(stmt.order_by(UseCase.title).limit(limit)))


def get_case(session: Session, actor: Actor | None, case_id: int) -> UseCase:
    case = session.scalar(select(UseCase).where(UseCase.id == case_id, _visible(actor)))
    if case is None:
        raise NotFound("Ce cas d'usage n'existe pas ou n'est pas public.")
    return case


def _clean(data: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in FIELDS:
        if field in ("uid", "source") or field not in data:
            continue
        value = str(data[field] or "").strip()
        if len(value) > _TEXT_LIMIT:
            raise InvalidInput(
                f"Le champ « {FIELD_LABELS[field]} » dépasse {_TEXT_LIMIT} caractères."
            )
        out[field] = value
    if out.get("status"):
        out["status"] = _STATUS_CODES.get(fold(out["status"]), out["status"])
    if out.get("commune_size"):
        out["commune_size"] = _SIZE_CODES.get(fold(out["commune_size"]), out["commune_size"])
    if not partial and not out.get("title"):
        raise InvalidInput("Le titre du cas d'usage est obligatoire.")
    if out.get("status") and out["status"] not in STATUSES:
        raise InvalidInput(
            f"Statut inconnu « {out['status']} » (possibles : {', '.join(STATUSES)})."
        )
    if out.get("commune_size") and out["commune_size"] not in SIZES:
        raise InvalidInput(
            f"Taille inconnue « {out['commune_size']} » (possibles : {', '.join(SIZES)})."
        )
    if "title" in out and len(out["title"]) > 200:
        raise InvalidInput("Le titre dépasse 200 caractères.")
    return out


def save_case(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    case_id: int | None = None,
    expected_version: int | None = None,
) -> UseCase:
    require_write(actor)
    values = _clean(data, partial=case_id is not None)
    public = str(data.get("public", "1")).lower() in ("1", "true", "on", "oui")
    if case_id is None:
        case = UseCase(
            uid=f"{actor.commune_slug}-{uuid.uuid4().hex[:12]}",
            commune_id=actor.commune_id,
            source="local",
            public=public,
            **values,
        )
        session.add(case)
    else:
        case = session.scalar(
            select(UseCase).where(UseCase.id == case_id, UseCase.commune_id == actor.commune_id)
        )
        if case is None:
            raise NotFound("Ce cas d'usage n'existe pas ou n'appartient pas à votre commune.")
        check_version(
            case,
            expected_version,
            "Cette fiche a été modifiée entre-temps ; rechargez-la avant de la modifier.",
        )
        for key, value in values.items():
            setattr(case, key, value)
        case.public = public
    case.search_text = _search_text(case)
    flush_versioned(session, "Cette fiche a été modifiée en même temps ; réessayez.")
    audit.record(
        session,
        actor=actor.email,
        action="usecase.save",
        commune_id=actor.commune_id,
        object_type="usecase",
        object_id=case.uid,
        summary=f"Cas d'usage enregistré : {case.title}",
        inputs_hash=audit.hash_inputs(values),
    )
    return case


def _as_record(case: UseCase) -> dict[str, Any]:
    record = {f: getattr(case, f) or "" for f in FIELDS}
    record["updated_at"] = case.updated_at.isoformat() if case.updated_at else ""
    return record


def export_json(cases: list[UseCase], *, origin: str = "") -> dict[str, Any]:
    return {
        "schema": "communia.usecases",
        "schema_version": SCHEMA_VERSION,
        "origin": origin,
        "usecases": [_as_record(c) for c in cases],
    }


def export_csv(cases: list[UseCase]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*FIELDS, "updated_at"], lineterminator="\n")
    writer.writeheader()
    for case in cases:
        writer.writerow(_as_record(case))
    return buffer.getvalue()


def parse_import(raw: bytes, *, filename: str = "") -> list[dict[str, Any]]:
    """Records from a JSON export or a CSV file (UTF-8 or Latin-1), with French errors."""
    if not raw.strip():
        raise InvalidInput("Le fichier est vide.")
    suffix = Path(filename).suffix.lower()
    if suffix and suffix not in (".json", ".csv", ".txt"):
        # a workbook or a PDF read as CSV would be refused for a missing « title » column
        raise InvalidInput(
            f"« {Path(filename).name} » n'est pas un fichier JSON ou CSV : importez l'export "
            "JSON ou CSV d'une bibliothèque des cas d'usage (un classeur s'enregistre en CSV)."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if filename.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(
                f"JSON illisible (ligne {exc.lineno}, colonne {exc.colno})."
            ) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("usecases"), list):
            raise InvalidInput("JSON inattendu : un objet avec une liste « usecases » est attendu.")
        if int(payload.get("schema_version", 1)) > SCHEMA_VERSION:
            raise InvalidInput(
                "Ce fichier vient d'une version plus récente du schéma ; mettez Communia à jour."
            )
        records = payload["usecases"]
    else:
        sample = text[:2000]
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        reader.fieldnames = _csv_fields(reader.fieldnames or [])
        records = list(reader)
    if len(records) > MAX_IMPORT:
        raise InvalidInput(f"Trop de fiches ({len(records)}) : {MAX_IMPORT} au plus par import.")
    return records


def _csv_fields(headers: list[str]) -> list[str]:
    """The exchange field of each CSV column, whether the header is English or French."""
    fields = [_HEADER_FIELDS.get(fold(h.strip()), h) for h in headers]
    if "title" not in fields:
        raise InvalidInput("CSV inattendu : la colonne « title » (ou « Titre ») est obligatoire.")
    twice = sorted({f for f in fields if f in FIELD_LABELS and fields.count(f) > 1})
    if twice:
        names = ", ".join(f"« {FIELD_LABELS[f]} »" for f in twice)
        raise InvalidInput(
            f"CSV inattendu : colonne en double, en anglais et en français : {names}."
        )
    return fields


def import_records(
    session: Session,
    records: list[dict[str, Any]],
    *,
    source: str,
    by: str,
    commune_id: int | None = None,
) -> dict[str, Any]:
    """Upsert records by ``uid``, all or nothing; returns counts and rejected rows (French)."""
    rejected, cleaned = [], []
    for index, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            rejected.append({"ligne": index, "raison": "fiche mal formée"})
            continue
        try:
            values = _clean(record)
        except InvalidInput as exc:
            rejected.append({"ligne": index, "raison": exc.message})
            continue
        uid = str(record.get("uid") or "").strip()[:120] or f"import-{uuid.uuid4().hex[:12]}"
        cleaned.append((uid, values, str(record.get("source") or "").strip()))
    if rejected:
        raise InvalidInput(
            f"Import refusé : {len(rejected)} fiche(s) invalide(s), rien n'a été importé.",
            details={"rejets": rejected[:50]},
        )
    created = updated = unchanged = skipped = 0
    for uid, values, record_source in cleaned:
        case = session.scalar(select(UseCase).where(UseCase.uid == uid))
        if case is not None and case.commune_id is not None:
            skipped += 1  # a commune's own case is never overwritten by an import
            continue
        if case is None:
            origin = record_source if record_source and record_source != "local" else source
            case = UseCase(uid=uid, commune_id=commune_id, source=origin, public=True, **values)
            session.add(case)
            created += 1
        elif all(getattr(case, key) == value for key, value in values.items()):
            unchanged += 1  # the same catalogue pulled twice changes nothing
            continue
        else:
            for key, value in values.items():
                setattr(case, key, value)
            updated += 1
        case.search_text = _search_text(case)
    session.flush()
    report = {"crees": created, "mis_a_jour": updated, "inchanges": unchanged, "ignores": skipped}
    audit.record(
        session,
        actor=by,
        action="usecase.import",
        commune_id=commune_id,
        object_type="usecase",
        summary=f"Import de cas d'usage depuis {source} : {import_summary(report)}",
        details=report,
    )
    return report


def import_summary(report: dict[str, int]) -> str:
    """« 2 fiches créées, 1 fiche mise à jour, 8 fiches déjà à jour » (French, for people)."""
    parts = [
        fr_count(report["crees"], "fiche créée", "fiches créées"),
        fr_count(report["mis_a_jour"], "fiche mise à jour", "fiches mises à jour"),
    ]
    if report["inchanges"]:
        parts.append(fr_count(report["inchanges"], "fiche déjà à jour", "fiches déjà à jour"))
    if report["ignores"]:
        parts.append(
            fr_count(
                report["ignores"],
                "fiche de la commune laissée telle quelle",
                "fiches de la commune laissées telles quelles",
            )
        )
    return ", ".join(parts)


def instance_root(url: str) -> str:
    """The address of an instance from the address of any of its pages (what an agent copies
    from the browser: ``…/c/autre-ville/usecases``, ``…/app/usecases?q=x``), query removed;
    an instance served under a path (``https://site.fr/communia``) keeps that path."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.strip())
    path = re.split(r"/(?:app|c|api|v1)(?:/|$)", parts.path, maxsplit=1)[0]
    return f"{parts.scheme}://{parts.netloc}{path}".rstrip("/")


def pull(session: Session, base_url: str, *, by: str, timeout: float = 20.0) -> dict[str, Any]:
    """Federation: fetch another instance's public catalogue over HTTP and import it."""
    import httpx

    if not base_url.startswith(("http://", "https://")):
        raise InvalidInput("Adresse invalide : elle doit commencer par http:// ou https://.")
    base_url = instance_root(base_url)
    url = base_url + "/api/v1/usecases/public"
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True)
    except httpx.TimeoutException:
        raise Unavailable(f"Instance injoignable ({url}) : pas de réponse à temps.") from None
    except httpx.HTTPError:
        raise Unavailable(
            f"Instance injoignable ({url}) : la connexion a échoué (adresse ou nom de machine "
            "erroné, instance arrêtée ou pare-feu)."
        ) from None
    if response.status_code != 200:
        raise Unavailable(
            f"L'adresse {base_url} n'a pas donné de catalogue de cas d'usage (réponse "
            f"{response.status_code}) : est-ce bien l'adresse d'une instance Communia ?"
        )
    if len(response.content) > 20 * 1024 * 1024:
        raise InvalidInput("Catalogue distant trop volumineux (plus de 20 Mo).")
    records = parse_import(response.content, filename="catalogue.json")
    return import_records(session, records, source=base_url.rstrip("/"), by=by)


def seed(session: Session) -> int:
    """Load the reference cases (DOMAIN.md §1) once; returns how many were created."""
    from communia.modules.usecases.seed_data import SEED

    created = 0
    for record in SEED:
        if session.scalar(select(UseCase.id).where(UseCase.uid == record["uid"])) is None:
            case = UseCase(commune_id=None, public=True, **record)
            case.search_text = _search_text(case)
            session.add(case)
            created += 1
    session.flush()
    return created
