"""The hand-written Alembic revision matches the SQLAlchemy model."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from privacy_fixtures import *  # noqa: F403 - fixtures

import communia.core.privacy.models  # noqa: F401 - registers the table
from communia.core.db import Base


def test_privacy_table_matches_its_migration(database):
    with database.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, Base.metadata) if "privacy_mappings" in repr(d)]
    assert diff == []
