"""Speech to text with faster-whisper (local Whisper base, int8, CPU).

The model is loaded once per ``Transcriber`` from a *directory* with
``local_files_only=True``: a model name would make faster-whisper try a hub download.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from communia.core.errors import Unavailable

__all__ = ["Transcript", "Transcriber", "collapse_loops"]

MODEL_NAME = "whisper-base (faster-whisper, CTranslate2 int8)"


@dataclass(frozen=True)
class Transcript:
    text: str
    no_speech_prob: float  # highest segment probability that the audio holds no speech
    avg_logprob: float  # mean token log-probability (confidence), 0.0 when no segment
    audio_seconds: float
    speech_seconds: float  # audio kept by the VAD filter


def collapse_loops(text: str, *, max_repeats: int = 3) -> str:
    """Cut Whisper's decoding loops ("de la fin de la fin de la fin...") to one occurrence."""
    words = text.split()
    for n in range(1, 7):
        i, out = 0, []
        while i < len(words):
            gram = words[i : i + n]
            j = i + n
            repeats = 1
            while words[j : j + n] == gram and len(gram) == n:
                repeats += 1
                j += n
            if repeats > max_repeats:
                out += gram
                i = j
            else:
                out.append(words[i])
                i += 1
        words = out
    return " ".join(words)


class Transcriber:
    """Whisper transcriber; thread-safe (one model, calls serialised by a lock)."""

    def __init__(
        self,
        model_dir: Path | str | None = None,
        *,
        language: str = "fr",
        cpu_threads: int = 2,
        compute_type: str = "int8",
        vad: bool = True,
        beam_size: int = 5,
    ) -> None:
        self.model_dir = model_dir
        self.language = language
        self.cpu_threads = cpu_threads
        self.compute_type = compute_type
        self.vad = vad
        self.beam_size = beam_size
        self._model = None
        self._lock = threading.Lock()

    def load(self):
        if self._model is None:
            from communia.core.speech.model import whisper_dir

            path = Path(self.model_dir) if self.model_dir else whisper_dir()
            if not (path / "model.bin").is_file():
                raise Unavailable(
                    f"Modèle de reconnaissance vocale absent ({path}). "
                    "Lancez : communia speech install-model"
                )
            try:
                from faster_whisper import WhisperModel
            except ImportError as exc:
                raise Unavailable(
                    "faster-whisper n'est pas installé : pip install 'communia[speech]'."
                ) from exc
            self._model = WhisperModel(
                str(path),
                device="cpu",
                compute_type=self.compute_type,
                cpu_threads=self.cpu_threads,
                local_files_only=True,
            )
        return self._model

    def transcribe(self, pcm: bytes, sample_rate: int) -> Transcript:
        """Transcribe mono 16-bit PCM at any rate (resampled to 16 kHz)."""
        from communia.core.speech.audio import pcm_to_float, resample

        audio = pcm_to_float(resample(pcm, sample_rate, 16000))
        seconds = len(audio) / 16000
        model = self.load()
        with self._lock:
            segments, info = model.transcribe(
                audio,
                language=self.language,
                temperature=0.0,
                beam_size=self.beam_size,
                vad_filter=self.vad,
                vad_parameters={"min_silence_duration_ms": 500},
                condition_on_previous_text=False,
            )
            segments = list(segments)
        text = collapse_loops(" ".join(s.text.strip() for s in segments).strip())
        kept = getattr(info, "duration_after_vad", None)
        return Transcript(
            text=text,
            no_speech_prob=max((s.no_speech_prob for s in segments), default=1.0),
            avg_logprob=(sum(s.avg_logprob for s in segments) / len(segments)) if segments else 0.0,
            audio_seconds=seconds,
            speech_seconds=float(kept if kept is not None else seconds),
        )
