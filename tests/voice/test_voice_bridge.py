# ruff: noqa: F811 - pytest fixtures imported from voice_helpers are redefined as arguments
"""The phone bridge over real sockets (fast: fixed transcript, real espeak-ng, real DB)."""

import asyncio
import math
import time

import numpy as np
import pytest
from sqlalchemy import select
from voice_helpers import (  # noqa: F401 - fixtures
    FakeTranscriber,
    RecordingResponder,
    call_over_audiosocket,
    call_over_sip,
    commune_a,
    expect,
    invite,
    open_udp,
    run_async,
    synthesizer,
)

from communia.core.speech import audio
from communia.core.speech.audiosocket import KIND_AUDIO, pack
from communia.core.speech.pipeline import VoicePipeline
from communia.core.speech.server import VoiceBridge
from communia.core.speech.sms import SmsMessage
from communia.core.speech.spoken import HANGUP_REPLY, NOISE_REPLY, SILENCE_REPLY


def speech_like(seconds, rate=8000, amp=0.2):
    t = np.arange(int(seconds * rate)) / rate
    env = 0.6 + 0.4 * np.sin(2 * math.pi * 4 * t)
    return audio.float_to_pcm(amp * env * np.sin(2 * math.pi * 150 * t))


@pytest.fixture
def bridge(commune_a, synthesizer):
    responder = RecordingResponder(answer="Le service des archives vous renseigne.")
    transcriber = FakeTranscriber()
    pipeline = VoicePipeline.for_commune(
        "ville-a",
        transcriber=transcriber,
        synthesizer=synthesizer,
        responder=responder,
        sms_sender=__import__("communia.core.speech.sms", fromlist=["x"]).OutboxSmsSender(),
    )
    events = []
    b = VoiceBridge(
        {"ville-a": pipeline},
        default="ville-a",
        greet=False,
        on_event=lambda n, d: events.append((n, d)),
    )
    b.test = {
        "responder": responder,
        "transcriber": transcriber,
        "events": events,
        "pipeline": pipeline,
        "commune_id": commune_a,
    }
    return b


def test_pipeline_silence_noise_error_and_hangup(bridge):
    p = bridge.test["pipeline"]
    turn = p.handle(b"\x00\x00" * 8000, 8000)
    assert turn.kind == "silence" and turn.reply == SILENCE_REPLY and turn.audio
    assert bridge.test["transcriber"].calls == 0 and bridge.test["responder"].calls == []
    assert p.handle(b"\x00\x00" * 8000, 8000, failed_turns=1).hangup
    assert p.handle(b"\x00\x00" * 8000, 8000, failed_turns=1).reply == HANGUP_REPLY
    bridge.test["transcriber"].text = "Sous-titrage ST' 501"  # Whisper's hallucination on noise
    assert p.handle(speech_like(1.0), 8000).reply == NOISE_REPLY
    bridge.test["transcriber"].text = ""
    assert p.handle(speech_like(1.0), 8000).kind == "noise"
    assert bridge.test["responder"].calls == []
    bridge.test["transcriber"].text = "Où sont les archives ?"
    p.responder = RecordingResponder(fail=True)
    turn = p.handle(speech_like(1.0), 8000)
    assert turn.kind == "error" and "difficulté technique" in turn.reply


def test_audiosocket_call_answers_sends_sms_and_audits(bridge):
    from communia.core.db import read_session
    from communia.core.models import AuditEntry

    result = call_over_audiosocket(bridge, speech_like(1.5), wait_greeting_s=0.3)
    responder = bridge.test["responder"]
    assert responder.calls == [
        {
            "text": "Quels sont les horaires de la mairie ?",
            "commune_slug": "ville-a",
            "channel": "phone",
        }
    ]
    assert result["latency_s"] is not None and result["latency_s"] > 0.6  # endpointing wait
    reply_turn = [d for n, d in bridge.test["events"] if n == "turn"][0]
    expected = bridge.test["pipeline"].synthesizer.synthesize(reply_turn["reply"], 8000)
    # the caller heard the whole reply (20 ms frames, last one padded)
    assert abs(len(result["audio"]) - len(expected)) <= 640
    assert "http" not in reply_turn["reply"]
    with read_session() as s:
        # AudioSocket carries no caller number: no SMS can be sent
        assert s.scalars(select(SmsMessage)).all() == []
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "voice.answer")).all()
    assert len(audit) == 1 and audit[0].commune_id == bridge.test["commune_id"]
    assert audit[0].details["action"] == "route"


def test_audiosocket_rejects_a_stream_without_uuid(bridge):
    async def scenario():
        servers = await bridge.start(audiosocket_port=0)
        reader, writer = await asyncio.open_connection("127.0.0.1", servers["audiosocket_port"])
        writer.write(pack(KIND_AUDIO, b"\x00" * 320))
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 5)
        servers["audiosocket"].close()
        return data

    assert run_async(scenario()) == b""  # closed without a word


