from pathlib import Path

from communia.core.settings import Settings
from communia.core.settings_doc import render_settings_doc

ROOT = Path(__file__).resolve().parents[2]


def test_env_prefix_and_nested_module_settings(monkeypatch):
    monkeypatch.setenv("COMMUNIA_PORT", "9001")
    monkeypatch.setenv("COMMUNIA_MODULES__CANTEEN__SERVICE_LEVEL", "0.9")
    settings = Settings()
    assert settings.port == 9001
    assert settings.modules["canteen"]["service_level"] == "0.9"


def test_toml_file_is_read(monkeypatch, tmp_path):
    config = tmp_path / "communia.toml"
    config.write_text('port = 8123\nbase_url = "https://communia.exemple.fr"\n', encoding="utf-8")
    monkeypatch.setenv("COMMUNIA_CONFIG", str(config))
    monkeypatch.delenv("COMMUNIA_PORT", raising=False)
    settings = Settings()
    assert settings.port == 8123 and settings.base_url == "https://communia.exemple.fr"


def test_every_setting_has_a_description():
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert field.examples, name


def test_settings_reference_is_up_to_date():
    current = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert current == render_settings_doc(), "run: communia settings-doc --output docs/settings.md"
