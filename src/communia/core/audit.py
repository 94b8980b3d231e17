"""Tamper-evident audit trail.

Every action that creates or changes data, and every AI output, is appended here with who,
when, what, a hash of the inputs, the model and its version, and the human validation
status. Each row's hash covers its content and the previous row's hash; ``audit_head``
keeps the last sequence number and hash, so editing, deleting or truncating rows is
detected by ``verify``. Appends are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL:
an advisory transaction lock) and happen in the caller's transaction, so an action and
its audit line are committed together or not at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, or_, select, text
from sqlalchemy.orm import Session

from communia.core.db import utcnow
from communia.core.models import AuditEntry, AuditHead

__all__ = [
    "record",
    "verify",
    "hash_inputs",
    "set_validation",
    "VerifyReport",
    "VALIDATION_STATUSES",
    "VALIDATION_LABELS",
    "AuditFilter",
    "commune_entries",
    "entries_csv",
    "actor_label",
    "ACTOR_LABELS",
    "GENESIS",
]

GENESIS = "0" * 64
VALIDATION_STATUSES = ("sans_objet", "a_valider", "valide", "rejete", "modifie")
VALIDATION_LABELS = {
    "sans_objet": "sans objet",
    "a_valider": "à valider",
    "valide": "validé",
    "rejete": "rejeté",
    "modifie": "modifié",
}
#: the actors that are not a person's e-mail, as people read them
ACTOR_LABELS = {
    "systeme": "Communia (automatique)",
    "citoyen": "un usager",
    "cli": "ligne de commande",
}
_PG_LOCK_KEY = 7_411_2024


def actor_label(value: Any) -> str:
    """« Communia (automatique) » for ``systeme``, « ligne de commande (x@y.fr) » for
    ``cli:x@y.fr``; an e-mail as it is."""
    text = str(value)
    kind, _, who = text.partition(":")
    if who and kind in ACTOR_LABELS:
        return f"{ACTOR_LABELS[kind]} ({who})"
    return ACTOR_LABELS.get(text, text)


def hash_inputs(*parts: Any) -> str:
    """Stable SHA-256 of the inputs of an action (text, bytes or JSON-able values)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            h.update(part)
        elif isinstance(part, str):
            h.update(part.encode("utf-8"))
        else:
            h.update(json.dumps(part, sort_keys=True, default=str, ensure_ascii=False).encode())
        h.update(b"\x1f")
    return h.hexdigest()


def _canonical(entry: AuditEntry) -> bytes:
    at: datetime = entry.at
    payload = {
        "seq": entry.seq,
        "at": at.isoformat(timespec="microseconds"),
        "commune_id": entry.commune_id,
        "actor": entry.actor,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "details": entry.details,
        "inputs_hash": entry.inputs_hash,
        "model": entry.model,
        "model_version": entry.model_version,
        "validation_status": entry.validation_status,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()


def _compute_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _lock_head(session: Session) -> AuditHead:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    head = session.get(AuditHead, 1)
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
        session.flush()
    return head


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    commune_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str = "",
    details: dict[str, Any] | None = None,
    inputs_hash: str = "",
    model: str = "",
    model_version: str = "",
    validation_status: str = "sans_objet",
) -> AuditEntry:
    """Append one line to the trail inside the caller's transaction.

    ``actor`` is a user's e-mail, ``"citoyen"``, ``"systeme"`` or ``"cli:<user>"``.
    ``details`` must not hold personal data in clear: pass hashes or pseudonymised text.
    """
    if validation_status not in VALIDATION_STATUSES:
        raise ValueError(f"unknown validation status {validation_status!r}")
    head = _lock_head(session)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=utcnow(),
        commune_id=commune_id,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary,
        details=details or {},
        inputs_hash=inputs_hash,
        model=model,
        model_version=model_version,
        validation_status=validation_status,
        prev_hash=head.hash,
    )
    entry.hash = _compute_hash(entry)
    session.add(entry)
    head.seq, head.hash = entry.seq, entry.hash
    session.flush()
    return entry