def test_sip_call_rtp_round_trip_and_sms(bridge):
    from communia.core.db import read_session

    result = call_over_sip(bridge, speech_like(1.5))
    assert "PCMU/8000" in result["ok"].body and result["ok"].header("to").count("tag=") == 1
    packets = result["packets"]
    assert packets and all(p.payload_type == 0 and len(p.payload) == 160 for p in packets)
    assert packets[0].marker
    seqs = [p.sequence for p in packets]
    assert all((b - a) % 65536 == 1 for a, b in zip(seqs, seqs[1:], strict=False))
    assert all(
        (b.timestamp - a.timestamp) % 2**32 == 160
        for a, b in zip(packets, packets[1:], strict=False)
    )
    with read_session() as s:
        sms = s.scalars(select(SmsMessage)).all()
    assert len(sms) == 1 and sms[0].to_number == "+33612345678"
    assert "F1234" in sms[0].body and sms[0].status == "en_attente"


def test_sip_options_unsupported_codec_and_unknown_method(bridge):
    async def scenario():
        servers = await bridge.start(sip_port=0)
        port = servers["sip_port"]
        t, p = await open_udp()
        local = t.get_extra_info("sockname")[1]
        out = {}
        t.sendto(invite(port, local, 4000, method="OPTIONS"), ("127.0.0.1", port))
        out["options"] = await expect(p, 200)
        t.sendto(invite(port, local, 4000, payloads="8"), ("127.0.0.1", port))
        out["pcma_only"] = await expect(p, 488)
        t.sendto(invite(port, local, 4000, method="SUBSCRIBE"), ("127.0.0.1", port))
        out["subscribe"] = await expect(p, 501)
        t.sendto(invite(port, local, 4000, method="BYE"), ("127.0.0.1", port))
        out["bye"] = await expect(p, 481)
        t.sendto(b"garbage\r\n\r\n", ("127.0.0.1", port))
        t.close()
        servers["sip"].transport.close()
        return out

    out = run_async(scenario())
    assert "INVITE" in out["options"].header("allow")
    assert out["pcma_only"].status == 488
    assert out["subscribe"].status == 501 and out["bye"].status == 481


@pytest.mark.slow
def test_silent_sip_caller_is_told_then_hung_up_with_a_bye(commune_a, synthesizer):
    from communia.core.speech.sip import format_sip, parse_sip

    pipeline = VoicePipeline.for_commune(
        "ville-a",
        transcriber=FakeTranscriber(),
        synthesizer=synthesizer,
        responder=RecordingResponder(),
    )
    events = []
    bridge = VoiceBridge(
        {"ville-a": pipeline},
        default="ville-a",
        greet=False,
        on_event=lambda n, d: events.append((n, d)),
        endpointer_options={"no_input_ms": 1000},
    )

    async def scenario():
        servers = await bridge.start(sip_port=0)
        port = servers["sip_port"]
        sip_t, sip_p = await open_udp()
        rtp_t, rtp_p = await open_udp()
        local = sip_t.get_extra_info("sockname")[1]
        sip_t.sendto(
            invite(port, local, rtp_t.get_extra_info("sockname")[1], call_id="silent-1"),
            ("127.0.0.1", port),
        )
        ok = await expect(sip_p, 200)
        sip_t.sendto(
            format_sip(
                f"ACK sip:ville-a@127.0.0.1:{port} SIP/2.0",
                [
                    ("Via", f"SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKa"),
                    ("From", ok.header("from")),
                    ("To", ok.header("to")),
                    ("Call-ID", "silent-1"),
                    ("CSeq", "1 ACK"),
                ],
            ),
            ("127.0.0.1", port),
        )
        # the caller says nothing and sends no RTP at all (silence suppression)
        bye = await expect(sip_p, "BYE", timeout=40)
        sip_t.sendto(
            format_sip(
                "SIP/2.0 200 OK",
                [
                    ("Via", bye.header("via")),
                    ("From", bye.header("from")),
                    ("To", bye.header("to")),
                    ("Call-ID", bye.header("call-id")),
                    ("CSeq", bye.header("cseq")),
                ],
            ),
            ("127.0.0.1", port),
        )
        await asyncio.sleep(0.2)
        calls_left = len(servers["sip"].calls)
        sip_t.close()
        rtp_t.close()
        servers["sip"].transport.close()
        return ok, bye, calls_left, len(rtp_p.packets)

    ok, bye, calls_left, n_rtp = run_async(scenario())
    assert parse_sip(format_sip(bye.start, bye.headers)).uri.startswith("sip:0612345678@")
    assert bye.header("call-id") == "silent-1" and bye.header("cseq").endswith("BYE")
    # our From carries the tag we gave in the 200 OK; To is the caller's From
    assert ok.header("to") == bye.header("from") and bye.header("to") == ok.header("from")
    assert [d["kind"] for n, d in events if n == "turn"] == ["silence", "hangup"]
    assert calls_left == 0 and n_rtp > 50 * 10  # both replies were played before hanging up


