"""Backends of the gateway: the embedded llama.cpp engine and OpenAI-compatible HTTP APIs.

Both speak the same request shape (OpenAI chat completions) and return the same
``BackendResult``. Streaming yields text deltas, then one final ``BackendResult`` holding
the usage figures. Neither backend knows about communes, policies or the audit trail: the
gateway (``communia.core.llm.gateway``) does that.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import random
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from communia.core.errors import InvalidInput, Unavailable
from communia.core.llm.config import EndpointConfig, LlmSettings

__all__ = [
    "ChatRequest",
    "BackendResult",
    "Backend",
    "EmbeddedBackend",
    "OpenAICompatibleBackend",
    "get_embedded_engine",
    "preload_embedded",
    "unload_embedded",
]

log = logging.getLogger(__name__)


@dataclass
class ChatRequest:
    messages: list[dict[str, str]]
    max_tokens: int = 512
    temperature: float = 0.2
    json_schema: dict[str, Any] | None = None
    stop: list[str] | None = None
    seed: int | None = None

    def openai_body(self, *, model: str | None = None, stream: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "messages": self.messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": stream,
        }
        if model:
            body["model"] = model
        if self.json_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reponse", "strict": True, "schema": self.json_schema},
            }
        if self.stop:
            body["stop"] = self.stop
        if self.seed is not None:
            body["seed"] = self.seed
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body


@dataclass
class BackendResult:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    name: str  # "local" or the endpoint's name
    model: str
    version: str
    remote: bool

    def chat(self, request: ChatRequest) -> BackendResult: ...

    def stream(self, request: ChatRequest) -> Iterator[str | BackendResult]: ...


def _usage(payload: dict[str, Any]) -> tuple[int, int]:
    usage = payload.get("usage") or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def _first_choice(payload: dict[str, Any]) -> dict[str, Any]:
    choices = payload.get("choices") or []
    return choices[0] if choices else {}


# --------------------------------------------------------------------------- embedded


class _Engine:
    """One xllamacpp server (in-process; its own thread runs the decoding loop)."""

    def __init__(self, path: Path, settings: LlmSettings) -> None:
        import xllamacpp as xlc  # heavy: imported only when the model is needed

        params = xlc.CommonParams()
        params.model.path = str(path)
        params.n_ctx = settings.n_ctx
        params.n_parallel = max(1, settings.max_concurrent_local)
        params.n_predict = settings.max_tokens
        params.cpuparams.n_threads = settings.n_threads
        params.cpuparams_batch.n_threads = settings.n_threads
        params.verbosity = -1
        # The engine also opens a loopback HTTP port; require a random key there so that
        # nothing else on the machine can use it. Communia only calls it in-process.
        params.api_keys = [secrets.token_urlsafe(24)]
        started = time.perf_counter()
        self.server = xlc.Server(params)
        self.load_s = time.perf_counter() - started
        self.path = path
        self.version = getattr(xlc, "__version__", "")


_engine: _Engine | None = None
_engine_lock = threading.Lock()
_loader: threading.Thread | None = None
_load_error: BaseException | None = None


def _resolve_model_path(settings: LlmSettings) -> Path:
    from communia.core.llm.model import default_model_path

    path = settings.model_path or default_model_path()
    if not Path(path).is_file():
        raise Unavailable(
            f"Le modèle de langage local est absent ({path}). Installez-le avec "
            "« communia llm install-model » (extra « llm » requis)."
        )
    return Path(path)


def get_embedded_engine(settings: LlmSettings) -> _Engine:
    """The process-wide engine, loaded on first use (once)."""
    global _engine, _load_error
    loader = _loader
    if loader is not None and loader.is_alive():
        loader.join()
    with _engine_lock:
        if _engine is not None:
            return _engine
        path = _resolve_model_path(settings)
        try:
            _engine = _Engine(path, settings)
        except ImportError as exc:
            raise Unavailable(
                "Le moteur du modèle local (xllamacpp) n'est pas installé : "
                "pip install 'communia[llm]'."
            ) from exc
        except Exception as exc:  # the runtime raises plain exceptions on bad files
            raise Unavailable(f"Le modèle local n'a pas pu être chargé : {exc}") from exc
        log.info("embedded model loaded in %.1f s", _engine.load_s)
        return _engine


def preload_embedded(settings: LlmSettings) -> threading.Thread:
    """Start loading the model in a background thread (e.g. at web start-up)."""
    global _loader

    def _run() -> None:
        global _load_error
        try:
            get_embedded_engine(settings)
        except BaseException as exc:  # reported again on first real use
            _load_error = exc

    with _engine_lock:
        if _loader is None or not _loader.is_alive():
            _loader = threading.Thread(target=_run, name="communia-llm-load", daemon=True)
            _loader.start()
        return _loader


def unload_embedded() -> None:
    global _engine
    with _engine_lock:
        _engine = None


def _raise_engine_error(payload: dict[str, Any]) -> None:
    error = payload.get("error")
    if not error:
        return
    message = error.get("message", "") if isinstance(error, dict) else str(error)
    code = error.get("code", 500) if isinstance(error, dict) else 500
    if code == 400:
        raise InvalidInput(f"Requête refusée par le modèle local : {message}")
    raise Unavailable(f"Le modèle local a échoué : {message}")


class EmbeddedBackend:
    """The local GGUF model through xllamacpp (nothing leaves the machine)."""

    remote = False

    def __init__(self, settings: LlmSettings) -> None:
        from communia.core.llm.model import (
            MODEL_FILENAME,
            MODEL_NAME,
            MODEL_SHA256,
            MODEL_VERSION,
        )

        self.settings = settings
        self.name = "local"
        if settings.model_path is None or Path(settings.model_path).name == MODEL_FILENAME:
            # The pinned model (its hash is checked by install_model).
            self.model = MODEL_NAME
            self.version = f"{MODEL_VERSION}, sha256 {MODEL_SHA256[:16]}"
        else:
            self.model = Path(settings.model_path).stem
            self.version = str(settings.model_path)

    def chat(self, request: ChatRequest) -> BackendResult:
        engine = get_embedded_engine(self.settings)
        try:
            payload = engine.server.handle_chat_completions(request.openai_body())
        except (RuntimeError, ValueError) as exc:
            raise Unavailable(f"Le modèle local a échoué : {exc}") from exc
        _raise_engine_error(payload)
        choice = _first_choice(payload)
        prompt_tokens, completion_tokens = _usage(payload)
        return BackendResult(
            text=(choice.get("message") or {}).get("content") or "",
            model=self.model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=choice.get("finish_reason") or "",
            extra={"timings": payload.get("timings") or {}},
        )

    def stream(self, request: ChatRequest) -> Iterator[str | BackendResult]:
        engine = get_embedded_engine(self.settings)
        events: queue.Queue[Any] = queue.Queue()
        cancelled = threading.Event()
        done = object()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            events.put(chunk)
            return cancelled.is_set()  # True asks the engine to stop this generation

        def run() -> None:
            try:
                ret = engine.server.handle_chat_completions(
                    request.openai_body(stream=True), on_chunk
                )
                if isinstance(ret, dict):
                    events.put(ret)
            except BaseException as exc:
                events.put(exc)
            finally:
                events.put(done)

        worker = threading.Thread(target=run, name="communia-llm-stream", daemon=True)
        worker.start()
        pieces: list[str] = []
        prompt_tokens = completion_tokens = 0
        finish = ""
        timings: dict[str, Any] = {}
        try:
            while True:
                event = events.get()
                if event is done:
                    break
                if isinstance(event, BaseException):
                    raise Unavailable(f"Le modèle local a échoué : {event}") from event
                _raise_engine_error(event)
                p, c = _usage(event)
                prompt_tokens, completion_tokens = p or prompt_tokens, c or completion_tokens
                timings = event.get("timings") or timings
                choice = _first_choice(event)
                finish = choice.get("finish_reason") or finish
                delta = (choice.get("delta") or {}).get("content")
                if delta:
                    pieces.append(delta)
                    yield delta
        finally:
            cancelled.set()
            worker.join()
        yield BackendResult(
            text="".join(pieces),
            model=self.model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens or len(pieces),
            finish_reason=finish,
            extra={"timings": timings},
        )


# --------------------------------------------------------------------------- HTTP

_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class OpenAICompatibleBackend:
    """Any ``/chat/completions`` API (Albert, Mistral, vLLM, Ollama, llama.cpp server)."""

    remote = True

    def __init__(self, name: str, config: EndpointConfig) -> None:
        self.name = name
        self.config = config
        self.model = config.model
        self.version = f"{name} ({config.base_url})"
        self.backoff_s = config.backoff_s

    def _client(self):
        import httpx

        headers = {"Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"Bearer {self.config.api_key}"
        timeout = httpx.Timeout(self.config.timeout_s, connect=min(10.0, self.config.timeout_s))
        return httpx.Client(
            base_url=self.config.base_url.rstrip("/") + "/", headers=headers, timeout=timeout
        )

    def _sleep_before_retry(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff_s * (2**attempt) * (1 + random.random() / 4)
        if retry_after:
            with contextlib.suppress(ValueError):
                delay = max(delay, min(float(retry_after), 30.0))
        time.sleep(delay)

    def _unavailable(self, detail: str) -> Unavailable:
        return Unavailable(
            f"Le service de langage « {self.name} » ne répond pas correctement : {detail}."
        )

    def _send(self, client, body: dict[str, Any], *, stream: bool):
        """POST with retries on network errors, 408/425/429/5xx. Returns an open response."""
        import httpx

        attempts = self.config.max_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                request = client.build_request("POST", "chat/completions", json=body)
                response = client.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                if last:
                    raise self._unavailable("délai dépassé") from exc
                self._sleep_before_retry(attempt, None)
                continue
            except httpx.TransportError as exc:
                if last:
                    raise self._unavailable("connexion impossible") from exc
                self._sleep_before_retry(attempt, None)
                continue
            if response.status_code in _RETRY_STATUS and not last:
                response.close()
                self._sleep_before_retry(attempt, response.headers.get("retry-after"))
                continue
            if response.status_code >= 400:
                if stream:
                    response.read()
                response.close()
                raise self._unavailable(f"erreur HTTP {response.status_code}")
            return response
        raise self._unavailable("aucune réponse")  # pragma: no cover - loop always returns

    def chat(self, request: ChatRequest) -> BackendResult:
        with self._client() as client:
            response = self._send(client, request.openai_body(model=self.model), stream=False)
            try:
                payload = response.json()
            except ValueError as exc:
                raise self._unavailable("réponse illisible") from exc
        choice = _first_choice(payload)
        prompt_tokens, completion_tokens = _usage(payload)
        return BackendResult(
            text=(choice.get("message") or {}).get("content") or "",
            model=payload.get("model") or self.model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=choice.get("finish_reason") or "",
        )

    def stream(self, request: ChatRequest) -> Iterator[str | BackendResult]:
        import httpx

        pieces: list[str] = []
        prompt_tokens = completion_tokens = 0
        finish, model = "", self.model
        with self._client() as client:
            response = self._send(
                client, request.openai_body(model=self.model, stream=True), stream=True
            )
            try:
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        event = json.loads(data)
                    except ValueError as exc:
                        raise self._unavailable("flux illisible") from exc
                    p, c = _usage(event)
                    prompt_tokens, completion_tokens = p or prompt_tokens, c or completion_tokens
                    model = event.get("model") or model
                    choice = _first_choice(event)
                    finish = choice.get("finish_reason") or finish
                    delta = (choice.get("delta") or {}).get("content")
                    if delta:
                        pieces.append(delta)
                        yield delta
            except httpx.HTTPError as exc:
                raise self._unavailable("flux interrompu") from exc
            finally:
                response.close()
        yield BackendResult(
            text="".join(pieces),
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens or len(pieces),
            finish_reason=finish,
        )