def set_validation(
    session: Session, *, entry_seq: int, status: str, actor: str, commune_id: int | None
) -> AuditEntry:
    """A human's decision on an AI output is a new line referring to the original one."""
    return record(
        session,
        actor=actor,
        action="validation",
        commune_id=commune_id,
        object_type="audit",
        object_id=str(entry_seq),
        summary=f"Statut de validation de la ligne n° {entry_seq} : {VALIDATION_LABELS[status]}",
        validation_status=status,
    )


@dataclass
class VerifyReport:
    ok: bool
    checked: int
    problems: list[str]


def verify(session: Session, *, batch: int = 5000) -> VerifyReport:
    """Walk the chain in order and report every broken link, in French."""
    problems: list[str] = []
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            checked += 1
            if entry.seq != expected_seq:
                problems.append(
                    f"Ligne(s) manquante(s) : numéro {expected_seq} attendu, {entry.seq} trouvé."
                )
            if entry.prev_hash != prev_hash:
                problems.append(
                    f"Ligne {entry.seq} : le chaînage avec la ligne précédente est rompu."
                )
            if _compute_hash(entry) != entry.hash:
                problems.append(f"Ligne {entry.seq} : son contenu a été modifié après écriture.")
            prev_hash, expected_seq = entry.hash, entry.seq + 1
            last_id = entry.id
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != expected_seq - 1 or head.hash != prev_hash):
        problems.append(
            f"La fin du journal ne correspond pas au dernier sceau (ligne {head.seq} attendue) : "
            "des lignes finales ont été supprimées ou modifiées."
        )
    return VerifyReport(ok=not problems, checked=checked, problems=problems)


@dataclass(frozen=True)
class AuditFilter:
    """What a person looks for in the trail: AI outputs only, a word of who or what, and
    a range of days (inclusive, in the commune's time zone)."""

    ai_only: bool = False
    text: str = ""
    start: date | None = None
    end: date | None = None


def commune_entries(commune_id: int, flt: AuditFilter = AuditFilter()) -> Select:
    """The commune's lines matching ``flt``, most recent first."""
    from communia.core.communes import PARIS

    query = select(AuditEntry).where(AuditEntry.commune_id == commune_id)
    if flt.ai_only:
        query = query.where(AuditEntry.model != "")
    words = flt.text.strip()
    if words:
        pattern = f"%{words}%"
        query = query.where(
            or_(
                AuditEntry.actor.ilike(pattern),
                AuditEntry.summary.ilike(pattern),
                AuditEntry.action.ilike(pattern),
                AuditEntry.model.ilike(pattern),
            )
        )
    if flt.start is not None:
        query = query.where(AuditEntry.at >= datetime.combine(flt.start, time(), PARIS))
    if flt.end is not None:
        after = datetime.combine(flt.end + timedelta(days=1), time(), PARIS)
        query = query.where(AuditEntry.at < after)
    return query.order_by(AuditEntry.seq.desc())


CSV_FIELDS = (
    "numero",
    "date",
    "qui",
    "action",
    "resume",
    "modele",
    "version_modele",
    "validation_humaine",
    "empreinte_entrees",
    "empreinte",
)


def entries_csv(entries: list[AuditEntry]) -> str:
    """The lines as a CSV a spreadsheet opens (``;``, French dates in the commune's time
    zone); the hashes are kept whole, so an export can be checked against the trail."""
    from communia.core.communes import PARIS

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for e in entries:
        writer.writerow(
            (
                e.seq,
                e.at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S"),
                actor_label(e.actor),
                e.action,
                e.summary,
                e.model,
                e.model_version,
                VALIDATION_LABELS.get(e.validation_status, e.validation_status),
                e.inputs_hash,
                e.hash,
            )
        )
    return buffer.getvalue()
