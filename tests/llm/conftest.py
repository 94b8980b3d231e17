"""Fixtures of the LLM gateway tests.

- ``fake_remote``: a real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions
  protocol with canned answers. It stands for the network edge (a remote endpoint), the
  only thing these tests fake; it records every request body it receives.
- ``llm_model_path``: the real embedded model, assembled from the installed part packages
  into pytest's cache (once). Without the ``llm`` extra the model tests are skipped,
  unless ``COMMUNIA_REQUIRE_LLM=1`` (CI), where they fail instead.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest


class FakeRemote:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.status_sequence: list[int] = []  # statuses to return before succeeding
        self.delay_s = 0.0
        self.reply: str | None = None  # fixed answer; default: echo of the last user message
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def answer_for(self, body: dict[str, Any]) -> str:
        if self.reply is not None:
            return self.reply
        users = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
        return "Reçu : " + (users[-1] if users else "")


def _handler(fake: FakeRemote):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def do_POST(self):
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            with fake._lock:
                fake.requests.append(body)
                fake.headers.append(dict(self.headers))
                status = fake.status_sequence.pop(0) if fake.status_sequence else 200
                fake.active += 1
                fake.max_active = max(fake.max_active, fake.active)
            try:
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    status = 404
                if status != 200:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"error": {"message": "indisponible"}}')
                    return
                text = fake.answer_for(body)
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    step = 7
                    for i in range(0, len(text), step):
                        event = {
                            "model": "fake-1",
                            "choices": [
                                {
                                    "index": 0,
                                    "delta": {"content": text[i : i + step]},
                                    "finish_reason": None,
                                }
                            ],
                        }
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                        self.wfile.flush()
                    last = {
                        "model": "fake-1",
                        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 11, "completion_tokens": 5},
                    }
                    self.wfile.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
                    return
                payload = {
                    "id": "x",
                    "object": "chat.completion",
                    "model": "fake-1",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": text},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 5, "total_tokens": 16},
                }
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            finally:
                with fake._lock:
                    fake.active -= 1

    return Handler


@pytest.fixture
def fake_remote():
    fake = FakeRemote()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _fresh_queues():
    from communia.core.llm.gateway import reset_gateway

    reset_gateway()
    yield
    reset_gateway()


@pytest.fixture
def make_commune(database):
    from communia.core.db import write_session
    from communia.core.models import Commune

    def _make(slug: str = "saint-exemple", llm: dict | None = None) -> int:
        with write_session() as s:
            commune = Commune(
                slug=slug, name=slug.replace("-", " ").title(), settings={"llm": llm} if llm else {}
            )
            s.add(commune)
            s.flush()
            return commune.id

    return _make


@pytest.fixture
def remote_settings(fake_remote):
    from communia.core.llm.config import EndpointConfig, LlmSettings

    return LlmSettings(
        endpoints={
            "distant": EndpointConfig(
                base_url=fake_remote.base_url, model="fake-1", timeout_s=5, max_retries=2
            )
        },
        queue_timeout_s=5,
    )


@pytest.fixture(scope="session")
def llm_model_path(request, tmp_path_factory) -> Path:
    from communia_testing import embedded_llm_model

    return embedded_llm_model(request, tmp_path_factory)


@pytest.fixture(scope="session")
def local_settings(llm_model_path):
    from communia.core.llm.config import LlmSettings

    return LlmSettings(model_path=llm_model_path, n_ctx=4096, max_tokens=128, temperature=0.0)


@pytest.fixture
def real_model(llm_model_path, monkeypatch):
    """Point the served application's gateway at the real model, with short answers."""
    from communia.core.llm.gateway import reset_gateway
    from communia.core.settings import reset_settings

    monkeypatch.setenv("COMMUNIA_MODULES__LLM__MODEL_PATH", str(llm_model_path))
    monkeypatch.setenv("COMMUNIA_MODULES__LLM__MAX_TOKENS", "24")
    monkeypatch.setenv("COMMUNIA_MODULES__LLM__TEMPERATURE", "0")
    reset_settings()
    yield
    monkeypatch.delenv("COMMUNIA_MODULES__LLM__MODEL_PATH")
    monkeypatch.delenv("COMMUNIA_MODULES__LLM__MAX_TOKENS")
    monkeypatch.delenv("COMMUNIA_MODULES__LLM__TEMPERATURE")
    reset_settings()
    reset_gateway()
