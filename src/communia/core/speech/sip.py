"""A minimal SIP user agent server (UDP) with G.711 μ-law RTP, for IPBX trunks and tests.

Scope, on purpose small: INVITE (SDP offer with PCMU/8000) → 100 Trying, 200 OK with our
SDP answer (retransmitted until ACK); ACK; BYE (either side); CANCEL; OPTIONS; blind call
transfer by REFER (RFC 3515: 202 Accepted, then NOTIFY with a ``message/sipfrag`` status,
and our BYE once the transfer succeeded). No registration, no authentication, no
re-INVITE, no SRTP: put it behind the commune's IPBX (Asterisk, FreeSWITCH, a 3CX
trunk...) on a private network. The remote RTP address comes
from the SDP (``symmetric_rtp=True`` answers to where packets come from, for NAT).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from communia.core.speech.audio import ulaw_decode, ulaw_encode

__all__ = [
    "SipMessage",
    "parse_sip",
    "parse_sdp",
    "RtpPacket",
    "parse_rtp",
    "build_rtp",
    "SipServer",
    "serve_sip",
]

log = logging.getLogger(__name__)

COMPACT = {
    "v": "via",
    "f": "from",
    "t": "to",
    "i": "call-id",
    "m": "contact",
    "l": "content-length",
    "c": "content-type",
}
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY"
REFER_TIMEOUT_S = 32.0  # RFC 3261 timer F: a non-INVITE transaction gives up after 64*T1
TRANSFER_TIMEOUT_S = 40.0  # REFER accepted, but no final NOTIFY by then: the transfer failed
PCMU = 0
SAMPLES_PER_FRAME = 160  # 20 ms at 8 kHz


@dataclass
class SipMessage:
    start: str
    headers: list[tuple[str, str]]
    body: str = ""

    @property
    def is_request(self) -> bool:
        return not self.start.startswith("SIP/2.0")

    @property
    def method(self) -> str:
        if self.is_request:
            return self.start.split(" ", 1)[0].upper()
        return self.header("cseq").split()[-1].upper() if self.header("cseq") else ""

    @property
    def status(self) -> int:
        return int(self.start.split()[1]) if not self.is_request else 0

    @property
    def uri(self) -> str:
        return self.start.split()[1] if self.is_request else ""

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key == name.lower():
                return value
        return ""

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name.lower()]


def parse_sip(data: bytes) -> SipMessage:
    text = data.decode("utf-8", "replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:  # folded header line
            key, value = headers[-1]
            headers[-1] = (key, value + " " + line.strip())
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad SIP header line {line!r}")
        key = key.strip().lower()
        headers.append((COMPACT.get(key, key), value.strip()))
    if not lines[0] or len(lines[0].split()) < 3:
        raise ValueError("bad SIP start line")
    return SipMessage(lines[0], headers, body)


def format_sip(start: str, headers: list[tuple[str, str]], body: str = "") -> bytes:
    out = [start]
    out += [f"{k}: {v}" for k, v in headers if k.lower() != "content-length"]
    out.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(out) + "\r\n\r\n" + body).encode()


def parse_sdp(body: str) -> dict:
    """``{"address", "port", "payloads": [int]}`` of the first audio stream."""
    address, port, payloads = "", 0, []
    for line in body.splitlines():
        line = line.strip()
        if line.startswith("c=IN IP4 ") and not port:
            address = line.split()[-1].split("/")[0]
        elif line.startswith("m=audio ") and not port:
            parts = line.split()
            port = int(parts[1])
            payloads = [int(p) for p in parts[3:] if p.isdigit()]
        elif line.startswith("c=IN IP4 ") and port:
            address = line.split()[-1].split("/")[0]  # media-level c= wins
    return {"address": address, "port": port, "payloads": payloads}


@dataclass
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    marker: bool
    payload: bytes


def parse_rtp(data: bytes) -> RtpPacket | None:
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    csrc = data[0] & 0x0F
    offset = 12 + 4 * csrc
    if data[0] & 0x10 and len(data) >= offset + 4:  # header extension
        offset += 4 + 4 * struct.unpack(">H", data[offset + 2 : offset + 4])[0]
    payload = data[offset:]
    if data[0] & 0x20 and payload:  # padding
        payload = payload[: -payload[-1]]
    seq, ts, ssrc = struct.unpack(">HII", data[2:12])
    return RtpPacket(data[1] & 0x7F, seq, ts, ssrc, bool(data[1] & 0x80), payload)


def build_rtp(
    payload: bytes,
    *,
    sequence: int,
    timestamp: int,
    ssrc: int,
    payload_type: int = PCMU,
    marker: bool = False,
) -> bytes:
    return (
        struct.pack(
            ">BBHII",
            0x80,
            (0x80 if marker else 0) | payload_type,
            sequence & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            ssrc,
        )
        + payload
    )


class _Rtp(asyncio.DatagramProtocol):
    def __init__(self, call: _Call) -> None:
        self.call = call

    def datagram_received(self, data: bytes, addr) -> None:
        packet = parse_rtp(data)
        if packet is None or packet.payload_type != PCMU or self.call.session is None:
            return  # DTMF events, comfort noise and other codecs are ignored
        if self.call.symmetric:
            self.call.remote_rtp = addr
        self.call.session.feed(ulaw_decode(packet.payload))


@dataclass
class _Call:
    call_id: str
    invite: SipMessage
    addr: tuple
    local_tag: str
    remote_rtp: tuple
    symmetric: bool
    transport: asyncio.DatagramTransport | None = None  # RTP socket
    session: object | None = None
    runner: asyncio.Task | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    ok_response: bytes = b""
    ssrc: int = field(default_factory=lambda: random.getrandbits(32))
    seq: int = field(default_factory=lambda: random.getrandbits(16))
    ts: int = field(default_factory=lambda: random.getrandbits(32))
    first_frame: bool = True
    cseq: int = 1
    ended: bool = False
    # transactions we started (REFER), by CSeq number → future of the final status code
    pending: dict[int, asyncio.Future] = field(default_factory=dict)
    # status codes of the transfer target, from the NOTIFY bodies (RFC 3515 sipfrag)
    transfer_status: asyncio.Queue = field(default_factory=asyncio.Queue)


class SipServer(asyncio.DatagramProtocol):
    """``make_session(send_frame=, hangup=, transfer=, call_id=, caller=, callee=)`` →
    ``CallSession``. ``transfer(number)`` is a coroutine: REFER the caller to
    ``sip:<number>@<transfer_domain>`` (default: the address the call came from, i.e. the
    IPBX) and return True once the IPBX reports that the transfer succeeded (the call is
    then over for us), False otherwise (the caller stays on the line)."""

    def __init__(
        self,
        make_session: Callable[..., object],
        *,
        host: str,
        rtp_host: str,
        symmetric_rtp: bool = False,
        transfer_domain: str | None = None,
    ) -> None:
        self.make_session = make_session
        self.host = host
        self.rtp_host = rtp_host
        self.symmetric_rtp = symmetric_rtp
        self.transfer_domain = transfer_domain
        self.calls: dict[str, _Call] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.port = 0

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.port = transport.get_extra_info("sockname")[1]

    def datagram_received(self, data: bytes, addr) -> None:
        if not data.strip():
            return  # keep-alive
        try:
            message = parse_sip(data)
        except (ValueError, UnicodeError):
            log.warning("unparsable SIP datagram from %s", addr)
            return
        if not message.is_request:
            self._response_received(message)
            return
        handler = {
            "INVITE": self._invite,
            "ACK": self._ack,
            "BYE": self._bye,
            "CANCEL": self._cancel,
            "OPTIONS": self._options,
            "NOTIFY": self._notify,
        }.get(message.method)
        if handler is None:
            self._respond(message, addr, 501, "Not Implemented", extra=[("Allow", ALLOW)])
        else:
            asyncio.ensure_future(handler(message, addr))

    # --- responses --------------------------------------------------------------------
    def _response(
        self,
        request: SipMessage,
        code: int,
        reason: str,
        *,
        to_tag: str = "",
        extra: list[tuple[str, str]] | None = None,
        body: str = "",
    ) -> bytes:
        headers = [("Via", v) for v in request.all("via")]
        to = request.header("to")
        if to_tag and ";tag=" not in to:
            to = f"{to};tag={to_tag}"
        headers += [
            ("From", request.header("from")),
            ("To", to),
            ("Call-ID", request.header("call-id")),
            ("CSeq", request.header("cseq")),
            ("Server", "Communia voice"),
        ]
        headers += extra or []
        if body:
            headers.append(("Content-Type", "application/sdp"))
        return format_sip(f"SIP/2.0 {code} {reason}", headers, body)

    def _respond(self, request, addr, code, reason, **kwargs) -> bytes:
        data = self._response(request, code, reason, **kwargs)
        if self.transport is not None:
            self.transport.sendto(data, addr)
        return data

    async def _options(self, request, addr) -> None:
        self._respond(
            request, addr, 200, "OK", extra=[("Allow", ALLOW), ("Accept", "application/sdp")]
        )

    async def _invite(self, request: SipMessage, addr) -> None:
        call_id = request.header("call-id")
        existing = self.calls.get(call_id)
        if existing is not None:  # retransmission (or re-INVITE, answered the same way)
            if existing.ok_response and self.transport:
                self.transport.sendto(existing.ok_response, addr)
            return
        self._respond(request, addr, 100, "Trying")
        offer = parse_sdp(request.body)
        if PCMU not in offer["payloads"] or not offer["port"]:
            self._respond(request, addr, 488, "Not Acceptable Here", to_tag=secrets.token_hex(4))
            return
        loop = asyncio.get_running_loop()
        remote_host = offer["address"] if offer["address"] not in ("", "0.0.0.0") else addr[0]
        call = _Call(
            call_id,
            request,
            addr,
            secrets.token_hex(6),
            (remote_host, offer["port"]),
            self.symmetric_rtp,
        )
        self.calls[call_id] = call
        call.transport, _ = await loop.create_datagram_endpoint(
            lambda: _Rtp(call), local_addr=(self.rtp_host, 0)
        )
        rtp_port = call.transport.get_extra_info("sockname")[1]
        session_id = random.getrandbits(31)
        sdp = (
            "v=0\r\n"
            f"o=communia {session_id} {session_id} IN IP4 {self.rtp_host}\r\n"
            "s=Communia\r\n"
            f"c=IN IP4 {self.rtp_host}\r\n"
            "t=0 0\r\n"
            f"m=audio {rtp_port} RTP/AVP 0\r\n"
            "a=rtpmap:0 PCMU/8000\r\n"
            "a=ptime:20\r\n"
            "a=sendrecv\r\n"
        )
        call.ok_response = self._respond(
            request,
            addr,
            200,
            "OK",
            to_tag=call.local_tag,
            body=sdp,
            extra=[("Contact", f"<sip:communia@{self.host}:{self.port}>"), ("Allow", ALLOW)],
        )
        caller = _user_part(request.header("from"))
        callee = _user_part(request.uri)

        async def send_frame(pcm: bytes, talkspurt_start: bool = False, call=call) -> None:
            if call.ended or call.transport is None:
                return
            # RFC 3550: the marker bit opens each talkspurt (the first frame of each reply). It
            # follows the playback, not the clock: frames sent late on a loaded machine are
            # still one talkspurt.
            marker = call.first_frame or talkspurt_start
            packet = build_rtp(
                ulaw_encode(pcm),
                sequence=call.seq,
                timestamp=call.ts,
                ssrc=call.ssrc,
                marker=marker,
            )
            call.first_frame = False
            call.seq = (call.seq + 1) & 0xFFFF
            call.ts = (call.ts + SAMPLES_PER_FRAME) & 0xFFFFFFFF
            call.transport.sendto(packet, call.remote_rtp)

        async def hangup(call=call) -> None:
            self._send_bye(call)
            self._end(call)

        async def transfer(number: str, call=call) -> bool:
            return await self.transfer(call, number)

        call.session = self.make_session(
            send_frame=send_frame,
            hangup=hangup,
            transfer=transfer,
            call_id=call_id,
            caller=caller,
            callee=callee,
        )
        call.runner = asyncio.ensure_future(call.session.run())
        # RFC 3261 timer G: retransmit the 200 OK until the ACK comes (at most ~4 s here).
        for delay in (0.5, 1.0, 2.0):
            try:
                await asyncio.wait_for(call.acked.wait(), delay)
                return
            except TimeoutError:
                if call.ended or self.transport is None:
                    return
                self.transport.sendto(call.ok_response, addr)

    async def _ack(self, request, addr) -> None:
        call = self.calls.get(request.header("call-id"))
        if call is not None:
            call.acked.set()

    async def _bye(self, request, addr) -> None:
        call = self.calls.get(request.header("call-id"))
        if call is None:
            self._respond(request, addr, 481, "Call/Transaction Does Not Exist")
            return
        self._respond(request, addr, 200, "OK")
        self._end(call)

    async def _cancel(self, request, addr) -> None:
        call = self.calls.get(request.header("call-id"))
        if call is None:
            self._respond(request, addr, 481, "Call/Transaction Does Not Exist")
            return
        self._respond(request, addr, 200, "OK")
        if not call.acked.is_set():
            self._respond(call.invite, addr, 487, "Request Terminated", to_tag=call.local_tag)
        self._end(call)

    def _in_dialog(
        self, call: _Call, method: str, extra: list[tuple[str, str]] | None = None
    ) -> bytes:
        """A request of ours inside the call's dialog (we are the UAS: From and To swap)."""
        invite = call.invite
        contact = invite.header("contact")
        target = re.search(r"<([^>]+)>", contact)
        uri = target.group(1) if target else (contact or invite.header("from").strip("<>"))
        call.cseq += 1
        headers = [
            ("Via", f"SIP/2.0/UDP {self.host}:{self.port};branch=z9hG4bK{secrets.token_hex(8)}"),
            ("Max-Forwards", "70"),
            (
                "From",
                f"{invite.header('to')};tag={call.local_tag}"
                if ";tag=" not in invite.header("to")
                else invite.header("to"),
            ),
            ("To", invite.header("from")),
            ("Call-ID", call.call_id),
            ("CSeq", f"{call.cseq} {method}"),
            *(extra or []),
        ]
        return format_sip(f"{method} {uri} SIP/2.0", headers)

    def transfer_uri(self, call: _Call, number: str) -> str:
        """``sip:<digits>@<domain>`` for a service's phone number (spaces and dots dropped)."""
        digits = re.sub(r"[^0-9+*#]", "", number or "")
        if not digits:
            raise ValueError(f"no digits in the transfer number {number!r}")
        domain = self.transfer_domain or f"{call.addr[0]}:{call.addr[1]}"
        return f"sip:{digits}@{domain}"

    async def transfer(self, call: _Call, number: str) -> bool:
        """Blind transfer (RFC 3515, RFC 5589 §6): REFER, 202, NOTIFYs until a final status;
        on success our leg is hung up. False when the IPBX refuses or the target fails."""
        if call.ended or self.transport is None:
            return False
        try:
            target = self.transfer_uri(call, number)
        except ValueError:
            log.warning("call %s: no usable transfer number %r", call.call_id, number)
            return False
        loop = asyncio.get_running_loop()
        data = self._in_dialog(
            call,
            "REFER",
            [
                ("Contact", f"<sip:communia@{self.host}:{self.port}>"),
                ("Refer-To", f"<{target}>"),
                ("Referred-By", f"<sip:communia@{self.host}:{self.port}>"),
            ],
        )
        cseq = call.cseq
        future: asyncio.Future = loop.create_future()
        call.pending[cseq] = future
        try:
            # RFC 3261 timer E: retransmit the non-INVITE request (0.5, 1, 2, 4, 4... s)
            # until a final response; give up after timer F.
            deadline, delay = loop.time() + REFER_TIMEOUT_S, 0.5
            while not future.done() and not call.ended and loop.time() < deadline:
                self.transport.sendto(data, call.addr)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(future), delay)
                delay = min(delay * 2, 4.0)
            status = future.result() if future.done() else 0
        finally:
            call.pending.pop(cseq, None)
        if not 200 <= status < 300:
            log.warning("call %s: REFER to %s refused (%s)", call.call_id, target, status)
            return False
        # 202 Accepted: the IPBX now calls the target and reports in NOTIFY bodies.
        deadline = loop.time() + TRANSFER_TIMEOUT_S
        while not call.ended:
            try:
                code = await asyncio.wait_for(
                    call.transfer_status.get(), max(0.01, deadline - loop.time())
                )
            except TimeoutError:
                log.warning("call %s: transfer to %s: no final NOTIFY", call.call_id, target)
                return False
            if call.ended:
                return True  # the IPBX hung our leg up itself once the target answered
            if 200 <= code < 300:
                self._send_bye(call)
                self._end(call)
                return True
            if code >= 300:
                log.warning("call %s: transfer to %s failed (%s)", call.call_id, target, code)
                return False
        return True  # the IPBX ended our leg itself once the target answered

    def _response_received(self, message: SipMessage) -> None:
        """A response to a request we sent: resolve the pending REFER; ignore the rest."""
        call = self.calls.get(message.header("call-id"))
        if call is None or message.status < 200:
            return
        try:
            number = int(message.header("cseq").split()[0])
        except (ValueError, IndexError):
            return
        future = call.pending.get(number)
        if future is not None and not future.done():
            future.set_result(message.status)

    async def _notify(self, request: SipMessage, addr) -> None:
        call = self.calls.get(request.header("call-id"))
        if call is None:
            self._respond(request, addr, 481, "Call/Transaction Does Not Exist")
            return
        self._respond(request, addr, 200, "OK")
        match = re.match(r"\s*SIP/2\.0\s+(\d{3})", request.body or "")
        if request.header("event").split(";")[0].strip().lower() == "refer" and match:
            call.transfer_status.put_nowait(int(match.group(1)))

    def _send_bye(self, call: _Call) -> None:
        if call.ended or self.transport is None:
            return
        self.transport.sendto(self._in_dialog(call, "BYE"), call.addr)

    def _end(self, call: _Call) -> None:
        if call.ended:
            return
        call.ended = True
        call.transfer_status.put_nowait(0)  # wakes a transfer waiting for its NOTIFY
        if call.session is not None:
            call.session.close()
        if call.transport is not None:
            call.transport.close()
        self.calls.pop(call.call_id, None)


def _user_part(value: str) -> str | None:
    match = re.search(r"sips?:([^@;>]+)@", value)
    return match.group(1) if match else None


async def serve_sip(
    make_session,
    *,
    host: str = "127.0.0.1",
    port: int = 5060,
    rtp_host: str | None = None,
    symmetric_rtp: bool = False,
    transfer_domain: str | None = None,
) -> SipServer:
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_datagram_endpoint(
        lambda: SipServer(
            make_session,
            host=host,
            rtp_host=rtp_host or host,
            symmetric_rtp=symmetric_rtp,
            transfer_domain=transfer_domain,
        ),
        local_addr=(host, port),
    )
    return protocol
