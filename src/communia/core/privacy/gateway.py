"""Pseudonymiser for the LLM gateway (``communia.core.llm`` looks up ``gateway_pseudonymiser``).

It implements the gateway's two-call protocol: ``pseudonymise(text) -> (text, token)`` and
``reidentify(text, token) -> text``. By default the token is the in-memory alias table of
that one request: nothing is stored, and the mapping disappears with the request. With
``commune_id`` and a ``session``, the table is stored encrypted instead (token = mapping id),
for exchanges that must be re-identified later (the agent reads the answer tomorrow).

Structural marker lines fenced by ``§§§`` (the gateway joins messages with one) are kept
verbatim and never analysed, so the gateway can split the result back into messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from communia.core.privacy.aliases import AliasTable
from communia.core.privacy.pipeline import scan

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy.orm import Session

__all__ = ["GatewayPseudonymiser", "gateway_pseudonymiser"]

_MARKER = re.compile(r"(\n*§§§[^\n§]{1,80}§§§\n*)")


@dataclass
class GatewayPseudonymiser:
    use_ner: bool = True
    commune_id: int | None = None
    session: Session | None = None
    actor: str = "systeme:llm"

    def _replace(self, text: str, table: AliasTable) -> str:
        out = []
        for i, part in enumerate(_MARKER.split(text)):
            if i % 2 == 1:  # a marker (capturing group of the split)
                out.append(part)
            else:
                out.append(table.replace(part, scan(part, use_ner=self.use_ner).entities))
        return "".join(out)

    def pseudonymise(self, text: str) -> tuple[str, Any]:
        table = AliasTable()
        masked = self._replace(text, table)
        if self.session is None or self.commune_id is None:
            return masked, table
        from communia.core.privacy.store import store_alias_table

        mapping_id = store_alias_table(
            self.session, table, commune_id=self.commune_id, actor=self.actor, source=text
        )
        return masked, mapping_id

    def reidentify(self, text: str, token: Any) -> str:
        if isinstance(token, AliasTable):
            return token.restore(text)
        if self.session is None or self.commune_id is None:
            raise ValueError("a stored mapping needs the session and commune it was made with")
        from communia.core.privacy.store import load_alias_table

        table = load_alias_table(self.session, token, commune_id=self.commune_id, role="systeme")
        return table.restore(text)


def gateway_pseudonymiser(
    *, use_ner: bool = True, commune_id: int | None = None, session: Session | None = None
) -> GatewayPseudonymiser:
    """The pseudonymiser of the LLM gateway (spaCy + rules; rules alone without the extra)."""
    return GatewayPseudonymiser(use_ner=use_ner, commune_id=commune_id, session=session)
