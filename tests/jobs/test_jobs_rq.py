"""The same tasks through the real Redis broker and a real RQ worker subprocess."""

from __future__ import annotations

import secrets
import subprocess
import time

import jobs_test_tasks  # noqa: F401 - registers the test tasks
import pytest
from jobs_fixtures import *  # noqa: F403 - fixtures

from communia.core import jobs


@pytest.fixture
def rq_settings(database, monkeypatch, subprocess_env):
    from communia.core.jobs.rq_backend import connection, ping
    from communia.core.settings import reset_settings

    queue_name = f"communia-test-{secrets.token_hex(4)}"
    for env in (monkeypatch, None):
        values = {"COMMUNIA_JOBS_BACKEND": "rq", "COMMUNIA_MODULES__JOBS__RQ_QUEUE": queue_name}
        for key, value in values.items():
            if env is None:
                subprocess_env[key] = value
            else:
                env.setenv(key, value)
    reset_settings()
    if not ping():
        reset_settings()
        pytest.skip("Redis unreachable at the configured redis_url")
    yield subprocess_env
    redis = connection()
    for key in redis.scan_iter(f"rq:*{queue_name}*"):
        redis.delete(key)
    monkeypatch.delenv("COMMUNIA_JOBS_BACKEND")
    monkeypatch.delenv("COMMUNIA_MODULES__JOBS__RQ_QUEUE")
    reset_settings()


def test_jobs_through_redis_and_an_rq_worker(rq_settings, worker_command):
    from communia.core.jobs.rq_backend import queue

    ok = jobs.submit("tests.count", {"steps": 5, "seconds": 0.05}, created_by="a@b.fr")
    bad = jobs.submit("tests.fail", {"name": "offre.pdf"})
    endless = jobs.submit("tests.until_cancelled")
    assert ok.backend == "rq" and queue().count == 3
    process = subprocess.Popen([*worker_command, "--burst"], env=rq_settings)
    try:
        deadline = time.monotonic() + 60
        while jobs.get(endless.id).state != "running":
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
        jobs.cancel(endless.id, actor="a@b.fr")
        assert process.wait(timeout=60) == 0  # burst mode: exits once the queue is empty
    finally:
        if process.poll() is None:
            process.kill()
    done = jobs.get(ok.id)
    assert done.state == "succeeded" and done.result["counted"] == 5 and done.attempts == 1
    failed = jobs.get(bad.id)
    assert failed.state == "failed" and failed.error == "Le fichier « offre.pdf » est illisible."
    assert jobs.get(endless.id).state == "cancelled"
    # Retry goes back through Redis too.
    jobs.retry(bad.id, actor="a@b.fr")
    assert queue().count == 1
