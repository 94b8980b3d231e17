"""A readable, server-rendered French reference of the JSON API, at ``/api/v1/docs``.

The Swagger UI is disabled because it loads scripts from a CDN; this page is built at
request time from ``app.openapi()`` (the same schema as ``/api/v1/openapi.json``), so it
cannot drift from the routes. No JavaScript: operations, parameters, request bodies (``$ref``
resolved to the component's fields) and response codes are plain HTML tables.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from communia.core.users import Actor
from communia.web.rendering import render
from communia.web.security import UNSAFE, optional_actor, read_only_may_write

__all__ = ["router", "describe_api"]

router = APIRouter(include_in_schema=False)

REF_PREFIX = "#/components/schemas/"
#: FastAPI's validation-error schemas: Communia answers its own French format instead
HIDDEN_SCHEMAS = {"HTTPValidationError", "ValidationError"}
METHOD_ORDER = ("get", "post", "put", "patch", "delete")
_TYPES = {
    "string": "texte",
    "integer": "entier",
    "number": "nombre",
    "boolean": "booléen",
    "object": "objet",
    "null": "null",
}
_FORMATS = {"date": "date (AAAA-MM-JJ)", "date-time": "date et heure (ISO 8601)"}
_LOCATIONS = {"path": "chemin", "query": "requête", "header": "en-tête", "cookie": "cookie"}
_STATUS = {
    "200": "Succès",
    "201": "Créé",
    "202": "Accepté : le travail continue en tâche de fond",
    "204": "Fait, sans contenu en retour",
    "422": "Données invalides (voir « Erreurs »)",
}
#: FastAPI's English defaults, replaced by the French text above
_DEFAULT_RESPONSES = {"Successful Response", "Validation Error"}
_CODE = re.compile(r"``(.+?)``|`(.+?)`", re.S)


def _text_parts(text: str) -> list[tuple[str, bool]]:
    """A docstring paragraph as (text, is_code) pieces: ``x`` and `x` become code."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    for match in _CODE.finditer(text):
        if match.start() > pos:
            parts.append((text[pos : match.start()], False))
        parts.append((match.group(1) or match.group(2), True))
        pos = match.end()
    if pos < len(text):
        parts.append((text[pos:], False))
    return parts


def _paragraphs(text: str) -> list[list[tuple[str, bool]]]:
    blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text or "")]
    return [_text_parts(b) for b in blocks if b]


def _ref_name(ref: str) -> str:
    return ref.removeprefix(REF_PREFIX)


