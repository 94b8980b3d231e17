"""Fixtures of the voice tests: the real Whisper model, espeak-ng and a test responder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
QUESTION_WAV = FIXTURES / "question_fr_8k.wav"
QUESTION_TEXT = "Sous le consulat il devient conservateur des eaux et forêts et conseiller général."


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


class RecordingResponder:
    """Stands in for the assistant: answers from the question with a cited link."""

    def __init__(
        self, *, fail: bool = False, emergency: dict | None = None, answer: str | None = None
    ) -> None:
        self.calls: list[dict] = []
        self.answer = answer
        self.fail = fail
        self.emergency = emergency

    def __call__(self, text: str, *, commune_slug: str, channel: str) -> dict:
        self.calls.append({"text": text, "commune_slug": commune_slug, "channel": channel})
        if self.fail:
            raise RuntimeError("assistant down")
        return {
            "answer": self.answer
            or (
                "Le service des archives municipales vous renseigne au 01 23 45 67 89. "
                "Voir https://www.service-public.fr/particuliers/vosdroits/F1234 pour le détail."
            ),
            "sources": [
                {
                    "id": "F1234",
                    "title": "Archives",
                    "url": "https://www.service-public.fr/particuliers/vosdroits/F1234",
                }
            ],
            "service": "archives",
            "emergency": self.emergency,
            "action": "emergency" if self.emergency else "route",
            "confidence": 0.8,
        }


@pytest.fixture
def commune_a(database):
    """One commune, ``ville-a`` (cheaper than ``two_communes``: no password hashing)."""
    from communia.core.communes import create_commune
    from communia.core.db import write_session

    with write_session() as s:
        commune = create_commune(s, slug="ville-a", name="Ville-A", by="test")
        s.flush()
        return commune.id


@pytest.fixture
def responder():
    return RecordingResponder()


class FakeTranscriber:
    """For the fast protocol tests only: returns a fixed transcript."""

    def __init__(self, text: str = "Quels sont les horaires de la mairie ?") -> None:
        self.text = text
        self.calls = 0

    def load(self):
        return self

    def transcribe(self, pcm: bytes, sample_rate: int):
        from communia.core.speech.stt import Transcript

        self.calls += 1
        return Transcript(
            self.text, 0.01, -0.2, len(pcm) / 2 / sample_rate, len(pcm) / 2 / sample_rate
        )


def words(text: str) -> list[str]:
    import re
    import unicodedata

    text = unicodedata.normalize("NFC", text.lower())
    return re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ]+", text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)] / max(1, len(ref))
