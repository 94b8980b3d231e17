"""Fixtures of the canteen tests (imported by each test module: a conftest.py here would
shadow the root one, which other tests import as ``conftest``)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def nantes_slice() -> Path:
    """The extract of Nantes' data the demo commune ships with (6 canteens, 2014-2017)."""
    from communia.modules.canteen.demo import DATA_DIR

    return DATA_DIR


@pytest.fixture(scope="session")
def slice_data(nantes_slice):
    from communia.modules.canteen.io import load_nantes

    return load_nantes(nantes_slice)


@pytest.fixture(scope="session")
def slice_model(slice_data):
    """A model fitted on the slice up to the end of school year 2016-17."""
    from communia.modules.canteen.evaluate import fit_model

    return fit_model(slice_data.until("2017-07-07"), n_estimators=60)


@pytest.fixture(scope="session")
def nantes_dir(shared_data) -> Path:
    path = shared_data / "cantine" / "nantes"
    if not path.is_dir():
        pytest.skip("données de Nantes absentes")
    return path
