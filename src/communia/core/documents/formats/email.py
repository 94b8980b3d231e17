"""E-mail messages (.eml, stdlib ``email``): headers, body and attachments (recursing)."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from communia.core.documents.model import Block
from communia.core.documents.pipeline import (
    Context,
    ProtectedDocument,
    UnreadableDocument,
    UnsupportedFormat,
)

__all__ = ["parse_eml"]

_HEADERS = (("From", "De"), ("To", "À"), ("Cc", "Copie"), ("Date", "Date"), ("Subject", "Objet"))


def _body_text(message: EmailMessage) -> str:
    from communia.core.documents.formats.text import html_to_text

    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # unknown or lying charset
        content = part.get_payload(decode=True).decode("latin-1", errors="replace")
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return content


def parse_eml(ctx: Context) -> None:
    message = BytesParser(policy=policy.default).parsebytes(ctx.data)
    if not any(message.get(h) for h, _ in _HEADERS):
        raise UnreadableDocument(
            f"« {ctx.name} » n'est pas un courriel lisible (en-têtes absents)."
        )
    assert ctx.document is not None
    header_lines = []
    for header, label in _HEADERS:
        value = message.get(header)
        if value:
            header_lines.append(f"{label} : {value}")
            ctx.document.metadata[label.lower()] = str(value)
    subject = str(message.get("Subject", "")).strip()
    if subject:
        ctx.blocks.append(Block(text=subject, kind="heading", level=1))
    ctx.blocks.append(Block(text="\n".join(header_lines)))
    body = _body_text(message)
    for paragraph in body.replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            ctx.blocks.append(Block(text=paragraph))
    attachments = list(message.iter_attachments())
    for index, attachment in enumerate(attachments, start=1):
        name = attachment.get_filename() or f"piece-jointe-{index}"
        if attachment.get_content_type() == "message/rfc822":
            inner = attachment.get_payload()
            payload = (inner[0] if isinstance(inner, list) else inner).as_bytes()
            name = attachment.get_filename() or f"message-joint-{index}.eml"
        else:
            payload = attachment.get_payload(decode=True) or b""
        try:
            child = ctx.child(name, payload, part=(index - 1, len(attachments)))
        except (UnreadableDocument, UnsupportedFormat, ProtectedDocument) as exc:
            ctx.warn(f"Pièce jointe « {name} » ignorée : {exc.message}")
            continue
        ctx.add_child(name, child)
