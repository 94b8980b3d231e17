"""One phone turn: caller audio → STT → responder (the assistant) → spoken reply → TTS.

The responder is injected (``Responder`` protocol) so that the phone path uses exactly the
same assistant as the web chat. Silence and noise never reach the responder: they get a
calm French reply instead. Each answered turn is recorded in the audit trail.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Protocol

from communia.core.speech.spoken import (
    ERROR_REPLY,
    HANGUP_REPLY,
    NOISE_REPLY,
    SILENCE_REPLY,
    greeting,
    to_spoken,
)

__all__ = ["Responder", "Turn", "VoicePipeline", "classify_audio"]

log = logging.getLogger(__name__)

SILENCE_DB = -50.0  # an utterance quieter than this overall is silence
NO_SPEECH_PROB = 0.6
MIN_LOGPROB = -1.0
# Whisper's well-known hallucinations on noise and silence (French subtitle credits...).
HALLUCINATIONS = re.compile(
    r"sous-titr|amara\.org|merci d'avoir regard|abonnez-vous|radio-canada|^\W*$",
    re.IGNORECASE,
)


class Responder(Protocol):
    """The assistant: ``communia assistant ask``'s function (see docs/voice.md). A responder
    that also takes ``call`` gets the call's state, one dict per call kept across its turns
    (``caller``: the caller's number when the transport gives it, ``can_transfer``), where it
    may keep its own entries (the conversation, a dialogue in progress)."""

    def __call__(self, text: str, *, commune_slug: str, channel: str) -> dict: ...


def _takes_call_state(responder) -> bool:
    import inspect

    try:
        params = inspect.signature(responder).parameters
    except (TypeError, ValueError):
        return False
    return "call" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


@dataclass
class Turn:
    kind: str  # "answer", "silence", "noise", "error", "hangup"
    question: str
    reply: str
    audio: bytes  # mono 16-bit PCM at the pipeline's output rate
    action: str = ""
    sms_id: int | None = None
    hangup: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    transfer: dict | None = None  # {"number", "service"}: hand the call to that service


def classify_audio(pcm: bytes, sample_rate: int, transcript=None) -> str:
    """ "silence", "noise" or "speech" from the energy and, when given, the transcript."""
    from communia.core.speech.audio import rms_dbfs

    if len(pcm) < sample_rate // 5 or rms_dbfs(pcm) < SILENCE_DB:
        return "silence"
    if transcript is None:
        return "speech"
    text = transcript.text.strip()
    if not text or HALLUCINATIONS.search(text) or transcript.speech_seconds < 0.2:
        return "noise"
    if transcript.no_speech_prob > NO_SPEECH_PROB and transcript.avg_logprob < MIN_LOGPROB:
        return "noise"
    return "speech"


class VoicePipeline:
    def __init__(
        self,
        *,
        transcriber,
        synthesizer,
        responder: Responder,
        commune_slug: str,
        commune_name: str = "",
        commune_id: int | None = None,
        sms_sender=None,
        sample_rate: int = 8000,
        record_audit: bool = True,
        max_failed_turns: int = 2,
    ) -> None:
        self.transcriber = transcriber
        self.synthesizer = synthesizer
        self.responder = responder
        self.commune_slug = commune_slug
        self.commune_name = commune_name or commune_slug
        self.commune_id = commune_id
        self.sms_sender = sms_sender
        self.sample_rate = sample_rate
        self.record_audit = record_audit
        self.max_failed_turns = max_failed_turns
        self._cache: dict[str, bytes] = {}
        self._call_state = _takes_call_state(responder)

    @classmethod
    def for_commune(cls, slug: str, **kwargs) -> VoicePipeline:
        """Build a pipeline for a commune of the database (name and id looked up)."""
        from communia.core.communes import commune_by_slug
        from communia.core.db import read_session

        with read_session() as session:
            commune = commune_by_slug(session, slug)
            return cls(
                commune_slug=slug, commune_name=commune.name, commune_id=commune.id, **kwargs
            )

    def say(self, text: str) -> bytes:
        """TTS with a cache for the fixed messages (greeting, silence replies)."""
        if text in self._cache:
            return self._cache[text]
        audio = self.synthesizer.synthesize(text, self.sample_rate)
        if len(self._cache) < 32:
            self._cache[text] = audio
        return audio

    def greeting(self) -> tuple[str, bytes]:
        text = greeting(self.commune_name)
        return text, self.say(text)

    def warm_up(self) -> None:
        """Load the model and render fixed messages before the first call."""
        self.transcriber.load()
        self.greeting()
        for text in (SILENCE_REPLY, NOISE_REPLY, HANGUP_REPLY, ERROR_REPLY):
            self.say(text)

    def handle(
        self,
        pcm: bytes,
        sample_rate: int,
        *,
        caller: str | None = None,
        call_id: str = "",
        failed_turns: int = 0,
        can_transfer: bool = False,
        call: dict | None = None,
    ) -> Turn:
        """Answer one utterance. ``failed_turns``: consecutive silent/noisy turns before it.
        ``can_transfer``: the transport can hand the call over (SIP REFER); a result with a
        ``transfer`` entry (the assistant routes to a service open now) then becomes a
        transfer announcement instead of the service's contact details. ``call``: the
        call's state (see ``Responder``), given to a responder that takes it."""
        t0 = time.perf_counter()
        timings: dict[str, float] = {}
        kind = classify_audio(pcm, sample_rate)
        transcript = None
        if kind == "speech":
            transcript = self.transcriber.transcribe(pcm, sample_rate)
            timings["stt_s"] = time.perf_counter() - t0
            kind = classify_audio(pcm, sample_rate, transcript)
        if kind in ("silence", "noise"):
            if failed_turns + 1 >= self.max_failed_turns:
                return Turn(
                    "hangup", "", HANGUP_REPLY, self.say(HANGUP_REPLY), hangup=True, timings=timings
                )
            reply = SILENCE_REPLY if kind == "silence" else NOISE_REPLY
            return Turn(
                kind, transcript.text if transcript else "", reply, self.say(reply), timings=timings
            )
        question = transcript.text
        t1 = time.perf_counter()
        extra = {}
        if self._call_state:
            call = call if call is not None else {}
            call.update(caller=caller, can_transfer=can_transfer)
            extra["call"] = call
        try:
            result = self.responder(
                question, commune_slug=self.commune_slug, channel="phone", **extra
            )
            if not isinstance(result, dict) or "answer" not in result:
                raise TypeError("responder returned no 'answer'")
        except Exception:
            log.exception("voice responder failed")
            return Turn("error", question, ERROR_REPLY, self.say(ERROR_REPLY), timings=timings)
        timings["respond_s"] = time.perf_counter() - t1
        from communia.core.speech.sms import is_french_mobile

        can_sms = (
            self.sms_sender is not None and self.commune_id is not None and is_french_mobile(caller)
        )
        transfer = result.get("transfer") if can_transfer else None
        if not (isinstance(transfer, dict) and transfer.get("number")) or result.get("emergency"):
            transfer = None
        spoken = to_spoken(result, can_sms=can_sms, transfer=transfer)
        sms_id = None
        if spoken.links and can_sms:
            from communia.core.speech.sms import sms_body

            try:
                sms_id = self.sms_sender.send(
                    commune_id=self.commune_id,
                    to=caller,
                    body=sms_body(self.commune_name, spoken.links),
                    call_id=call_id,
                )
            except Exception:
                log.exception("SMS outbox failed")
        t2 = time.perf_counter()
        audio = self.synthesizer.synthesize(spoken.text, self.sample_rate)
        timings["tts_s"] = time.perf_counter() - t2
        timings["total_s"] = time.perf_counter() - t0
        turn = Turn(
            "answer",
            question,
            spoken.text,
            audio,
            action="transfer" if transfer else str(result.get("action", "")),
            sms_id=sms_id,
            timings=timings,
            transfer=transfer,
        )
        if self.record_audit and self.commune_id is not None:
            self._audit(turn, result, call_id)
        return turn

    def _audit(self, turn: Turn, result: dict, call_id: str) -> None:
        from communia.core.audit import hash_inputs, record
        from communia.core.db import write_session
        from communia.core.speech.stt import MODEL_NAME

        try:
            with write_session() as session:
                record(
                    session,
                    actor="citoyen",
                    action="voice.answer",
                    commune_id=self.commune_id,
                    object_type="appel",
                    object_id=call_id,
                    summary=f"Réponse vocale ({turn.action or 'réponse'})",
                    details={
                        "action": turn.action,
                        "service": result.get("service"),
                        "emergency": (result.get("emergency") or {}).get("number"),
                        "sources": [s.get("id") for s in result.get("sources") or []][:5],
                        "confidence": result.get("confidence"),
                        "sms": turn.sms_id is not None,
                        "transfer": (turn.transfer or {}).get("number"),
                        "timings_ms": {k: round(v * 1000) for k, v in turn.timings.items()},
                    },
                    # a turn where the caller may dictate personal data (a phone number to be
                    # called back at): not even a hash, a phone number is easy to brute-force
                    inputs_hash="" if result.get("private_input") else hash_inputs(turn.question),
                    model=MODEL_NAME,
                    validation_status="sans_objet",
                )
        except Exception:
            log.exception("voice audit failed")
