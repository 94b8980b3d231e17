"""LLM gateway: every generative call of Communia goes through ``complete``.

- backends: the embedded local model (xllamacpp + the GGUF assembled from PyPI parts)
  and any OpenAI-compatible endpoint declared by an administrator;
- per-commune sovereignty policy (``Commune.settings["llm"]``, default ``local-only``);
  text sent to a remote endpoint is pseudonymised first and re-identified on return;
- JSON-schema structured output, streaming, bounded queue sized for 2 cores;
- one system prompt that treats documents and citizens' messages as data;
- every call recorded in the audit trail (tokens, duration, estimated energy).

Importing this package is cheap: the model runtime and httpx load on first use.
"""

from __future__ import annotations

from communia.core.lazy import lazy_exports

_EXPORTS = {
    "BackendResult": "backends",
    "ChatRequest": "backends",
    "CommunePolicy": "config",
    "Completion": "gateway",
    "CompletionStream": "gateway",
    "EmbeddedBackend": "backends",
    "EndpointConfig": "config",
    "InstallResult": "model",
    "LOCAL_BACKEND": "config",
    "LlmSettings": "config",
    "MODEL_FILENAME": "model",
    "MODEL_NAME": "model",
    "MODEL_SHA256": "model",
    "MODEL_SIZE": "model",
    "ModelOutputError": "gateway",
    "OpenAICompatibleBackend": "backends",
    "Pseudonymiser": "privacy",
    "RegexPseudonymiser": "privacy",
    "SYSTEM_PROMPT": "prompts",
    "available_backends": "gateway",
    "commune_policy": "gateway",
    "complete": "gateway",
    "data_block": "prompts",
    "default_model_path": "model",
    "default_pseudonymiser": "privacy",
    "find_parts": "model",
    "get_llm_settings": "config",
    "health_check": "model",
    "install_model": "model",
    "policy_from_settings": "config",
    "preload_embedded": "backends",
    "reset_gateway": "gateway",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
