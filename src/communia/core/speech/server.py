"""Run the phone bridge: AudioSocket and/or SIP, sharing one model and one responder."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable

from communia.core.errors import ConfigurationError

__all__ = ["load_responder", "CliResponder", "VoiceBridge", "ASSISTANT_RESPONDER"]

log = logging.getLogger(__name__)

# Where the text assistant's phone entry point is expected (module:function).
ASSISTANT_RESPONDER = "communia.modules.assistant.voice:respond"


class CliResponder:
    """Ask through the stable command ``communia assistant ask --commune SLUG --json TEXT``.

    Slower than an in-process call (one process per question) but needs nothing from the
    assistant module beyond the interface its benchmarks use.
    """

    def __init__(self, command: list[str] | None = None, *, timeout_s: float = 30.0) -> None:
        import sys

        self.command = command or [sys.executable, "-m", "communia", "assistant", "ask"]
        self.timeout_s = timeout_s

    def __call__(self, text: str, *, commune_slug: str, channel: str = "phone") -> dict:
        import json
        import subprocess

        from communia.core.errors import Unavailable

        try:
            proc = subprocess.run(
                [*self.command, "--commune", commune_slug, "--json", text],
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
                check=False,
            )
            result = json.loads(proc.stdout)
        except (subprocess.TimeoutExpired, ValueError) as exc:
            raise Unavailable("L'assistant n'a pas répondu correctement.") from exc
        if proc.returncode != 0 or not isinstance(result, dict):
            raise Unavailable(f"L'assistant a échoué : {proc.stderr.strip()[:200]}")
        return result


def load_responder(spec: str) -> Callable[..., dict]:
    """``"package.module:function"`` → the responder callable; ``"cli"`` → ``CliResponder``."""
    if spec == "cli":
        return CliResponder()
    module_path, _, attr = spec.partition(":")
    try:
        responder = getattr(importlib.import_module(module_path), attr or "respond")
    except (ImportError, AttributeError) as exc:
        raise ConfigurationError(
            f"Répondeur introuvable : « {spec} ». Indiquez --responder module:fonction "
            "(l'assistant doit être installé)."
        ) from exc
    if not callable(responder):
        raise ConfigurationError(f"« {spec} » n'est pas une fonction.")
    return responder


class VoiceBridge:
    """One pipeline per commune; calls are routed by the SIP user part (``sip:<slug>@...``)."""

    def __init__(
        self,
        pipelines: dict,
        *,
        default: str,
        greet: bool = True,
        on_event: Callable[[str, dict], None] | None = None,
        endpointer_options: dict | None = None,
    ) -> None:
        if default not in pipelines:
            raise ConfigurationError(f"Commune par défaut inconnue : « {default} ».")
        self.pipelines = pipelines
        self.default = default
        self.greet = greet
        self.on_event = on_event
        self.endpointer_options = endpointer_options or {}
        self.sessions: list = []

    def make_session(self, *, send_frame, hangup, call_id, caller=None, callee=None, transfer=None):
        from communia.core.speech.call import CallSession
        from communia.core.speech.vad import Endpointer

        pipeline = self.pipelines.get(callee or "", self.pipelines[self.default])
        session = CallSession(
            pipeline,
            send_frame=send_frame,
            hangup=hangup,
            transfer=transfer,
            call_id=call_id,
            caller=caller,
            greet=self.greet,
            on_event=self.on_event,
            endpointer=Endpointer(8000, **self.endpointer_options),
        )
        self.sessions.append(session)
        del self.sessions[:-100]
        return session

    async def start(
        self,
        *,
        host: str = "127.0.0.1",
        audiosocket_port: int | None = None,
        sip_port: int | None = None,
        symmetric_rtp: bool = False,
        transfer_domain: str | None = None,
    ) -> dict:
        from communia.core.speech.audiosocket import serve_audiosocket
        from communia.core.speech.sip import serve_sip

        out: dict = {}
        if audiosocket_port is not None:
            server = await serve_audiosocket(self.make_session, host=host, port=audiosocket_port)
            out["audiosocket"] = server
            out["audiosocket_port"] = server.sockets[0].getsockname()[1]
        if sip_port is not None:
            sip = await serve_sip(
                self.make_session,
                host=host,
                port=sip_port,
                symmetric_rtp=symmetric_rtp,
                transfer_domain=transfer_domain,
            )
            out["sip"] = sip
            out["sip_port"] = sip.port
        return out

    async def serve_forever(self, **kwargs) -> None:
        servers = await self.start(**kwargs)
        try:
            await asyncio.Event().wait()
        finally:
            if "audiosocket" in servers:
                servers["audiosocket"].close()
            if "sip" in servers and servers["sip"].transport is not None:
                servers["sip"].transport.close()
