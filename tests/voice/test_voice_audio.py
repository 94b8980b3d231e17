import math
import shutil

import numpy as np
import pytest

from communia.core.errors import InvalidInput
from communia.core.speech import audio


def tone(freq=440.0, seconds=1.0, rate=8000, amp=0.3):
    t = np.arange(int(seconds * rate)) / rate
    return audio.float_to_pcm(amp * np.sin(2 * math.pi * freq * t))


def test_ulaw_round_trip_is_close_and_matches_g711_points():
    pcm = tone(amp=0.5)
    back = np.frombuffer(audio.ulaw_decode(audio.ulaw_encode(pcm)), "<i2").astype(float)
    ref = np.frombuffer(pcm, "<i2").astype(float)
    snr = 10 * np.log10(np.sum(ref**2) / np.sum((ref - back) ** 2))
    assert snr > 30  # G.711 gives ~38 dB on a loud tone
    # Known G.711 code points: 0 → 0xFF, -1 → 0x7F, full scale → 0x80 / 0x00
    assert audio.ulaw_encode(np.array([0, -1, 32767, -32768], "<i2").tobytes()) == bytes(
        [0xFF, 0x7F, 0x80, 0x00]
    )


def test_wav_round_trip_and_resample(tmp_path):
    pcm = tone(seconds=0.5, rate=16000)
    path = audio.write_wav(tmp_path / "a.wav", pcm, 16000)
    back, rate = audio.read_wav(path)
    assert (back, rate) == (pcm, 16000)
    down = audio.resample(pcm, 16000, 8000)
    assert len(down) == len(pcm) // 2
    # the tone survives resampling: same level
    assert abs(audio.rms_dbfs(down) - audio.rms_dbfs(pcm)) < 0.5
    # a 6 kHz tone is above the 8 kHz Nyquist limit and is removed
    high = audio.resample(tone(6000, 0.5, 16000), 16000, 8000)
    assert audio.rms_dbfs(high) < -40


def test_levels_and_frames():
    assert audio.rms_dbfs(b"\x00\x00" * 160) == -math.inf
    assert -14 < audio.rms_dbfs(tone(amp=0.3)) < -12  # sine RMS = amp/√2
    chunks = audio.frames(b"\x01\x00" * 170, 8000)
    assert [len(c) for c in chunks] == [320, 320]


def test_bad_wav_is_a_clear_french_error(tmp_path):
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"not a wav")
    with pytest.raises(InvalidInput, match="illisible"):
        audio.read_wav(bad)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng absent")
def test_espeak_synthesis_at_both_rates():
    from communia.core.speech.tts import Synthesizer

    s = Synthesizer()
    a8 = s.synthesize("Bonjour, ici la mairie.", 8000)
    a16 = s.synthesize("Bonjour, ici la mairie.", 16000)
    assert abs(len(a16) - 2 * len(a8)) <= 4
    assert 0.8 < len(a8) / 2 / 8000 < 4.0
    assert audio.rms_dbfs(a8) > -35
    with pytest.raises(InvalidInput):
        s.synthesize("   ")
    with pytest.raises(InvalidInput):
        s.synthesize("a" * 20_000)
