"""Jinja templates shared by the core pages and the modules' pages.

Module templates live in ``communia/modules/<name>/templates/<name>/...`` and are found
by the same loader, so every page extends ``base.html``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from communia import __version__
from communia.core.audit import actor_label
from communia.core.formatting import fr_datetime, fr_number, fr_percent, fr_typography
from communia.core.registry import load_modules
from communia.core.users import ROLE_LABELS

__all__ = ["templates", "render", "redirect_with_flash", "csv_download", "FLASH_COOKIE"]

HERE = Path(__file__).parent
FLASH_COOKIE = "communia_flash"


#: what a person reading a page on a phone taps: web addresses, e-mail addresses, French
#: phone numbers, and the official emergency numbers where a text tells to call them
#: (« appelez le 15 », « le 17 pour la police », a line « • 112 : … »), never a bare
#: « 15 » (« le 15 mars »)
_LINKS = re.compile(
    r"(?P<url>https?://[^\s<>\"]*[^\s<>\".,;:!?)»])"
    r"|(?P<mail>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
    r"|(?<![\w+])(?P<phone>0[1-9](?:[ .\u00a0\u202f]?\d{2}){4})(?!\d)"
    r"|(?:(?<=appelez le )|(?<=immédiatement le )|(?<=^• ))"
    r"(?P<short>15|17|18|112|114|115|119|3114|3919)\b"
    r"|(?<=le )(?P<short_for>15|17|18|112|114|115|119|3114|3919)(?= pour| en cas)",
    re.MULTILINE,
)


def links(text: str) -> Markup:
    """``text``, escaped, with what can be tapped or clicked made a link (see ``_LINKS``)."""
    out, last = [], 0
    for match in _LINKS.finditer(text):
        found = match.group(0)
        if match.group("url"):
            link = Markup('<a href="{}" rel="noopener">{}</a>').format(found, found)
        elif match.group("mail"):
            link = Markup('<a href="mailto:{}">{}</a>').format(found, found)
        else:
            digits, unbroken = re.sub(r"\D", "", found), found.replace(" ", "\u00a0")
            link = Markup('<a href="tel:{}">{}</a>').format(digits, unbroken)  # one line
        out += [escape(text[last : match.start()]), link]
        last = match.end()
    return Markup("").join([*out, escape(text[last:])])


@lru_cache(maxsize=1)
def _templates() -> Jinja2Templates:
    import communia.modules

    module_root = Path(communia.modules.__file__).parent
    paths = [HERE / "templates"]
    paths += sorted(p for p in module_root.glob("*/templates") if p.is_dir())
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(p)) for p in paths]),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nombre"] = fr_number
    env.filters["pourcent"] = fr_percent
    env.filters["date_heure"] = fr_datetime
    env.filters["acteur"] = actor_label
    env.filters["liens"] = links
    env.globals["version"] = __version__
    env.globals["role_labels"] = ROLE_LABELS
    return Jinja2Templates(env=env)


class _Proxy:
    def __getattr__(self, name: str) -> Any:
        return getattr(_templates(), name)


templates = _Proxy()


def _nav(actor) -> list[dict[str, str]]:
    if actor is None:
        return []
    items = [{"href": "/app", "label": "Tableau de bord"}]
    for module in load_modules():
        if module.web_router is not None:
            items.append(
                {"href": f"/app/{module.name}", "label": module.nav_label or module.card.title}
            )
    items.append({"href": "/app/taches", "label": "Tâches"})
    items.append({"href": "/app/confidentialite", "label": "Pseudonymiser"})
    items.append({"href": "/app/llm", "label": "Modèle de langage"})
    items.append({"href": "/app/journal", "label": "Journal d'audit"})
    if actor.is_admin:
        items.append({"href": "/app/commune", "label": "Administration"})
    return items


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    """Render a page with the common context (actor, CSRF token, navigation, flash)."""
    actor = getattr(request.state, "actor", None)
    ctx = {
        "actor": actor,
        "csrf_token": actor.csrf_token if actor else "",
        "nav": _nav(actor),
        "flash": unquote(request.cookies.get(FLASH_COOKIE, "")),
        "path": request.url.path,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    # French typography for the whole page (templates and values alike): no-break spaces.
    response.body = fr_typography(response.body.decode("utf-8")).encode("utf-8")
    response.headers["content-length"] = str(len(response.body))
    if ctx["flash"]:
        response.delete_cookie(FLASH_COOKIE)
    return response


def redirect_with_flash(url: str, flash: str = "") -> RedirectResponse:
    """The 303 after a successful form, with an optional one-time confirmation."""
    response = RedirectResponse(url, status_code=303)
    if flash:  # shown once, on the next page
        response.set_cookie(FLASH_COOKIE, quote(flash), max_age=60, httponly=True, samesite="lax")
    return response


def csv_download(text: str, filename: str) -> Response:
    """A CSV file to download for a spreadsheet: UTF-8 with a BOM, which makes Excel read
    the accents."""
    return Response(
        text.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
