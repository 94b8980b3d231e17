"""Personal-data protection: detect French personal data, pseudonymise, re-identify.

Light to import (no spaCy at import time). Typical use, by the LLM gateway::

    from communia.core.privacy import pseudonymise, reidentify
    text_out, mapping_id = pseudonymise(text, commune_id=c, session=s)
    ...
    answer = reidentify(answer, mapping_id, commune_id=c, session=s, role="systeme")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names -> submodule. Resolved on first access (PEP 562), so that importing
# ``communia.core.privacy.cli`` for ``communia --help`` loads neither SQLAlchemy nor spaCy.
_EXPORTS = {
    "AliasTable": "aliases",
    "MAX_CHARS": "pipeline",
    "ScanResult": "pipeline",
    "detect": "pipeline",
    "ensure_text": "pipeline",
    "scan": "pipeline",
    "ALIAS_PREFIX": "entities",
    "ENTITY_TYPES": "entities",
    "LABELS": "entities",
    "Entity": "entities",
    "GatewayPseudonymiser": "gateway",
    "gateway_pseudonymiser": "gateway",
    "NerStatus": "ner",
    "ner_status": "ner",
    "REIDENTIFY_ROLES": "store",
    "PseudonymisationResult": "store",
    "check_role": "store",
    "load_alias_table": "store",
    "pseudonymise": "store",
    "pseudonymise_detailed": "store",
    "purge_mappings": "store",
    "reidentify": "store",
    "store_alias_table": "store",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from communia.core.privacy.aliases import AliasTable
    from communia.core.privacy.entities import ALIAS_PREFIX, ENTITY_TYPES, LABELS, Entity
    from communia.core.privacy.gateway import GatewayPseudonymiser, gateway_pseudonymiser
    from communia.core.privacy.ner import NerStatus, ner_status
    from communia.core.privacy.pipeline import MAX_CHARS, ScanResult, detect, ensure_text, scan
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'communia.core.privacy' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"communia.core.privacy.{module}"), name)
    globals()[name] = value
    return value


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
