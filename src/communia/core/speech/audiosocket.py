"""Asterisk AudioSocket server (and a small client for tests and checks).

Protocol (Asterisk ``res_audiosocket``): messages of a 3-byte header — type (1 byte) and
payload length (2 bytes, big-endian) — then the payload. Types: ``0x00`` hangup,
``0x01`` call UUID (16 bytes), ``0x10`` audio (16-bit signed linear, 8 kHz, mono),
``0xff`` error. In the dialplan::

    exten => 3000,1,Answer()
     same => n,AudioSocket(${UUID()},127.0.0.1:9092)
     same => n,Hangup()
"""

from __future__ import annotations

import asyncio
import logging
import struct
import uuid
from collections.abc import Callable

__all__ = [
    "KIND_HANGUP",
    "KIND_UUID",
    "KIND_AUDIO",
    "KIND_ERROR",
    "pack",
    "read_message",
    "serve_audiosocket",
    "audiosocket_call",
]

log = logging.getLogger(__name__)

KIND_HANGUP, KIND_UUID, KIND_AUDIO, KIND_ERROR = 0x00, 0x01, 0x10, 0xFF
SAMPLE_RATE = 8000
MAX_PAYLOAD = 65535


def pack(kind: int, payload: bytes = b"") -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("AudioSocket payload too large")
    return struct.pack(">BH", kind, len(payload)) + payload


async def read_message(reader: asyncio.StreamReader) -> tuple[int, bytes] | None:
    try:
        header = await reader.readexactly(3)
        kind, length = struct.unpack(">BH", header)
        payload = await reader.readexactly(length) if length else b""
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    return kind, payload


async def serve_audiosocket(
    make_session: Callable[..., object],
    *,
    host: str = "127.0.0.1",
    port: int = 9092,
) -> asyncio.Server:
    """Start the server; ``make_session(send_frame=, hangup=, call_id=)`` → ``CallSession``."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        first = await read_message(reader)
        if first is None or first[0] != KIND_UUID or len(first[1]) != 16:
            log.warning("audiosocket %s: no UUID first, closing", peer)
            writer.close()
            return
        call_id = str(uuid.UUID(bytes=first[1]))

        async def send_frame(frame: bytes, talkspurt_start: bool = False) -> None:
            if not writer.is_closing():
                writer.write(pack(KIND_AUDIO, frame))
                await writer.drain()

        async def hangup() -> None:
            if not writer.is_closing():
                writer.write(pack(KIND_HANGUP))
                await writer.drain()
                writer.close()

        session = make_session(send_frame=send_frame, hangup=hangup, call_id=call_id)
        runner = asyncio.create_task(session.run())
        try:
            while True:
                message = await read_message(reader)
                if message is None or message[0] == KIND_HANGUP:
                    break
                kind, payload = message
                if kind == KIND_AUDIO:
                    session.feed(payload)
                elif kind == KIND_ERROR:
                    log.warning("audiosocket %s: error from Asterisk %r", call_id, payload)
                    break
        finally:
            session.close()
            try:
                await runner
            except asyncio.CancelledError:
                runner.cancel()  # server shutting down
            except Exception:
                log.exception("audiosocket call %s failed", call_id)
            if not writer.is_closing():
                writer.close()

    async def handle_quietly(reader, writer) -> None:
        # Python 3.11's StreamReaderProtocol logs a traceback when a handler task ends
        # cancelled (server shutdown while a call is up): end it normally instead.
        try:
            await handle(reader, writer)
        except asyncio.CancelledError:
            writer.close()

    return await asyncio.start_server(handle_quietly, host, port)


async def audiosocket_call(
    host: str,
    port: int,
    question_pcm: bytes | list[bytes],
    *,
    wait_greeting_s: float = 20.0,
    listen_s: float = 20.0,
    trailing_silence_s: float | None = 1.5,
    call_id: uuid.UUID | None = None,
) -> dict:
    """Act like Asterisk: send 20 ms frames in real time, record what comes back.

    Waits for the greeting to end (no audio for 0.5 s), plays ``question_pcm`` (8 kHz; or
    each of a list of utterances, the next one once the reply has ended), then sends silence
    until the reply has ended. Returns ``{"audio": reply pcm, "replies": one pcm per
    utterance, "greeting": pcm, "latency_s": end of question → first reply frame,
    "hung_up": bool}``.
    """
    import time

    from communia.core.speech.audio import frames

    reader, writer = await asyncio.open_connection(host, port)
    writer.write(pack(KIND_UUID, (call_id or uuid.uuid4()).bytes))
    received: list[tuple[float, bytes]] = []
    state = {"hung_up": False}

    async def receive() -> None:
        while True:
            message = await read_message(reader)
            if message is None or message[0] == KIND_HANGUP:
                state["hung_up"] = message is not None
                return
            if message[0] == KIND_AUDIO:
                received.append((time.perf_counter(), message[1]))

    receiver = asyncio.create_task(receive())
    loop = asyncio.get_running_loop()
    silence = b"\x00" * 320
    clock = {"t0": loop.time(), "n": 0}

    async def send(frame: bytes, kind: int = KIND_AUDIO) -> None:
        if state.get("closed"):
            return
        try:
            writer.write(pack(kind, frame))
            await writer.drain()
        except (ConnectionResetError, BrokenPipeError):
            # the server hung up and closed the line between two frames, like a real call:
            # stop sending and let the receiver read the hang-up that preceded the close
            state["closed"] = True
            await asyncio.wait([receiver], timeout=1.0)
            return
        clock["n"] += 1
        await asyncio.sleep(max(0.0, clock["t0"] + clock["n"] * 0.02 - loop.time()))

    def quiet_since(since: float, gap: float) -> bool:
        after = [t for t, _ in received if t > since]
        return bool(after) and time.perf_counter() - after[-1] > gap

    begin = time.perf_counter()
    while time.perf_counter() - begin < wait_greeting_s and not receiver.done():
        await send(silence)
        if quiet_since(begin, 0.5):
            break
    greeting_end = time.perf_counter()
    ends: list[float] = []
    for utterance in question_pcm if isinstance(question_pcm, list) else [question_pcm]:
        for frame in frames(utterance, SAMPLE_RATE):
            await send(frame)
        ends.append(time.perf_counter())
        while time.perf_counter() - ends[-1] < listen_s and not receiver.done():
            await send(silence)
            if trailing_silence_s is not None and quiet_since(ends[-1], trailing_silence_s):
                break  # None: listen until the server hangs up or ``listen_s`` ends
    question_end = ends[0]
    if not writer.is_closing():
        await send(b"", KIND_HANGUP)
        writer.close()
    receiver.cancel()
    reply = [(t, f) for t, f in received if t > question_end]
    bounds = [*ends, float("inf")]
    return {
        "audio": b"".join(f for _, f in reply),
        "replies": [
            b"".join(f for t, f in received if bounds[k] < t <= bounds[k + 1])
            for k in range(len(ends))
        ],
        "greeting": b"".join(f for t, f in received if t <= greeting_end),
        "latency_s": (reply[0][0] - question_end) if reply else None,
        "hung_up": state["hung_up"],
    }
