import math

import httpx
import numpy as np
import pytest
from sqlalchemy import select

from communia.core.errors import InvalidInput
from communia.core.speech import audio
from communia.core.speech.sms import HttpSmsTransport, OutboxSmsSender, SmsMessage, dispatch_outbox
from communia.core.speech.vad import Endpointer


def test_outbox_then_dispatch_through_the_http_edge(two_communes):
    from communia.core.db import read_session

    commune_id = two_communes["a"]["commune_id"]
    sender = OutboxSmsSender()
    first = sender.send(commune_id=commune_id, to="06 12 34 56 78", body="Lien : https://x.fr")
    sender.send(commune_id=commune_id, to="0712345678", body="Autre lien")
    with pytest.raises(InvalidInput):
        sender.send(commune_id=commune_id, to="12", body="x")

    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        payload = request.read().decode()
        return httpx.Response(500 if "Autre" in payload else 200)

    transport = HttpSmsTransport(
        "https://sms.example/api",
        token="t",
        client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    counts = dispatch_outbox(transport, max_attempts=1)
    assert counts == {"envoye": 1, "echec": 1}
    assert seen[0].headers["authorization"] == "Bearer t"
    with read_session() as s:
        rows = {m.id: m for m in s.scalars(select(SmsMessage))}
    assert rows[first].status == "envoye" and rows[first].to_number == "+33612345678"
    failed = [m for m in rows.values() if m.id != first][0]
    assert failed.status == "echec" and "500" in failed.error
    assert dispatch_outbox(transport) == {"envoye": 0, "echec": 0}  # nothing left


def speech_like(seconds, rate=8000, amp=0.2, seed=0):
    """A 150 Hz harmonic tone with syllable-like amplitude modulation."""
    t = np.arange(int(seconds * rate)) / rate
    env = 0.6 + 0.4 * np.sin(2 * math.pi * 4 * t)
    return audio.float_to_pcm(
        amp * env * np.sin(2 * math.pi * 150 * t) * (1 + 0.3 * np.sin(2 * math.pi * 450 * t))
    )


def feed_all(ep, pcm):
    out = []
    for frame in audio.frames(pcm, 8000):
        u = ep.feed(frame)
        if u is not None:
            out.append(u)
    return out


def test_endpointer_cuts_an_utterance_after_the_silence_timeout():
    ep = Endpointer(8000, end_silence_ms=600)
    silence = b"\x00\x00" * 8000
    got = feed_all(ep, silence + speech_like(1.5) + silence)
    assert len(got) == 1 and got[0].kind == "speech"
    assert 1.4 <= got[0].speech_ms / 1000 <= 1.6
    # the utterance holds the speech, the pre-roll and the closing silence only
    assert 1.5 < len(got[0].pcm) / 16000 < 2.6


def test_endpointer_ignores_clicks_and_reports_no_input():
    ep = Endpointer(8000, no_input_ms=2000)
    click = speech_like(0.1)
    got = feed_all(ep, b"\x00\x00" * 4000 + click + b"\x00\x00" * 8000 * 3)
    assert [u.kind for u in got] == ["no_input"]


def test_endpointer_adapts_to_steady_noise():
    rng = np.random.default_rng(1)
    noise = audio.float_to_pcm(rng.normal(0, 0.05, 8000 * 6))
    ep = Endpointer(8000, no_input_ms=4000)
    got = feed_all(ep, noise)
    # steady noise is either never speech or an utterance that ends: never an endless one
    assert got and all(len(u.pcm) / 16000 < 4.5 for u in got)
