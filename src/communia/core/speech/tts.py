"""Text to speech with the Debian ``espeak-ng`` binary (GPL: called as a program, not linked)."""

from __future__ import annotations

import shutil
import subprocess

from communia.core.errors import InvalidInput, Unavailable

__all__ = ["Synthesizer", "MAX_TTS_CHARS"]

MAX_TTS_CHARS = 2000
ESPEAK_RATE = 22050  # espeak-ng's native output rate


class Synthesizer:
    """French speech from text: ``synthesize(text, sample_rate)`` → mono 16-bit PCM."""

    def __init__(
        self,
        *,
        voice: str = "fr",
        words_per_minute: int = 160,
        pitch: int = 45,
        binary: str = "espeak-ng",
        timeout_s: float = 20.0,
    ) -> None:
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.pitch = pitch
        self.binary = binary
        self.timeout_s = timeout_s

    def available(self) -> bool:
        return shutil.which(self.binary) is not None

    def synthesize(self, text: str, sample_rate: int = 8000) -> bytes:
        from communia.core.speech.audio import resample

        text = " ".join(text.split())
        if not text:
            raise InvalidInput("Aucun texte à prononcer.")
        if len(text) > MAX_TTS_CHARS:
            raise InvalidInput(
                f"Texte trop long pour la synthèse vocale ({MAX_TTS_CHARS} caractères au plus)."
            )
        exe = shutil.which(self.binary)
        if exe is None:
            raise Unavailable("espeak-ng est absent : apt-get install espeak-ng.")
        try:
            # Text goes through stdin, never the command line; ``--`` is not needed then.
            proc = subprocess.run(
                [
                    exe,
                    "-v",
                    self.voice,
                    "-s",
                    str(self.words_per_minute),
                    "-p",
                    str(self.pitch),
                    "--stdout",
                ],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise Unavailable("La synthèse vocale n'a pas répondu à temps.") from exc
        if proc.returncode != 0 or len(proc.stdout) <= 44:
            raise Unavailable(
                "La synthèse vocale a échoué : " + proc.stderr.decode("utf-8", "replace")[:200]
            )
        # espeak-ng writes a streaming WAV whose size fields are bogus (0x7fffffff): find the
        # data chunk and keep everything after it.
        start = proc.stdout.find(b"data", 12)
        pcm = proc.stdout[start + 8 :] if start >= 0 else proc.stdout[44:]
        pcm = pcm[: len(pcm) // 2 * 2]
        return resample(pcm, ESPEAK_RATE, sample_rate)
