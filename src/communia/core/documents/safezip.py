"""The one safe way to read a ZIP sent by someone: the document reader's archives, the canteen
import and the water telemetry upload all go through it (and :func:`open_gzip`, for the
``.csv.gz`` files the water telemetry keeps compressed).

What it guarantees, whatever the archive's headers say:

- the number of members is bounded (metadata such as ``__MACOSX/`` or ``.DS_Store`` is left
  aside and not counted);
- members are read in chunks, and reading stops one byte past the budget: the real volume
  decompressed is bounded, not the ``file_size`` the header declares;
- a member compressed more than ``max_ratio`` times (beyond a small floor) is a ZIP bomb,
  checked on the declared sizes first and again on the bytes really read;
- a member encrypted with a password, one whose content does not match its header, or whose
  path leaves the folder (``../``, ``/etc``, ``C:``) refuses the archive.

Refusals are ``CommuniaError`` subclasses with French messages that name the archive.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from communia.core.documents.pipeline import ProtectedDocument, UnreadableDocument
from communia.core.errors import TooLarge
from communia.core.formatting import fr_number

__all__ = ["ZipLimits", "SafeZip", "open_gzip", "unzip"]

#: below this many bytes a member may compress a lot without being suspicious
RATIO_FLOOR = 1_000_000
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ZipLimits:
    """What one archive may hold: members, bytes once decompressed, compression ratio."""

    max_members: int
    max_unpacked_bytes: int
    max_ratio: float = 100.0

    @property
    def max_unpacked_mb(self) -> str:
        mb = self.max_unpacked_bytes / (1024 * 1024)
        return fr_number(mb, 0 if mb == int(mb) else 1)


def _skipped(name: str) -> bool:
    """Folders and the metadata that archivers add (macOS, Windows, hidden files)."""
    base = name.rsplit("/", 1)[-1]
    return (
        name.endswith("/")
        or name.startswith("__MACOSX/")
        or base.startswith(".")
        or base == "Thumbs.db"
    )


class SafeZip:
    """A ZIP opened and checked as a whole (count, encryption, paths, declared sizes);
    :meth:`read` then reads one member with a real bound.

    ``unpacked``: bytes already decompressed by the containers of this archive (the document
    reader's nested archives share one budget)."""

    def __init__(
        self, source: bytes | Path, *, name: str, limits: ZipLimits, unpacked: int = 0
    ) -> None:
        self.name = name
        self.limits = limits
        try:
            self._archive = zipfile.ZipFile(
                io.BytesIO(source) if isinstance(source, bytes) else source
            )
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UnreadableDocument(
                f"L'archive « {name} » est illisible : elle est endommagée, tronquée "
                "ou n'est pas au format ZIP."
            ) from exc
        try:
            self.members = [m for m in self._archive.infolist() if not _skipped(m.filename)]
            self.paths = {m.filename: self._safe_path(m.filename) for m in self.members}
            self._check(unpacked)
        except BaseException:
            self._archive.close()
            raise

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self._archive.close()

    def bomb(self, why: str) -> TooLarge:
        return TooLarge(
            f"L'archive « {self.name} » est refusée : {why} (protection contre les bombes ZIP)."
        )

    def too_big(self) -> TooLarge:
        return self.bomb(f"elle se décompresse en plus de {self.limits.max_unpacked_mb} Mo")

    def _safe_path(self, member: str) -> str:
        """The member's path inside the folder, with ``/`` separators; refused if it leaves."""
        parts = [p for p in member.replace("\\", "/").split("/") if p not in ("", ".")]
        if (
            not parts
            or member.startswith(("/", "\\"))
            or ".." in parts
            or ":" in parts[0]
            or "\x00" in member
        ):
            raise UnreadableDocument(
                f"L'archive « {self.name} » est refusée : le chemin « {member} » sort du dossier."
            )
        return "/".join(parts)

    def _check(self, unpacked: int) -> None:
        limits = self.limits
        if len(self.members) > limits.max_members:
            raise self.bomb(
                f"elle contient {len(self.members)} fichiers (limite {limits.max_members})"
            )
        if any(m.flag_bits & 0x1 for m in self.members):
            raise ProtectedDocument(
                f"L'archive « {self.name} » est protégée par un mot de passe : "
                "déposez une archive sans mot de passe."
            )
        # Cheap refusals on what the headers declare; :meth:`read` does not trust them.
        if unpacked + sum(m.file_size for m in self.members) > limits.max_unpacked_bytes:
            raise self.too_big()
        for member in self.members:
            self._check_ratio(member, member.file_size)

    def _check_ratio(self, member: zipfile.ZipInfo, size: int) -> None:
        if size > RATIO_FLOOR and size > self.limits.max_ratio * max(member.compress_size, 1):
            raise self.bomb(
                f"« {member.filename} » est compressé plus de "
                f"{fr_number(self.limits.max_ratio)} fois"
            )

    def read(self, member: zipfile.ZipInfo, *, at_most: int) -> bytes:
        """The member's bytes, read in chunks: at most ``at_most + 1`` of them, so that the
        caller knows it went over, whatever ``file_size`` says. Raises ``TooLarge`` as soon as
        the bytes really read are too compressed, ``UnreadableDocument`` when the content does
        not match the header (CRC, sizes)."""
        chunks: list[bytes] = []
        total = 0
        try:
            with self._archive.open(member) as handle:
                while total <= at_most:
                    chunk = handle.read(min(_CHUNK, at_most + 1 - total))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    total += len(chunk)
                    self._check_ratio(member, total)
        except NotImplementedError as exc:
            raise UnreadableDocument(
                f"« {member.filename} » est compressé d'une façon non prise en charge dans "
                f"l'archive « {self.name} » : recompressez-la en ZIP standard (Deflate)."
            ) from exc
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise UnreadableDocument(
                f"« {member.filename} » est endommagé dans l'archive « {self.name} » "
                "(contenu altéré ou taille annoncée fausse)."
            ) from exc
        return b"".join(chunks)


def unzip(source: bytes | Path, *, name: str, limits: ZipLimits) -> Iterator[tuple[str, bytes]]:
    """Every member of an uploaded archive as ``(path inside the folder, bytes)``, all or
    nothing: any refusal (see the module) is raised before or while reading, and the total
    decompressed stays within ``limits.max_unpacked_bytes``."""
    with SafeZip(source, name=name, limits=limits) as archive:
        left = limits.max_unpacked_bytes
        for member in archive.members:
            data = archive.read(member, at_most=left)
            left -= len(data)
            if left < 0:
                raise archive.too_big()
            yield archive.paths[member.filename], data


class _BoundedGzip(io.RawIOBase):
    """A gzip file's decompressed bytes, refused past ``max_ratio`` times its compressed size."""

    def __init__(self, path: Path, max_ratio: float) -> None:
        self._name = path.name
        self._budget = max(RATIO_FLOOR, int(max_ratio * max(path.stat().st_size, 1)))
        self._max_ratio = max_ratio
        self._seen = 0
        self._inner = gzip.open(path, "rb")  # noqa: SIM115 - closed by close()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._inner.readinto(buffer)
        self._seen += n
        if self._seen > self._budget:
            raise TooLarge(
                f"Le fichier « {self._name} » est refusé : il se décompresse plus de "
                f"{fr_number(self._max_ratio)} fois (protection contre les bombes de "
                "décompression)."
            )
        return n

    def close(self) -> None:
        self._inner.close()
        super().close()


def open_gzip(path: Path, *, max_ratio: float) -> io.BufferedReader:
    """A ``.gz`` file opened for reading, whose decompressed bytes are bounded by ``max_ratio``
    times its size on disk (beyond a small floor): a gzip bomb raises ``TooLarge`` while being
    read instead of filling memory or the disk."""
    return io.BufferedReader(_BoundedGzip(Path(path), max_ratio))
