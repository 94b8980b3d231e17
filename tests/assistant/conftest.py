"""Fixtures of the assistant's tests."""

from __future__ import annotations

import pytest

from communia.core.settings import reset_settings


@pytest.fixture
def bm25_only(monkeypatch):
    """Keywords only (``search.embedder = none``): fast, no model."""
    monkeypatch.setenv("COMMUNIA_MODULES__SEARCH__EMBEDDER", "none")
    reset_settings()
    yield
    monkeypatch.delenv("COMMUNIA_MODULES__SEARCH__EMBEDDER")
    reset_settings()