def test_a_broken_model_gets_an_apology_and_a_hangup(bridge):
    from communia.core.errors import Unavailable

    def broken(pcm, rate):
        raise Unavailable("Modèle de reconnaissance vocale absent.")

    bridge.test["transcriber"].transcribe = broken

    # listen until the hang-up (a loaded machine synthesises and streams slower)
    result = call_over_audiosocket(
        bridge, speech_like(1.0), wait_greeting_s=0.1, trailing_silence_s=None, listen_s=60
    )
    turns = [d for n, d in bridge.test["events"] if n == "turn"]
    assert [t["kind"] for t in turns] == ["error"]
    assert "difficulté technique" in turns[0]["reply"]
    assert result["hung_up"] and len(result["audio"]) > 16000  # the apology was heard


FALLBACK = "Le transfert n'a pas abouti. Voulez-vous que le service vous rappelle ?"


@pytest.mark.parametrize("outcome", ["refused", "busy", "ipbx_hangs_up"])
def test_transfer_outcomes(commune_a, synthesizer, outcome):
    """The IPBX refuses the REFER (603) or the service is busy (NOTIFY 486): the caller is
    not lost, hears the service's number, and the call goes on. Or the IPBX accepts and
    ends our leg itself with a BYE (no final NOTIFY): the transfer counts as done."""
    from communia.core.speech.sip import format_sip
    from communia.core.speech.spoken import transfer_failed

    transfer = {"service": "Urbanisme", "number": "01 30 00 00 02"}
    if outcome == "busy":  # the responder's own fallback (the assistant offers a callback)
        transfer["fallback"] = FALLBACK

    pipeline = VoicePipeline.for_commune(
        "ville-a",
        transcriber=FakeTranscriber("Je voudrais parler au service urbanisme"),
        synthesizer=synthesizer,
        responder=RecordingResponder(transfer=transfer),
    )
    events = []
    bridge = VoiceBridge(
        {"ville-a": pipeline},
        default="ville-a",
        greet=False,
        on_event=lambda n, d: events.append((n, d)),
    )

    def reply(request, code, reason):
        return format_sip(
            f"SIP/2.0 {code} {reason}",
            [(k, request.header(k)) for k in ("via", "from", "to", "call-id", "cseq")],
        )

    async def scenario():
        servers = await bridge.start(sip_port=0)
        port = servers["sip_port"]
        sip_t, sip_p = await open_udp()
        rtp_t, rtp_p = await open_udp()
        local = sip_t.get_extra_info("sockname")[1]
        rtp_port = rtp_t.get_extra_info("sockname")[1]
        sip_t.sendto(invite(port, local, rtp_port, call_id="transfer-1"), ("127.0.0.1", port))
        ok = await expect(sip_p, 200)
        headers = [("From", ok.header("from")), ("To", ok.header("to")), ("Call-ID", "transfer-1")]
        via = ("Via", f"SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bKx")
        sip_t.sendto(
            format_sip(
                f"ACK sip:ville-a@127.0.0.1:{port} SIP/2.0", [via, *headers, ("CSeq", "1 ACK")]
            ),
            ("127.0.0.1", port),
        )
        remote = ("127.0.0.1", int(ok.body.split("m=audio ")[1].split()[0]))
        for i, frame in enumerate(audio.frames(speech_like(1.2), 8000, 20)):
            rtp_t.sendto(b"\x80\x00" + bytes(10) + audio.ulaw_encode(frame), remote)
            await asyncio.sleep(0.02)
        for _ in range(60):  # silence after the question, then while listening
            rtp_t.sendto(b"\x80\x00" + bytes(10) + bytes([0xFF]) * 160, remote)
            await asyncio.sleep(0.02)
        refer = await expect(sip_p, "REFER", timeout=30)
        t_refer = time.perf_counter()
        if outcome == "refused":
            sip_t.sendto(reply(refer, 603, "Decline"), ("127.0.0.1", port))
        elif outcome == "ipbx_hangs_up":
            sip_t.sendto(reply(refer, 202, "Accepted"), ("127.0.0.1", port))
            bye = format_sip(
                f"BYE sip:communia@127.0.0.1:{port} SIP/2.0",
                [via, *headers, ("CSeq", "2 BYE")],
            )
            sip_t.sendto(bye, ("127.0.0.1", port))
            await expect(sip_p, 200)
            for _ in range(100):  # until the session has seen the outcome
                if any(e[0] == "transfer_result" for e in events):
                    break
                await asyncio.sleep(0.1)
            calls_left = len(servers["sip"].calls)
            sip_t.close()
            rtp_t.close()
            servers["sip"].transport.close()
            return refer, calls_left, []
        else:
            sip_t.sendto(reply(refer, 202, "Accepted"), ("127.0.0.1", port))
            body = "SIP/2.0 486 Busy Here\r\n"
            notify = format_sip(
                f"NOTIFY sip:communia@127.0.0.1:{port} SIP/2.0",
                [
                    via,
                    ("From", ok.header("from")),
                    ("To", ok.header("to")),
                    ("Call-ID", "transfer-1"),
                    ("CSeq", "2 NOTIFY"),
                    ("Event", "refer"),
                    ("Subscription-State", "terminated;reason=noresource"),
                    ("Content-Type", "message/sipfrag;version=2.0"),
                ],
                body,
            )
            sip_t.sendto(notify, ("127.0.0.1", port))
            await expect(sip_p, 200)
        # wait until the failure message has been played out (robust to a slow machine:
        # no fixed sleep, the end of the RTP stream is the signal)
        expected = len(audio.frames(synthesizer.synthesize(failed_text, 8000), 8000, 20))
        for _ in range(600):
            await asyncio.sleep(0.1)
            heard = [t for t, _ in rtp_p.packets if t > t_refer]
            if len(heard) >= expected and time.perf_counter() - heard[-1] > 0.3:
                break
        calls_left = len(servers["sip"].calls)
        sip_t.close()
        rtp_t.close()
        servers["sip"].transport.close()
        return refer, calls_left, [t for t, _ in rtp_p.packets if t > t_refer]

    failed_text = transfer.get("fallback") or transfer_failed("Urbanisme", "01 30 00 00 02")
    refer, calls_left, heard = run_async(scenario())
    assert "<sip:0130000002@127.0.0.1:" in refer.header("refer-to")
    assert refer.header("cseq").endswith("REFER") and refer.header("call-id") == "transfer-1"
    turn = [d for n, d in events if n == "turn"][0]
    assert "je vous mets en relation" in turn["reply"] and "Urbanisme" in turn["reply"]
    if outcome == "ipbx_hangs_up":
        assert [d["ok"] for n, d in events if n == "transfer_result"] == [True]
        assert calls_left == 0
        return
    assert [d["ok"] for n, d in events if n == "transfer_result"] == [False]
    assert calls_left == 1  # the caller is still on the line with the assistant
    # and heard the whole "the transfer failed, call the service at 01 30 00 00 02" message
    expected = audio.frames(synthesizer.synthesize(failed_text, 8000), 8000, 20)
    assert len(heard) >= len(expected)
    assert ("01 30 00 00 02" in failed_text) == (outcome == "refused")
    assert [d["reply"] for n, d in events if n == "turn"][1:] == []  # said, not a turn


