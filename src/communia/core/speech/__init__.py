"""Speech services: local speech-to-text (Whisper), text-to-speech (espeak-ng) and the phone
bridge (Asterisk AudioSocket, SIP/RTP) that puts the citizen assistant on the phone.

Importing this package is cheap: faster-whisper and NumPy are imported inside functions.
"""

from __future__ import annotations

from communia.core.lazy import lazy_exports

_EXPORTS = {
    "CallSession": "call",
    "Endpointer": "vad",
    "HttpSmsTransport": "sms",
    "OutboxSmsSender": "sms",
    "Responder": "pipeline",
    "SmsSender": "sms",
    "SpokenReply": "spoken",
    "Synthesizer": "tts",
    "Transcriber": "stt",
    "Transcript": "stt",
    "Turn": "pipeline",
    "VoiceBridge": "server",
    "VoicePipeline": "pipeline",
    "audiosocket_call": "audiosocket",
    "classify_audio": "pipeline",
    "dispatch_outbox": "sms",
    "install_model": "model",
    "load_responder": "server",
    "serve_audiosocket": "audiosocket",
    "serve_sip": "sip",
    "speakable": "spoken",
    "to_spoken": "spoken",
    "whisper_dir": "model",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
