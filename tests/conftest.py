"""Shared fixtures: a real, migrated database (SQLite by default, PostgreSQL when
``COMMUNIA_TEST_DATABASE_URL`` is set), emptied after each test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from communia_testing import ARTIFACTS, PASSWORD  # noqa: F401 - re-exported for fixtures

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
    """A migrated database, emptied before the test (reference data included)."""
    from sqlalchemy import MetaData, delete

    from communia.core.search import clear_cache

    meta = MetaData()
    meta.reflect(_database)  # every table, including the modules' ones
    with _database.begin() as conn:
        for table in reversed(meta.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(delete(table))
    # SQLite gives the next test's commune the same id and its index the same generation
    # number: the search's in-memory vectors of the emptied rows would be served again.
    clear_cache()
    yield _database


@pytest.fixture
def two_communes(database):
    """Two communes of one intercommunality, each with an admin, an agent, an elu and a service."""
    from communia.core.communes import create_commune, parse_hours
    from communia.core.db import write_session
    from communia.core.models import Service
    from communia.core.users import create_user

    out = {}
    with write_session() as s:
        for key, slug, name in (("a", "ville-a", "Ville-A"), ("b", "ville-b", "Ville-B")):
            commune = create_commune(s, slug=slug, name=name, by="test")
            service = Service(
                commune_id=commune.id,
                slug="urbanisme",
                name=f"Urbanisme {name}",
                phone="01 02 03 04 05",
                email=f"urba@{slug}.fr",
                hours=parse_hours("lundi 08:30-12:00 13:30-17:00"),
            )
            s.add(service)
            users = {}
            for role in ("admin", "agent", "elu"):
                users[role] = create_user(
                    s,
                    commune_id=commune.id,
                    email=f"{role}@{slug}.fr",
                    full_name=f"{role.title()} {name}",
                    role=role,
                    password=PASSWORD,
                    by="test",
                ).email
            s.flush()
            out[key] = {
                "commune_id": commune.id,
                "slug": slug,
                "service_id": service.id,
                "users": users,
            }
    return out


@pytest.fixture(scope="session")
def live_server(_database):
    """The real app served by uvicorn on a free local port, in a background thread."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from communia.web.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/api/v1/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield url
    server.should_exit = True
    thread.join(timeout=5)


@pytest.fixture
def http(live_server, database):
    """An HTTP client (cookies kept) against the live server; the database is emptied after."""
    import httpx

    with httpx.Client(base_url=live_server, follow_redirects=False, timeout=30) as client:
        yield client


# ---------------------------------------------------------------- real browser (Debian Chromium)
CHROMIUM = os.environ.get("COMMUNIA_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium absent (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, database):
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()
