"""Pseudonymise with a stored, encrypted alias table; re-identify for authorised roles.

Keys: one AES-256-GCM key per commune, derived with HKDF-SHA256 from ``settings.secret_key``
(so changing the secret makes old tables unreadable: a clear error, never garbage). The
associated data binds each ciphertext to its row id and commune.

These are the functions the LLM gateway calls::

    text_out, mapping_id = pseudonymise(text, commune_id=c, session=s)
    answer = reidentify(llm_answer, mapping_id, commune_id=c, session=s, role="systeme")
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from communia.core.audit import hash_inputs, record
from communia.core.errors import (
    ConfigurationError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from communia.core.privacy.aliases import AliasTable
from communia.core.privacy.models import PrivacyMapping
from communia.core.privacy.pipeline import scan

__all__ = [
    "REIDENTIFY_ROLES",
    "PseudonymisationResult",
    "pseudonymise",
    "pseudonymise_detailed",
    "reidentify",
    "load_alias_table",
    "store_alias_table",
    "purge_mappings",
    "check_role",
]

# Who may turn aliases back into names: the commune's agents and administrators, and
# in-process services ("systeme", e.g. the LLM gateway re-identifying its own answer; no
# user account can hold this role). Elected officials ("elu") cannot.
REIDENTIFY_ROLES: frozenset[str] = frozenset({"admin", "agent", "systeme"})
_KEY_VERSION = 1
_SALT = b"communia/privacy/alias-table/v1"


@dataclass
class PseudonymisationResult:
    text: str
    mapping_id: str | None
    counts: dict[str, int]
    ner_used: bool
    ner_model: str = ""
    warnings: list[str] = field(default_factory=list)


def _key(commune_id: int) -> bytes:
    try:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise Unavailable(
            "Le chiffrement des tables de correspondance demande le paquet « cryptography » : "
            "installez l'extra « privacy » (pip install 'communia[privacy]')."
        ) from exc

    from communia.core.settings import PLACEHOLDER_SECRET, get_settings

    settings = get_settings()
    if settings.env == "production" and settings.secret_key == PLACEHOLDER_SECRET:
        raise ConfigurationError(
            "Le secret de l'instance n'est pas configuré (COMMUNIA_SECRET_KEY) : "
            "impossible de chiffrer les tables de correspondance."
        )
    hkdf = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=_SALT, info=f"commune:{commune_id}".encode()
    )
    return hkdf.derive(settings.secret_key.encode("utf-8"))


def _aad(mapping_id: str, commune_id: int) -> bytes:
    return f"privacy_mappings:{mapping_id}:{commune_id}".encode()


def _seal(table: AliasTable, mapping_id: str, commune_id: int) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(12)
    plaintext = json.dumps(table.to_json(), ensure_ascii=False).encode("utf-8")
    return nonce + AESGCM(_key(commune_id)).encrypt(nonce, plaintext, _aad(mapping_id, commune_id))


def _open(row: PrivacyMapping) -> AliasTable:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    blob = bytes(row.ciphertext)
    try:
        plaintext = AESGCM(_key(row.commune_id)).decrypt(
            blob[:12], blob[12:], _aad(row.id, row.commune_id)
        )
    except InvalidTag as exc:
        raise ConfigurationError(
            "La table de correspondance ne peut pas être déchiffrée : le secret de l'instance a "
            "changé ou la table a été altérée. Les textes pseudonymisés avec elle ne sont plus "
            "ré-identifiables."
        ) from exc
    return AliasTable.from_json(json.loads(plaintext))


def check_role(role: str) -> None:
    if role not in REIDENTIFY_ROLES:
        raise PermissionDenied(
            "Votre rôle ne permet pas de ré-identifier un texte pseudonymisé "
            "(réservé au personnel et à l'administration de la commune)."
        )


def _get_row(session: Session, mapping_id: str, commune_id: int) -> PrivacyMapping:
    if not isinstance(mapping_id, str) or not mapping_id.isalnum():
        raise InvalidInput("Identifiant de table de correspondance invalide.")
    row = session.scalar(
        select(PrivacyMapping).where(
            PrivacyMapping.id == mapping_id, PrivacyMapping.commune_id == commune_id
        )
    )
    if row is None:
        raise NotFound(
            "Cette table de correspondance n'existe pas ou n'appartient pas à votre commune."
        )
    return row


def _save(
    session: Session, table: AliasTable, *, row: PrivacyMapping | None, commune_id: int, actor: str
) -> PrivacyMapping:
    if row is None:
        row = PrivacyMapping(id=secrets.token_hex(16), commune_id=commune_id, created_by=actor)
        session.add(row)
    row.key_version = _KEY_VERSION
    row.counts = table.counts()
    row.ciphertext = _seal(table, row.id, commune_id)
    session.flush()
    return row


def store_alias_table(
    session: Session, table: AliasTable, *, commune_id: int, actor: str, source: str = ""
) -> str:
    """Store an alias table built elsewhere (the LLM gateway's); returns its mapping id."""
    row = _save(session, table, row=None, commune_id=commune_id, actor=actor)
    record(
        session,
        actor=actor,
        action="privacy.pseudonymisation",
        commune_id=commune_id,
        object_type="privacy_mapping",
        object_id=row.id,
        summary=f"Pseudonymisation : {sum(table.counts().values())} valeur(s) remplacée(s)",
        details={"counts": table.counts()},
        inputs_hash=hash_inputs(source) if source else "",
    )
    return row.id


def pseudonymise_detailed(
    text: str | bytes,
    *,
    commune_id: int | None,
    session: Session | None,
    mapping_id: str | None = None,
    actor: str = "systeme",
    use_ner: bool = True,
    encoding: str | None = None,
) -> PseudonymisationResult:
    """Replace personal data by aliases; store the encrypted table when a session is given.

    With ``mapping_id``, the existing table is extended (same aliases across the turns of a
    conversation). Without ``session``, nothing is stored: the result cannot be reversed.
    The row and its audit line are added to the caller's transaction (flushed, not committed).
    """
    result = scan(text, use_ner=use_ner, encoding=encoding)
    source = text if isinstance(text, str) else text.decode(encoding or "utf-8-sig")
    row: PrivacyMapping | None = None
    if session is not None:
        if commune_id is None:
            raise InvalidInput(
                "La commune est requise pour enregistrer la table de correspondance."
            )
        if mapping_id is not None:
            row = _get_row(session, mapping_id, commune_id)
            table = _open(row)
        else:
            table = AliasTable()
    else:
        table = AliasTable()
    out = table.replace(source, result.entities)
    if session is not None:
        assert commune_id is not None
        row = _save(session, table, row=row, commune_id=commune_id, actor=actor)
        record(
            session,
            actor=actor,
            action="privacy.pseudonymisation",
            commune_id=commune_id,
            object_type="privacy_mapping",
            object_id=row.id,
            summary=(
                f"Pseudonymisation : {len(result.entities)} donnée(s) personnelle(s) remplacée(s)"
            ),
            details={"counts": result.counts(), "ner": result.ner_model or "règles seules"},
            inputs_hash=hash_inputs(source),
            model=result.ner_model or "règles",
        )
    return PseudonymisationResult(
        text=out,
        mapping_id=row.id if row is not None else None,
        counts=result.counts(),
        ner_used=result.ner_used,
        ner_model=result.ner_model,
        warnings=result.warnings,
    )


def pseudonymise(
    text: str, *, commune_id: int, session: Session, mapping_id: str | None = None, **kwargs
) -> tuple[str, str]:
    """``(pseudonymised text, mapping id)``; the encrypted table is added to ``session``."""
    res = pseudonymise_detailed(
        text, commune_id=commune_id, session=session, mapping_id=mapping_id, **kwargs
    )
    assert res.mapping_id is not None
    return res.text, res.mapping_id


def load_alias_table(
    session: Session, mapping_id: str, *, commune_id: int, role: str
) -> AliasTable:
    """The decrypted table (authorised roles only)."""
    check_role(role)
    return _open(_get_row(session, mapping_id, commune_id))


def reidentify(
    text: str,
    mapping_id: str,
    *,
    commune_id: int,
    session: Session,
    role: str,
    actor: str = "systeme",
) -> str:
    """Put the original values back in place of the aliases (authorised roles only)."""
    if not isinstance(text, str):
        raise InvalidInput("Le texte à ré-identifier doit être une chaîne de caractères.")
    table = load_alias_table(session, mapping_id, commune_id=commune_id, role=role)
    restored = table.restore(text)
    record(
        session,
        actor=actor,
        action="privacy.reidentification",
        commune_id=commune_id,
        object_type="privacy_mapping",
        object_id=mapping_id,
        summary=(
            f"Ré-identification ({len(table.aliases_in(text))} alias remplacé(s)) "
            f"par le rôle {role}"
        ),
        inputs_hash=hash_inputs(text),
    )
    return restored


def purge_mappings(
    session: Session, *, commune_id: int, older_than_days: float, actor: str = "systeme"
) -> int:
    """Delete the commune's alias tables older than ``older_than_days`` (data minimisation).

    Texts pseudonymised with them can no longer be re-identified. Returns how many went.
    """
    from datetime import timedelta

    from sqlalchemy import delete

    from communia.core.db import utcnow

    if older_than_days < 0:
        raise InvalidInput("La durée de conservation doit être positive.")
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = session.execute(
        delete(PrivacyMapping).where(
            PrivacyMapping.commune_id == commune_id, PrivacyMapping.updated_at < cutoff
        )
    )
    count = result.rowcount or 0
    record(
        session,
        actor=actor,
        action="privacy.purge",
        commune_id=commune_id,
        object_type="privacy_mapping",
        summary=(
            f"Suppression de {count} table(s) de correspondance "
            f"de plus de {older_than_days:g} jours"
        ),
    )
    return count
