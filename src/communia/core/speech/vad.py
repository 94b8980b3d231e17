"""End-of-utterance detection on a live stream of 20 ms frames (energy, adaptive floor).

Cheap enough to run per frame in the event loop. Whisper's own (Silero) VAD runs again
inside the transcriber; this one only decides *when* the caller has finished speaking.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from communia.core.speech.audio import rms_dbfs

__all__ = ["Endpointer", "Utterance"]


@dataclass(frozen=True)
class Utterance:
    kind: str  # "speech" (the caller spoke then stopped) or "no_input" (nothing heard)
    pcm: bytes
    speech_ms: int


class Endpointer:
    """Feed frames with ``feed``; it returns an ``Utterance`` when one is complete."""

    def __init__(
        self,
        sample_rate: int = 8000,
        *,
        frame_ms: int = 20,
        min_level_db: float = -45.0,  # quieter than this is never speech
        above_floor_db: float = 10.0,  # speech is this much above the noise floor
        start_ms: int = 60,  # voiced time needed to start an utterance
        min_speech_ms: int = 200,  # shorter bursts (clicks) are dropped
        end_silence_ms: int = 700,  # silence that ends an utterance
        max_utterance_ms: int = 20000,
        no_input_ms: int = 7000,
        preroll_ms: int = 300,
        floor_window_ms: int = 2000,
    ) -> None:
        self.sample_rate = sample_rate
        self.frame_ms = frame_ms
        self.min_level_db = min_level_db
        self.above_floor_db = above_floor_db
        self.start_frames = max(1, start_ms // frame_ms)
        self.min_speech_frames = max(1, min_speech_ms // frame_ms)
        self.end_frames = max(1, end_silence_ms // frame_ms)
        self.max_frames = max_utterance_ms // frame_ms
        self.no_input_frames = no_input_ms // frame_ms
        self.preroll_frames = preroll_ms // frame_ms
        self._levels: deque[float] = deque(maxlen=max(1, floor_window_ms // frame_ms))
        self.reset()

    def reset(self) -> None:
        self._pre: deque[bytes] = deque(maxlen=self.preroll_frames + self.start_frames)
        self._buf: list[bytes] = []
        self._in_speech = False
        self._voiced_run = 0
        self._voiced_total = 0
        self._silence_run = 0
        self._idle = 0

    def hold(self) -> None:
        """Restart the no-input timer (while the caller listens to us)."""
        self._idle = 0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def is_voiced(self, level: float) -> bool:
        floor = min(self._levels) if self._levels else -90.0
        return level > max(self.min_level_db, floor + self.above_floor_db)

    def feed(self, frame: bytes) -> Utterance | None:
        level = rms_dbfs(frame)
        voiced = self.is_voiced(level)
        self._levels.append(max(level, -90.0))
        if not self._in_speech:
            self._pre.append(frame)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            self._idle += 1
            if self._voiced_run >= self.start_frames:
                self._in_speech = True
                self._buf = list(self._pre)
                self._voiced_total = self._voiced_run
                self._silence_run = 0
            elif self._idle >= self.no_input_frames:
                pcm = b"".join(self._pre)
                self.reset()
                return Utterance("no_input", pcm, 0)
            return None
        self._buf.append(frame)
        if voiced:
            self._voiced_total += 1
            self._silence_run = 0
        else:
            self._silence_run += 1
        if self._silence_run >= self.end_frames or len(self._buf) >= self.max_frames:
            voiced_ms = self._voiced_total * self.frame_ms
            pcm = b"".join(self._buf)
            self.reset()
            if voiced_ms < self.min_speech_frames * self.frame_ms:
                return None  # a click or a cough: keep listening
            return Utterance("speech", pcm, voiced_ms)
        return None
