"""Phone entry point used by the core voice bridge (``communia.core.speech``).

``respond(text, commune_slug=..., channel="phone")`` returns the same dictionary as
``communia assistant ask --json``, in process (no new Python process per question), plus
``conversation`` and, when the assistant routes the caller to a service that is open now
(action ``route``, decided with the service's office hours) and has a phone number,
``transfer: {"service", "number"}``: the SIP bridge then transfers the call (REFER). Out of
hours the action is ``ticket`` (the service calls back) and nothing is transferred.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

__all__ = ["respond"]


def respond(text: str, *, commune_slug: str, channel: str = "phone") -> dict[str, Any]:
    from communia.core.db import read_session
    from communia.core.models import Commune, Service
    from communia.modules.assistant.engine import ask

    result = ask(text, commune_slug=commune_slug, channel=channel)
    out = {**result.public(), "conversation": result.conversation}
    if result.action == "route" and result.service_slug:
        with read_session() as s:
            phone = s.scalar(
                select(Service.phone)
                .join(Commune, Commune.id == Service.commune_id)
                .where(Commune.slug == commune_slug, Service.slug == result.service_slug)
            )
        if phone:
            out["transfer"] = {"service": result.service, "number": phone}
    return out
