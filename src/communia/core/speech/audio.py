"""Audio primitives: 16-bit PCM, WAV files, resampling, G.711 μ-law, energy.

One unit system inside: mono signed 16-bit little-endian PCM (``bytes``) or float32
arrays in [-1, 1]; sample rates in Hz. Conversions happen only at the edges (WAV files,
RTP payloads, the speech model). NumPy is imported inside functions.
"""

from __future__ import annotations

import array
import io
import math
import sys
import wave
from pathlib import Path

from communia.core.errors import InvalidInput

__all__ = [
    "read_wav",
    "write_wav",
    "wav_bytes",
    "resample",
    "pcm_to_float",
    "float_to_pcm",
    "ulaw_encode",
    "ulaw_decode",
    "rms_dbfs",
    "frames",
]

MAX_SECONDS = 600  # a single recording longer than 10 minutes is refused


def read_wav(source: str | Path | bytes) -> tuple[bytes, int]:
    """Read a mono or stereo WAV (8/16/24/32-bit PCM) → (mono 16-bit PCM, sample rate)."""
    import numpy as np

    try:
        handle = wave.open(  # noqa: SIM115 - closed by the ``with`` below
            io.BytesIO(source) if isinstance(source, bytes) else str(source), "rb"
        )
    except (wave.Error, EOFError, OSError) as exc:
        raise InvalidInput(
            f"Fichier audio illisible : {exc}. Un fichier WAV PCM est attendu."
        ) from exc
    with handle:
        channels, width, rate = handle.getnchannels(), handle.getsampwidth(), handle.getframerate()
        if handle.getnframes() > rate * MAX_SECONDS:
            raise InvalidInput("Enregistrement trop long (10 minutes au plus).")
        raw = handle.readframes(handle.getnframes())
    if width == 1:
        data = (np.frombuffer(raw, np.uint8).astype(np.int32) - 128) << 8
    elif width == 2:
        data = np.frombuffer(raw, "<i2").astype(np.int32)
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        data = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 16
    elif width == 4:
        data = np.frombuffer(raw, "<i4").astype(np.int64) >> 16
    else:  # pragma: no cover - wave refuses other widths
        raise InvalidInput("Format audio non pris en charge.")
    if channels > 1:
        data = data.reshape(-1, channels).mean(axis=1)
    return np.clip(data, -32768, 32767).astype("<i2").tobytes(), rate


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    """Mono 16-bit PCM → WAV file contents."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(pcm)
    return buf.getvalue()


def write_wav(path: str | Path, pcm: bytes, sample_rate: int) -> Path:
    """Write mono 16-bit PCM to a WAV file atomically."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(wav_bytes(pcm, sample_rate))
    tmp.replace(path)
    return path


def pcm_to_float(pcm: bytes):
    import numpy as np

    return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0


def float_to_pcm(samples) -> bytes:
    import numpy as np

    return (np.clip(samples, -1.0, 32767 / 32768) * 32768.0).astype("<i2").tobytes()


def resample(pcm: bytes, source_rate: int, target_rate: int) -> bytes:
    """Band-limited resampling of a whole buffer (FFT method, like ``scipy.signal.resample``).

    Good for utterances of a few seconds; the spectrum above the lower Nyquist frequency is
    dropped, which is the anti-aliasing filter.
    """
    import numpy as np

    if source_rate == target_rate or not pcm:
        return pcm
    x = np.frombuffer(pcm, "<i2").astype(np.float64)
    n_out = max(1, round(len(x) * target_rate / source_rate))
    spectrum = np.fft.rfft(x)
    n_bins = n_out // 2 + 1
    if n_bins <= len(spectrum):
        spectrum = spectrum[:n_bins]
    else:
        spectrum = np.concatenate([spectrum, np.zeros(n_bins - len(spectrum), complex)])
    y = np.fft.irfft(spectrum, n_out) * (n_out / len(x))
    return np.clip(np.round(y), -32768, 32767).astype("<i2").tobytes()


# --- G.711 μ-law (ITU-T G.711), vectorised -------------------------------------------------
_BIAS = 0x84
_CLIP = 32635


def ulaw_encode(pcm: bytes) -> bytes:
    """16-bit linear PCM → G.711 μ-law bytes (one byte per sample)."""
    import numpy as np

    x = np.frombuffer(pcm, "<i2").astype(np.int32)
    sign = np.where(x < 0, 0x80, 0)
    mag = np.minimum(np.abs(x), _CLIP) + _BIAS
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def ulaw_decode(data: bytes) -> bytes:
    """G.711 μ-law bytes → 16-bit linear PCM."""
    import numpy as np

    u = ~np.frombuffer(data, np.uint8).astype(np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -mag, mag).astype("<i2").tobytes()


def rms_dbfs(pcm: bytes) -> float:
    """Root-mean-square level in dB relative to full scale (-inf for digital silence)."""
    n = len(pcm) // 2
    if n == 0:
        return -math.inf
    samples = array.array("h", pcm[: 2 * n])
    if sys.byteorder != "little":  # pragma: no cover - PCM is little-endian on the wire
        samples.byteswap()
    power = sum(s * s for s in samples) / n
    return -math.inf if power == 0 else 10 * math.log10(power / (32768.0**2))


def frames(pcm: bytes, sample_rate: int, ms: int = 20) -> list[bytes]:
    """Cut PCM into frames of ``ms`` milliseconds, the last one padded with silence."""
    size = sample_rate * ms // 1000 * 2
    out = [pcm[i : i + size] for i in range(0, len(pcm), size)]
    if out and len(out[-1]) < size:
        out[-1] = out[-1] + b"\x00" * (size - len(out[-1]))
    return out
