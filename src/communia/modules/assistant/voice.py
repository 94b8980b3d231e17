"""Phone entry point used by the core voice bridge (``communia.core.speech``).

``respond(text, commune_slug=..., channel="phone")`` returns the same dictionary as
``communia assistant ask --json``, in process (no new Python process per question).
"""

from __future__ import annotations

from typing import Any

__all__ = ["respond"]


def respond(text: str, *, commune_slug: str, channel: str = "phone") -> dict[str, Any]:
    from communia.modules.assistant.engine import ask

    result = ask(text, commune_slug=commune_slug, channel=channel)
    return {**result.public(), "conversation": result.conversation}
