"""The typed result of an extraction: a ``Document`` made of ``Block`` objects.

A block keeps where its text came from (container path, page, line or row, section
heading path) so that later answers can cite "annexe.pdf, page 4, § 2.3".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Block", "BlockKind", "Document", "FORMAT_VERSION"]

FORMAT_VERSION = 1
BlockKind = Literal["paragraph", "heading", "table"]


@dataclass(frozen=True)
class Block:
    """One unit of text with its position.

    - ``page``: 1-based page number (PDF, images, DOCX with page breaks), ``None`` for
      flow documents without pages.
    - ``line``: 1-based first line (text, CSV) or first table row (spreadsheets).
    - ``section``: heading path from the outermost heading, e.g.
      ``("2 Objet du marché", "2.3 Durée")``.
    - ``section_number``: the deepest numbered heading of that path (``"2.3"``) or ``""``.
    - ``level``: outline level of a heading block (0 for other kinds).
    - ``rows``: the cells of a table block, header first.
    - ``source``: path inside a container (``"dossier.zip/annexe.pdf"``); ``""`` at top level.
    - ``ocr``: the text comes from optical character recognition.
    """

    text: str
    kind: BlockKind = "paragraph"
    page: int | None = None
    line: int | None = None
    section: tuple[str, ...] = ()
    section_number: str = ""
    level: int = 0
    rows: tuple[tuple[str, ...], ...] = ()
    source: str = ""
    ocr: bool = False

    def citation(self) -> str:
        """Where this block is, in French: ``annexe.pdf, page 4, § 2.3``."""
        parts = []
        if self.source:
            parts.append(self.source)
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.section_number[:1].isdigit():
            parts.append(f"§ {self.section_number}")
        elif self.section_number:
            parts.append(self.section_number.lower())
        elif self.section:
            parts.append(f"« {self.section[-1][:80]} »")
        if self.line is not None:
            parts.append(f"ligne {self.line}")
        return ", ".join(parts) or "début du document"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["section"] = list(self.section)
        data["rows"] = [list(r) for r in self.rows]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        values = dict(data)
        values["section"] = tuple(values.get("section", ()))
        values["rows"] = tuple(tuple(r) for r in values.get("rows", ()))
        return cls(**values)


@dataclass
class Document:
    """What ``extract`` returns: text blocks in reading order plus facts about the file."""

    name: str
    format: str
    size: int
    sha256: str
    blocks: list[Block] = field(default_factory=list)
    pages: int | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # French, shown to the agent
    parts: list[str] = field(default_factory=list)  # attachments / archive members read
    ocr_pages: int = 0

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks if b.text)

    def headings(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "heading"]

    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "table"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "format": self.format,
            "size": self.size,
            "sha256": self.sha256,
            "pages": self.pages,
            "metadata": dict(self.metadata),
            "warnings": list(self.warnings),
            "parts": list(self.parts),
            "ocr_pages": self.ocr_pages,
            "blocks": [b.to_dict() for b in self.blocks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        if data.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"unsupported document format version {data.get('format_version')!r}")
        return cls(
            name=data["name"],
            format=data["format"],
            size=data["size"],
            sha256=data["sha256"],
            pages=data.get("pages"),
            metadata=dict(data.get("metadata", {})),
            warnings=list(data.get("warnings", [])),
            parts=list(data.get("parts", [])),
            ocr_pages=data.get("ocr_pages", 0),
            blocks=[Block.from_dict(b) for b in data.get("blocks", [])],
        )

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_json(cls, text: str) -> Document:
        return cls.from_dict(json.loads(text))
