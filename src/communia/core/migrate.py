"""Schema migrations through Alembic: the core branch plus one branch per module."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from communia.core.db import get_engine

__all__ = ["alembic_config", "upgrade", "pending_heads", "current_heads"]

HERE = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    from communia.core.registry import load_modules

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    locations = [str(HERE / "versions")]
    locations += [str(m.migrations) for m in load_modules() if m.migrations is not None]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    return cfg


def upgrade() -> None:
    """Bring the database to the latest schema (core and every module)."""
    import communia.core.models  # noqa: F401 - register tables
    from communia.core.db import write_session
    from communia.core.registry import load_modules

    command.upgrade(alembic_config(), "heads")
    for module in load_modules():
        if module.seed is not None:
            with write_session() as session:
                module.seed(session)


def current_heads() -> set[str]:
    with get_engine().connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def pending_heads() -> set[str]:
    """Heads defined in code that the database has not reached."""
    script = ScriptDirectory.from_config(alembic_config())
    current = current_heads()
    applied = (
        {rev.revision for rev in script.iterate_revisions(tuple(current), "base")}
        if current
        else set()
    )
    return set(script.get_heads()) - applied
