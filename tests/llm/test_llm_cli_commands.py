"""``communia llm install-model | chat`` on the real model."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from communia.core.llm.cli import llm_group

pytestmark = pytest.mark.slow


@pytest.fixture
def model_env(llm_model_path, monkeypatch):
    from communia.core.settings import reset_settings

    monkeypatch.setenv("COMMUNIA_MODULES__LLM__MODEL_PATH", str(llm_model_path))
    reset_settings()
    yield llm_model_path
    reset_settings()


def test_install_model_is_idempotent(model_env):
    result = CliRunner().invoke(llm_group, ["install-model", "--target", str(model_env)])
    assert result.exit_code == 0, result.output
    assert "déjà installé et intact" in result.output
    assert "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" in result.output


def test_chat_streams_an_answer(database, model_env):
    result = CliRunner().invoke(llm_group, ["chat", "Réponds seulement : oui", "--max-tokens", "4"])
    assert result.exit_code == 0, result.output
    assert result.output.strip()
