"""Write an RTP/PCMU stream as a pcap file (what ``sipp``'s ``play_pcap_audio`` plays).

Lets a commune test its bridge with a standard SIP tool and any WAV question:
``write_rtp_pcap("question.pcap", pcm8k)``. Classic libpcap format, Ethernet + IPv4 + UDP.
"""

from __future__ import annotations

import random
import struct
from pathlib import Path

from communia.core.speech.audio import frames, ulaw_encode
from communia.core.speech.sip import build_rtp

__all__ = ["write_rtp_pcap"]


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def write_rtp_pcap(
    path: str | Path,
    pcm8k: bytes,
    *,
    src: tuple[str, int] = ("10.0.0.1", 6000),
    dst: tuple[str, int] = ("10.0.0.2", 6000),
) -> Path:
    """One RTP packet (PT 0, 20 ms) per frame, timestamped 20 ms apart."""
    import ipaddress

    path = Path(path)
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]  # LINKTYPE_ETHERNET
    ssrc, seq, ts = random.getrandbits(32), random.getrandbits(16), random.getrandbits(32)
    src_ip, dst_ip = ipaddress.IPv4Address(src[0]).packed, ipaddress.IPv4Address(dst[0]).packed
    for i, frame in enumerate(frames(pcm8k, 8000, 20)):
        rtp = build_rtp(
            ulaw_encode(frame), sequence=seq + i, timestamp=ts + 160 * i, ssrc=ssrc, marker=i == 0
        )
        udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(rtp), 0) + rtp
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0, src_ip, dst_ip
        )
        ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
        packet = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
        usec = i * 20000
        out.append(
            struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(packet), len(packet))
        )
        out.append(packet)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(b"".join(out))
    tmp.replace(path)
    return path
