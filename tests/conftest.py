"""Shared fixtures: a real, migrated database (SQLite by default, PostgreSQL when
``COMMUNIA_TEST_DATABASE_URL`` is set), emptied after each test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The project's shared real data (../shared/data); skips when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data absent")
    return SHARED_DATA


@pytest.fixture(scope="session")
def _database(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("communia-data")
    os.environ["COMMUNIA_DATA_DIR"] = str(data_dir)
    os.environ["COMMUNIA_SECRET_KEY"] = "test-secret-key-not-a-placeholder"
    url = os.environ.get("COMMUNIA_TEST_DATABASE_URL", "")
    if url:
        os.environ["COMMUNIA_DATABASE_URL"] = url
    else:
        os.environ.pop("COMMUNIA_DATABASE_URL", None)

    from sqlalchemy import text

    from communia.core import db
    from communia.core.migrate import upgrade
    from communia.core.settings import reset_settings

    reset_settings()
    db.reset_engine()
    engine = db.get_engine()
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade()
    yield engine
    db.reset_engine()


@pytest.fixture
def database(_database):
    """A migrated database; every table is emptied after the test."""
    yield _database
    from sqlalchemy import delete

    from communia.core.db import Base

    with _database.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))
