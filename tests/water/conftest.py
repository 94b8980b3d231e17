"""Fixtures shared by the water tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def ltown(shared_data) -> Path:
    """The simulated L-Town year (BattLeDIM 2018) with its leaks; skips when absent."""
    path = shared_data / "water" / "ltown-2018"
    if not path.is_dir():
        pytest.skip("ltown-2018 absent")
    return path
