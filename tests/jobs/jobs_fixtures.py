"""Fixtures of the jobs tests (a module, not a conftest.py: the root conftest is imported
by name ``conftest`` from other test folders)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
__all__ = [
    "commune",
    "worker",
    "subprocess_env",
    "worker_command",
    "jobs_http",
    "no_stray_worker",
]


@pytest.fixture(autouse=True)
def no_stray_worker():
    """Each test decides which workers run: stop a process-wide worker that an app
    started earlier in this test process (e.g. a live server of another test file), and
    restart it afterwards so that server's later tests still get their jobs run."""
    from communia.core.jobs import embedded

    was_running = embedded._global is not None
    embedded.stop_embedded_worker()
    yield
    if was_running:
        embedded.start_embedded_worker()


@pytest.fixture
def commune(database):
    from communia.core.db import write_session
    from communia.core.models import Commune

    with write_session() as session:
        first = Commune(slug="saint-exemple", name="Saint-Exemple")
        other = Commune(slug="autre-ville", name="Autre-Ville")
        session.add_all([first, other])
        session.flush()
        return first.id, other.id


@pytest.fixture
def worker(database):
    from communia.core.jobs.embedded import EmbeddedWorker

    workers = []

    def start(**kwargs):
        kwargs.setdefault("poll_interval_s", 0.05)
        kwargs.setdefault("heartbeat_s", 0.2)
        w = EmbeddedWorker(**kwargs).start()
        workers.append(w)
        return w

    yield start
    for w in workers:
        w.stop(timeout=5)


@pytest.fixture
def subprocess_env(tmp_path):
    """Environment of a worker subprocess: same database, test tasks importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    env["COMMUNIA_MODULES__JOBS__TASK_MODULES"] = '["jobs_test_tasks"]'
    env["COMMUNIA_MODULES__JOBS__POLL_INTERVAL_S"] = "0.05"
    env["COMMUNIA_MODULES__JOBS__HEARTBEAT_S"] = "0.2"
    env["PYTHONUNBUFFERED"] = "1"
    return env


WORKER_CODE = (
    "import sys; from communia.core.jobs.cli import jobs_group; "
    "jobs_group(sys.argv[1:], standalone_mode=True)"
)


@pytest.fixture
def worker_command():
    return [sys.executable, "-c", WORKER_CODE, "worker"]


@pytest.fixture
def jobs_http(database):
    """The real app with the jobs pages, API and embedded worker, served by uvicorn."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from communia.core.jobs.web import install
    from communia.web.app import create_app

    app = create_app()
    install(app)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url + "/api/v1/health", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.1)
    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
        yield client
    server.should_exit = True
    thread.join(timeout=10)