def type_parts(schema: dict[str, Any]) -> list[tuple[str, str | None]]:
    """A schema's type in French as (text, anchor) pieces; a ``$ref`` links to its schema."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return [(name, f"schema-{name}")]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            out: list[tuple[str, str | None]] = []
            # « null accepté » goes with the field's notes: « texte », not « texte ou null »
            branches = [b for b in schema[key] if b.get("type") != "null"] or schema[key]
            for i, sub in enumerate(branches):
                if i:
                    out.append((" ou " if key != "allOf" else " et ", None))
                out += type_parts(sub)
            return out
    if "enum" in schema:
        return [("un de : " + ", ".join(str(v) for v in schema["enum"]), None)]
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return [("liste de ", None), *type_parts(items)] if items else [("liste", None)]
    if isinstance(kind, list):
        return [(" ou ".join(_TYPES.get(k, k) for k in kind), None)]
    if kind == "string" and schema.get("format") in _FORMATS:
        return [(_FORMATS[schema["format"]], None)]
    if kind is None:
        return [("quelconque", None)]
    return [(_TYPES.get(kind, kind), None)]


def _constraints(schema: dict[str, Any]) -> list[str]:
    """Bounds, default and example of a field, read from the schema and its anyOf branches."""
    notes: list[str] = []
    branches = [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]
    for sub in branches:
        if "minimum" in sub:
            notes.append(f"minimum {_fr_value(sub['minimum'])}")
        if "maximum" in sub:
            notes.append(f"maximum {_fr_value(sub['maximum'])}")
        if "minLength" in sub:
            notes.append(f"au moins {_chars(sub['minLength'])}")
        if "maxLength" in sub:
            notes.append(f"au plus {_chars(sub['maxLength'])}")
    if any(sub.get("type") == "null" for sub in branches[1:]):
        notes.append("null accepté")
    if "default" in schema and schema["default"] not in ("", None):
        notes.append(f"par défaut : {_fr_value(schema['default'])}")
    return notes


def _chars(n: int) -> str:
    return f"{n} caractère" + ("s" if n > 1 else "")


def _fr_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _example(schema: dict[str, Any]) -> str:
    examples = schema.get("examples")
    if examples:
        return _fr_value(examples[0])
    return _fr_value(schema["example"]) if "example" in schema else ""


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    """The fields of an object schema (a ``$ref`` is resolved to its component)."""
    if "$ref" in schema:
        schema = components.get(_ref_name(schema["$ref"]), {})
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": type_parts(prop),
            "required": name in required,
            "description": prop.get("description", ""),
            "notes": _constraints(prop),
            "example": _example(prop),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _body(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody")
    if not body:
        return None
    media, content = next(iter(body.get("content", {}).items()), ("application/json", {}))
    schema = content.get("schema", {})
    return {
        "media": media,
        "required": body.get("required", False),
        "type": type_parts(schema),
        "fields": _fields(schema, components),
        "free": "$ref" not in schema and not schema.get("properties"),
    }


def _responses(operation: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for code, response in operation.get("responses", {}).items():
        text = response.get("description", "")
        if not text or text in _DEFAULT_RESPONSES:
            text = _STATUS.get(code, "")
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        shown = schema and not (schema.get("$ref", "").endswith("/HTTPValidationError"))
        out.append({"code": code, "text": text, "type": type_parts(schema) if shown else []})
    return out


def _is_generated_summary(operation: dict[str, Any]) -> bool:
    """FastAPI titles an undocumented route after its function (« Service Create »)."""
    summary = operation.get("summary", "")
    return operation.get("operationId", "").startswith(summary.lower().replace(" ", "_") + "_")


def _operation(path: str, method: str, op: dict[str, Any], components: dict) -> dict[str, Any]:
    paragraphs = _paragraphs(op.get("description", ""))
    title = [] if _is_generated_summary(op) else _text_parts(op.get("summary", ""))
    if not title and paragraphs:
        title = paragraphs.pop(0)
    params = [
        {
            "name": p["name"],
            "where": _LOCATIONS.get(p.get("in", ""), p.get("in", "")),
            "type": type_parts(p.get("schema", {})),
            "required": p.get("required", False),
            "description": p.get("description", p.get("schema", {}).get("description", "")),
            "notes": _constraints(p.get("schema", {})),
        }
        for p in op.get("parameters", [])
    ]
    return {
        "anchor": op.get("operationId", f"{method}-{path}"),
        "method": method.upper(),
        "path": path,
        "title": title,
        "paragraphs": paragraphs,
        "parameters": params,
        "body": _body(op, components),
        "responses": _responses(op),
        # the one place that decides it (``deny_read_only_writes``), so the page cannot drift
        "read_only_may_write": method.upper() in UNSAFE and read_only_may_write(path),
    }


def _anchor(tag: str) -> str:
    """« données personnelles » → ``groupe-donnees-personnelles`` (plain ASCII address)."""
    ascii_tag = unicodedata.normalize("NFKD", tag).encode("ascii", "ignore").decode()
    return "groupe-" + re.sub(r"[^a-z0-9]+", "-", ascii_tag.lower()).strip("-")


def describe_api(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI schema as the page shows it: operations grouped by their first tag
    (in the schema's order), then every component schema with its fields."""
    components = schema.get("components", {}).get("schemas", {})
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHOD_ORDER:
            if method in item:
                op = item[method]
                tag = (op.get("tags") or ["autres"])[0]
                groups.setdefault(tag, []).append(_operation(path, method, op, components))
    return {
        "info": schema.get("info", {}),
        "groups": [
            {
                "name": name[:1].upper() + name[1:],
                "anchor": _anchor(name),
                "ops": ops,
            }
            for name, ops in groups.items()
        ],
        "schemas": [
            # component docstrings are code documentation (English): fields only
            {"name": name, "fields": _fields(s, components)}
            for name, s in sorted(components.items())
            if name not in HIDDEN_SCHEMAS
        ],
    }


@router.get("/api/v1/docs", response_class=HTMLResponse)
def api_docs(request: Request, actor: Actor | None = Depends(optional_actor)):
    """Public like ``/api/v1/openapi.json``: the page documents, it grants nothing."""
    api = describe_api(request.app.openapi())
    base = str(request.base_url).rstrip("/")
    return render(request, "api_docs.html", {"api": api, "base": base})
