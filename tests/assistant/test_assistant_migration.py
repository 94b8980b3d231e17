"""The assistant's Alembic revisions match the SQLAlchemy models (callbacks' status included)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import communia.modules.assistant.models  # noqa: F401 - registers the tables
from communia.core.db import Base


def test_assistant_tables_match_their_migrations(database):
    with database.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, Base.metadata) if "assistant_" in repr(d)]
    assert diff == []


def test_a_callback_booked_without_a_status_is_still_to_make(database, two_communes):
    """What assistant_0002 gives the rows booked before it (a plain SQL insert, as then)."""
    from sqlalchemy import text

    with database.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO assistant_callbacks "
                "(commune_id, service_slug, slot_start, contact, created_at) "
                "VALUES (:c, 'urbanisme', CURRENT_TIMESTAMP, '06 00 00 00 00', CURRENT_TIMESTAMP)"
            ),
            {"c": two_communes["a"]["commune_id"]},
        )
        row = conn.execute(text("SELECT status, done_by, done_at FROM assistant_callbacks")).one()
    assert tuple(row) == ("a_faire", "", None)
