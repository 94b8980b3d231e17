"""Database: engine, sessions and the declarative base.

SQLite is the zero-configuration default (WAL, busy timeout, foreign keys, and
``BEGIN IMMEDIATE`` for writing transactions so concurrent writers queue instead of
failing); PostgreSQL is selected by one URL. Schema changes go through Alembic
(``communia.core.migrations``); each module owns a branch of revisions.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, ForeignKey, Integer, MetaData, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from communia.core.errors import Conflict, Unavailable

__all__ = [
    "Base",
    "TenantMixin",
    "UTCDateTime",
    "utcnow",
    "get_engine",
    "read_session",
    "write_session",
    "reset_engine",
    "is_sqlite",
    "check_version",
    "flush_versioned",
    "STALE_MESSAGE",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TenantMixin:
    """Rows that belong to one commune. Read them only through ``communia.core.tenancy``."""

    commune_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("communes.id", ondelete="CASCADE"), index=True
    )


STALE_MESSAGE = (
    "Cette fiche a été modifiée par quelqu'un d'autre entre-temps. "
    "Rechargez la page pour voir sa version actuelle, puis refaites vos changements."
)


def check_version(obj: Any, expected: int | None, message: str = STALE_MESSAGE) -> None:
    """Optimistic locking: refuse an edit made on a version the user did not see."""
    if expected is not None and int(expected) != obj.version:
        raise Conflict(message)


def flush_versioned(session: Session, message: str) -> None:
    """Flush, turning a concurrent write of the same versioned row into a French ``Conflict``."""
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(message) from None


_lock = threading.Lock()
_engine: Engine | None = None
_engine_url: str | None = None
_read_factory: sessionmaker | None = None
_write_factory: sessionmaker | None = None


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # let the "begin" event below issue BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        if conn.get_execution_options().get("communia_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for the configured database URL."""
    global _engine, _engine_url, _read_factory, _write_factory
    from communia.core.settings import get_settings

    settings = get_settings()
    url = url or settings.effective_database_url
    with _lock:
        if _engine is not None and _engine_url == url:
            return _engine
        if _engine is not None:
            _engine.dispose()
        if url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})
            _configure_sqlite(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
        _engine, _engine_url = engine, url
        _read_factory = sessionmaker(bind=engine, expire_on_commit=False)
        _write_factory = sessionmaker(
            bind=engine.execution_options(communia_write=True), expire_on_commit=False
        )
        return engine


def reset_engine() -> None:
    global _engine, _engine_url
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine, _engine_url = None, None


@contextmanager
def _session(write: bool) -> Iterator[Session]:
    get_engine()
    factory = _write_factory if write else _read_factory
    assert factory is not None
    session = factory()
    try:
        yield session
        if write:
            session.commit()
    except OperationalError as exc:
        session.rollback()
        raise Unavailable(
            "La base de données est momentanément indisponible ou verrouillée. "
            "Rien n'a été enregistré ; réessayez dans un instant."
        ) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def read_session() -> AbstractContextManager[Session]:
    """A session for reads (no commit). Use as ``with read_session() as s:``."""
    return _session(write=False)


def write_session() -> AbstractContextManager[Session]:
    """A transaction: commits on success, rolls back everything on any error."""
    return _session(write=True)
