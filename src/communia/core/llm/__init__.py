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

from communia.core.llm.backends import (
    BackendResult,
    ChatRequest,
    EmbeddedBackend,
    OpenAICompatibleBackend,
    preload_embedded,
)
from communia.core.llm.config import (
    LOCAL_BACKEND,
    CommunePolicy,
    EndpointConfig,
    LlmSettings,
    get_llm_settings,
    policy_from_settings,
)
from communia.core.llm.gateway import (
    Completion,
    CompletionStream,
    ModelOutputError,
    available_backends,
    commune_policy,
    complete,
    reset_gateway,
)
from communia.core.llm.model import (
    MODEL_FILENAME,
    MODEL_NAME,
    MODEL_SHA256,
    MODEL_SIZE,
    InstallResult,
    default_model_path,
    find_parts,
    health_check,
    install_model,
)
from communia.core.llm.privacy import Pseudonymiser, RegexPseudonymiser, default_pseudonymiser
from communia.core.llm.prompts import SYSTEM_PROMPT, data_block

__all__ = [
    "complete",
    "Completion",
    "CompletionStream",
    "ModelOutputError",
    "available_backends",
    "commune_policy",
    "reset_gateway",
    "ChatRequest",
    "BackendResult",
    "EmbeddedBackend",
    "OpenAICompatibleBackend",
    "preload_embedded",
    "LOCAL_BACKEND",
    "CommunePolicy",
    "EndpointConfig",
    "LlmSettings",
    "get_llm_settings",
    "policy_from_settings",
    "MODEL_FILENAME",
    "MODEL_NAME",
    "MODEL_SHA256",
    "MODEL_SIZE",
    "InstallResult",
    "default_model_path",
    "find_parts",
    "health_check",
    "install_model",
    "Pseudonymiser",
    "RegexPseudonymiser",
    "default_pseudonymiser",
    "SYSTEM_PROMPT",
    "data_block",
]
