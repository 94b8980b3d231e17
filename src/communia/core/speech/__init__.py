"""Speech services: local speech-to-text (Whisper), text-to-speech (espeak-ng) and the phone
bridge (Asterisk AudioSocket, SIP/RTP) that puts the citizen assistant on the phone.

Importing this package is cheap: faster-whisper and NumPy are imported inside functions.
"""

from communia.core.speech.audiosocket import audiosocket_call, serve_audiosocket
from communia.core.speech.call import CallSession
from communia.core.speech.model import install_model, whisper_dir
from communia.core.speech.pipeline import Responder, Turn, VoicePipeline, classify_audio
from communia.core.speech.server import VoiceBridge, load_responder
from communia.core.speech.sip import serve_sip
from communia.core.speech.sms import HttpSmsTransport, OutboxSmsSender, SmsSender, dispatch_outbox
from communia.core.speech.spoken import SpokenReply, speakable, to_spoken
from communia.core.speech.stt import Transcriber, Transcript
from communia.core.speech.tts import Synthesizer
from communia.core.speech.vad import Endpointer

__all__ = [
    "CallSession",
    "Endpointer",
    "HttpSmsTransport",
    "OutboxSmsSender",
    "Responder",
    "SmsSender",
    "SpokenReply",
    "Synthesizer",
    "Transcriber",
    "Transcript",
    "Turn",
    "VoiceBridge",
    "VoicePipeline",
    "audiosocket_call",
    "classify_audio",
    "dispatch_outbox",
    "install_model",
    "load_responder",
    "serve_audiosocket",
    "serve_sip",
    "speakable",
    "to_spoken",
    "whisper_dir",
]
