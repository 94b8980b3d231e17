"""ZIP folders: every member is extracted in turn, with limits against ZIP bombs."""

from __future__ import annotations

import io
import zipfile

from communia.core.documents.pipeline import (
    Context,
    ProtectedDocument,
    UnreadableDocument,
    UnsupportedFormat,
)
from communia.core.errors import TooLarge

__all__ = ["parse_zip"]

_RATIO_FLOOR = 1_000_000  # tiny files may compress a lot without being suspicious


def _bomb(ctx: Context, why: str) -> TooLarge:
    return TooLarge(
        f"L'archive « {ctx.name} » est refusée : {why} (protection contre les bombes ZIP)."
    )


def _skipped(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return (
        name.endswith("/")
        or name.startswith("__MACOSX/")
        or base.startswith(".")
        or base == "Thumbs.db"
    )


def parse_zip(ctx: Context) -> None:
    limits = ctx.limits
    try:
        archive = zipfile.ZipFile(io.BytesIO(ctx.data))
    except zipfile.BadZipFile as exc:
        raise UnreadableDocument(f"L'archive « {ctx.name} » est endommagée ou tronquée.") from exc
    with archive:
        members = [info for info in archive.infolist() if not _skipped(info.filename)]
        if len(members) > limits.max_archive_members:
            raise _bomb(
                ctx, f"elle contient {len(members)} fichiers (limite {limits.max_archive_members})"
            )
        if any(info.flag_bits & 0x1 for info in members):
            raise ProtectedDocument(
                f"L'archive « {ctx.name} » est protégée par un mot de passe : "
                "déposez une archive sans mot de passe."
            )
        declared = sum(info.file_size for info in members)
        if ctx.budget.unpacked + declared > limits.max_unpacked_bytes:
            raise _bomb(ctx, f"elle se décompresse en plus de {limits.max_unpacked_mb:g} Mo")
        for info in members:
            if (
                info.file_size > _RATIO_FLOOR
                and info.file_size > limits.max_compression_ratio * max(info.compress_size, 1)
            ):
                ratio = limits.max_compression_ratio
                raise _bomb(ctx, f"« {info.filename} » est compressé plus de {ratio:g} fois")
        assert ctx.document is not None
        ctx.document.pages = None
        for position, info in enumerate(members):
            if info.file_size > limits.max_file_bytes:
                ctx.warn(f"« {info.filename} » ignoré : plus de {limits.max_file_mb:g} Mo.")
                continue
            # Never trust the declared size: read at most one byte more than the budget.
            remaining = limits.max_unpacked_bytes - ctx.budget.unpacked
            try:
                with archive.open(info) as handle:
                    data = handle.read(min(remaining, limits.max_file_bytes) + 1)
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                ctx.warn(f"« {info.filename} » ignoré : fichier endommagé dans l'archive ({exc}).")
                continue
            ctx.budget.unpacked += len(data)
            if len(data) > remaining:
                raise _bomb(ctx, f"elle se décompresse en plus de {limits.max_unpacked_mb:g} Mo")
            if len(data) > limits.max_file_bytes:
                ctx.warn(f"« {info.filename} » ignoré : plus de {limits.max_file_mb:g} Mo.")
                continue
            try:
                child = ctx.child(info.filename, data, part=(position, len(members)))
            except (UnreadableDocument, UnsupportedFormat, ProtectedDocument) as exc:
                ctx.warn(f"« {info.filename} » ignoré : {exc.message}")
                continue
            ctx.add_child(info.filename, child)
