"""Personal-data protection: detect French personal data, pseudonymise, re-identify.

Light to import (no spaCy at import time). Typical use, by the LLM gateway::

    from communia.core.privacy import pseudonymise, reidentify
    text_out, mapping_id = pseudonymise(text, commune_id=c, session=s)
    ...
    answer = reidentify(answer, mapping_id, commune_id=c, session=s, role="systeme")
"""

from __future__ import annotations

from communia.core.privacy.aliases import AliasTable
from communia.core.privacy.detect import MAX_CHARS, ScanResult, detect, ensure_text, scan
from communia.core.privacy.entities import ALIAS_PREFIX, ENTITY_TYPES, LABELS, Entity
from communia.core.privacy.gateway import GatewayPseudonymiser, gateway_pseudonymiser
from communia.core.privacy.ner import NerStatus, ner_status
from communia.core.privacy.store import (
    REIDENTIFY_ROLES,
    PseudonymisationResult,
    check_role,
    load_alias_table,
    pseudonymise,
    pseudonymise_detailed,
    purge_mappings,
    reidentify,
    store_alias_table,
)

__all__ = [
    "ALIAS_PREFIX",
    "ENTITY_TYPES",
    "LABELS",
    "MAX_CHARS",
    "REIDENTIFY_ROLES",
    "AliasTable",
    "Entity",
    "GatewayPseudonymiser",
    "NerStatus",
    "PseudonymisationResult",
    "ScanResult",
    "check_role",
    "detect",
    "ensure_text",
    "gateway_pseudonymiser",
    "load_alias_table",
    "ner_status",
    "pseudonymise",
    "pseudonymise_detailed",
    "purge_mappings",
    "reidentify",
    "scan",
    "store_alias_table",
]