def test_call_state_reaches_a_responder_that_takes_it_and_private_turns_are_not_hashed(bridge):
    """A responder with a ``call`` parameter gets one state per call (caller, transfer
    ability, its own entries); a turn marked ``private_input`` (a dictated phone number) is
    audited without the hash of what was said."""
    from sqlalchemy import select

    from communia.core.db import read_session
    from communia.core.models import AuditEntry

    seen = []

    def responder(text, *, commune_slug, channel, call):
        seen.append(dict(call))
        call["turns"] = call.get("turns", 0) + 1
        return {
            "answer": "J'ai noté le 06 12 34 56 78. Est-ce exact ?",
            "sources": [],
            "service": None,
            "emergency": None,
            "action": "callback",
            "confidence": 1.0,
            "awaiting": "oui_non",
            "private_input": call["turns"] == 2,
        }

    p = VoicePipeline.for_commune(
        "ville-a",
        transcriber=bridge.test["transcriber"],
        synthesizer=bridge.test["pipeline"].synthesizer,
        responder=responder,  # it takes ``call``: seen by its signature
    )
    bridge.test["transcriber"].text = "zéro six douze trente-quatre cinquante-six soixante-dix-huit"
    state: dict = {}
    first = p.handle(speech_like(1.0), 8000, caller="0612345678", call=state, call_id="c1")
    second = p.handle(speech_like(1.0), 8000, caller="0612345678", call=state, call_id="c1")
    assert first.reply == second.reply == "J'ai noté le 06 12 34 56 78. Est-ce exact ?"
    assert seen == [
        {"caller": "0612345678", "can_transfer": False},
        {"caller": "0612345678", "can_transfer": False, "turns": 1},
    ]
    with read_session() as s:
        hashes = [
            e.inputs_hash
            for e in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "voice.answer")
                .order_by(AuditEntry.id)
            )
        ]
    assert len(hashes[0]) == 64 and hashes[1] == ""
