"""A live call, independent of the transport (AudioSocket or SIP/RTP).

The transport pushes the caller's 20 ms frames with ``feed`` and gives a coroutine that
sends one 20 ms frame back. The session greets the caller, cuts utterances with the
``Endpointer``, runs the (blocking) pipeline in a worker thread and paces the answer in
real time. A caller who speaks during a reply interrupts it (barge-in). When the
transport can transfer calls (SIP REFER) and the assistant routes the caller to an open
service, the session announces the transfer, plays it out and hands the call over; if the
transfer fails, the caller stays with the assistant and hears the responder's fallback (the
assistant offers a callback) or the service's number.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from communia.core.speech.audio import frames
from communia.core.speech.vad import Endpointer

__all__ = ["CallSession"]

log = logging.getLogger(__name__)
FRAME_MS = 20
GAP_S = 0.4  # a gap in the incoming audio longer than this is silence (jitter tolerance)


class CallSession:
    def __init__(
        self,
        pipeline,
        *,
        send_frame: Callable[[bytes, bool], Awaitable[None]],  # (frame, opens a talkspurt)
        hangup: Callable[[], Awaitable[None]] | None = None,
        transfer: Callable[[str], Awaitable[bool]] | None = None,
        call_id: str = "",
        caller: str | None = None,
        sample_rate: int = 8000,
        greet: bool = True,
        endpointer: Endpointer | None = None,
        on_event: Callable[[str, dict], None] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.send_frame = send_frame
        self.hangup_cb = hangup
        self.transfer_cb = transfer
        self.call_id = call_id
        self.caller = caller
        self.sample_rate = sample_rate
        self.greet = greet
        self.endpointer = endpointer or Endpointer(sample_rate)
        self.on_event = on_event or (lambda name, data: None)
        self.turns: list = []
        self.state: dict = {}  # the responder's per-call state (Responder in pipeline.py)
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._playback: asyncio.Task | None = None
        self._failed = 0
        self._closed = False

    def feed(self, frame: bytes) -> None:
        """Caller audio (mono 16-bit PCM at ``sample_rate``), any length."""
        if not self._closed:
            self._queue.put_nowait(frame)

    def close(self) -> None:
        """The caller hung up."""
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)

    async def _play(self, pcm: bytes) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i, frame in enumerate(frames(pcm, self.sample_rate, FRAME_MS)):
            if self._closed:
                return
            await self.send_frame(frame, i == 0)
            delay = start + (i + 1) * FRAME_MS / 1000 - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)

    def _start_playback(self, pcm: bytes) -> asyncio.Task:
        self._stop_playback()
        self._playback = asyncio.create_task(self._play(pcm))
        return self._playback

    def _stop_playback(self) -> None:
        if self._playback is not None and not self._playback.done():
            self._playback.cancel()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        if self.greet:
            text, audio = await loop.run_in_executor(None, self.pipeline.greeting)
            self.on_event("greeting", {"text": text})
            self._start_playback(audio)
        pending = bytearray()
        frame_bytes = self.sample_rate * FRAME_MS // 1000 * 2
        try:
            while not self._closed:
                try:
                    chunk = await asyncio.wait_for(self._queue.get(), GAP_S)
                except TimeoutError:
                    # No packet for a while (a phone with silence suppression, or a caller
                    # who stopped sending): count the gap as silence so utterances still end.
                    chunk = b"\x00" * (frame_bytes * round(GAP_S * 1000 / FRAME_MS))
                if chunk is None:
                    break
                pending += chunk
                while len(pending) >= frame_bytes:
                    frame = bytes(pending[:frame_bytes])
                    del pending[:frame_bytes]
                    utterance = self.endpointer.feed(frame)
                    if self.endpointer.in_speech:
                        self._stop_playback()  # barge-in
                    elif self._playback is not None and not self._playback.done():
                        self.endpointer.hold()  # the caller is listening, not silent
                    if utterance is not None:
                        await self._answer(utterance)
                        if self._closed:
                            break
        finally:
            self._stop_playback()

    def _failure_turn(self):
        from communia.core.speech.pipeline import Turn
        from communia.core.speech.spoken import ERROR_REPLY

        try:
            audio = self.pipeline.say(ERROR_REPLY)
        except Exception:
            log.exception("cannot even say the error reply")
            audio = b""
        return Turn("error", "", ERROR_REPLY, audio, hangup=True)

    async def _answer(self, utterance) -> None:
        loop = asyncio.get_running_loop()
        self.on_event("utterance", {"kind": utterance.kind, "speech_ms": utterance.speech_ms})
        if (
            utterance.kind == "no_input"
            and self._playback is not None
            and not self._playback.done()
        ):
            return  # still talking: the caller is listening
        try:
            turn = await loop.run_in_executor(
                None,
                lambda: self.pipeline.handle(
                    utterance.pcm,
                    self.sample_rate,
                    caller=self.caller,
                    call_id=self.call_id,
                    failed_turns=self._failed,
                    can_transfer=self.transfer_cb is not None,
                    call=self.state,
                ),
            )
        except Exception:
            # The model or the voice broke: apologise if we still can, then hang up.
            log.exception("voice turn failed in call %s", self.call_id)
            turn = await loop.run_in_executor(None, self._failure_turn)
        # Audio that arrived while we were thinking belongs to no utterance: drop it.
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                self._closed = True
                return
        self.endpointer.reset()
        self._failed = self._failed + 1 if turn.kind in ("silence", "noise") else 0
        self.turns.append(turn)
        self.on_event(
            "turn",
            {
                "kind": turn.kind,
                "question": turn.question,
                "reply": turn.reply,
                "timings": turn.timings,
            },
        )
        playback = self._start_playback(turn.audio)
        if turn.transfer is not None and self.transfer_cb is not None:
            await self._transfer(playback, turn)
            return
        if turn.hangup:
            with contextlib.suppress(asyncio.CancelledError):
                await playback
            self._closed = True
            if self.hangup_cb is not None:
                await self.hangup_cb()

    async def _transfer(self, playback: asyncio.Task, turn) -> None:
        """Let the announcement end, then transfer; on failure say the number instead."""
        with contextlib.suppress(asyncio.CancelledError):
            await playback
        if self._closed:
            return
        number = turn.transfer["number"]
        self.on_event("transfer", {"number": number, "service": turn.transfer.get("service")})
        try:
            done = await self.transfer_cb(number)
        except Exception:
            log.exception("transfer failed in call %s", self.call_id)
            done = False
        self.on_event("transfer_result", {"number": number, "ok": done})
        if done:
            self._closed = True
            return
        # Audio that arrived while the IPBX tried the transfer belongs to no utterance.
        while not self._queue.empty():
            if self._queue.get_nowait() is None:
                self._closed = True
                return
        loop = asyncio.get_running_loop()
        from communia.core.speech.spoken import transfer_failed

        # the responder may have its own fallback (e.g. the service's number and an offer to
        # be called back); otherwise the caller hears the number
        text = turn.transfer.get("fallback") or transfer_failed(
            turn.transfer.get("service") or "", number
        )
        audio = await loop.run_in_executor(None, self.pipeline.say, text)
        self.endpointer.reset()
        self._start_playback(audio)
