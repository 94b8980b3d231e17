"""Form parsing shared by the pages (async dependency, so handlers can stay synchronous)."""

from __future__ import annotations

from fastapi import Request

from communia.core.errors import InvalidInput

__all__ = ["form_data", "form_list"]


async def form_data(request: Request) -> dict[str, str]:
    """The submitted form as a dict of strings (last value wins; files are not accepted here)."""
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        raise InvalidInput("Formulaire attendu.")
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def form_list(name: str):
    """Dependency factory: every value of a multi-valued field (checkboxes)."""

    async def _values(request: Request) -> list[str]:
        form = await request.form()
        return [v for v in form.getlist(name) if isinstance(v, str)]

    return _values
