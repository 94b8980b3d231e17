"""ZIP folders: every member is extracted in turn, within the limits of the safe ZIP reader
(:mod:`communia.core.documents.safezip`) and one volume budget shared by all nesting levels."""

from __future__ import annotations

from communia.core.documents.pipeline import (
    Context,
    ProtectedDocument,
    UnreadableDocument,
    UnsupportedFormat,
)
from communia.core.documents.safezip import SafeZip, ZipLimits

__all__ = ["parse_zip"]


def parse_zip(ctx: Context) -> None:
    limits = ctx.limits
    zip_limits = ZipLimits(
        max_members=limits.max_archive_members,
        max_unpacked_bytes=limits.max_unpacked_bytes,
        max_ratio=limits.max_compression_ratio,
    )
    with SafeZip(ctx.data, name=ctx.name, limits=zip_limits, unpacked=ctx.budget.unpacked) as zf:
        members = zf.members
        assert ctx.document is not None
        ctx.document.pages = None
        for position, info in enumerate(members):
            if info.file_size > limits.max_file_bytes:
                ctx.warn(f"« {info.filename} » ignoré : plus de {limits.max_file_mb:g} Mo.")
                continue
            remaining = limits.max_unpacked_bytes - ctx.budget.unpacked
            try:
                data = zf.read(info, at_most=min(remaining, limits.max_file_bytes))
            except UnreadableDocument as exc:
                ctx.warn(f"« {info.filename} » ignoré : {exc.message}")
                continue
            ctx.budget.unpacked += len(data)
            if len(data) > remaining:
                raise zf.too_big()
            if len(data) > limits.max_file_bytes:
                ctx.warn(f"« {info.filename} » ignoré : plus de {limits.max_file_mb:g} Mo.")
                continue
            try:
                child = ctx.child(info.filename, data, part=(position, len(members)))
            except (UnreadableDocument, UnsupportedFormat, ProtectedDocument) as exc:
                ctx.warn(f"« {info.filename} » ignoré : {exc.message}")
                continue
            ctx.add_child(info.filename, child)
