"""The one entry point for generative calls: ``complete(...)``.

Order of a call, top to bottom:

1. read the commune's sovereignty policy (short read transaction, no DB held afterwards);
2. pick the backend (``local`` or a named endpoint) and check the policy allows it;
3. build the messages: the gateway's system prompt first, the caller's instructions after;
4. for a remote backend, pseudonymise every message (refuse if no pseudonymiser);
5. wait for a slot in the backend's queue (bounded; times out with a clear message);
6. call the model (plain, JSON-schema constrained, or streamed);
7. re-identify the answer, parse and validate JSON against the schema;
8. append one audit line (short write transaction, or the caller's session).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from communia.core.errors import (
    CommuniaError,
    ConfigurationError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unavailable,
)
from communia.core.llm.backends import (
    Backend,
    BackendResult,
    ChatRequest,
    EmbeddedBackend,
    OpenAICompatibleBackend,
)
from communia.core.llm.config import (
    LOCAL_BACKEND,
    CommunePolicy,
    LlmSettings,
    get_llm_settings,
    policy_from_settings,
)
from communia.core.llm.privacy import Pseudonymiser, default_pseudonymiser
from communia.core.llm.prompts import NEUTRALISED, SYSTEM_PROMPT

__all__ = [
    "Completion",
    "CompletionStream",
    "ModelOutputError",
    "complete",
    "commune_policy",
    "available_backends",
    "reset_gateway",
]

#: the callers' purpose codes as the audit log shows them to people (others appear as given)
PURPOSE_LABELS = {
    "api:v1/chat/completions": "dialogue ou outil de la commune (API /v1)",
    "cli:chat": "ligne de commande",
    "assistant.reformulation": "reformulation d'une réponse de l'assistant",
    "bench": "mesure de performance",
    "bench:warmup": "mesure de performance",
}

_ROLES = {"system", "user", "assistant"}
_SEPARATOR = "\n\n§§§COMMUNIA-MESSAGE§§§\n\n"
_HOLDBACK = 96  # characters held back while streaming re-identified text


class ModelOutputError(CommuniaError):
    """The model answered, but not in the requested shape (e.g. JSON cut short)."""

    http_status = 502
    exit_code = 7
    code = "reponse_modele_invalide"


@dataclass
class Completion:
    text: str
    backend: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    duration_s: float
    ttft_s: float | None
    queue_wait_s: float
    energy_wh: float
    pseudonymised: bool
    finish_reason: str = ""
    data: Any = None  # parsed JSON when a schema was given
    # Passages removed from data blocks because they gave orders to the model: the agent
    # who validates the output should know the document tried to steer it.
    injection_suspected: int = 0
    # The local engine's own timings (llama.cpp: prompt_n, prompt_per_second,
    # predicted_per_second...); empty for remote endpoints.
    engine_timings: dict[str, Any] = field(default_factory=dict)
    audit_seq: int | None = None

    @property
    def tokens_per_s(self) -> float:
        gen = self.duration_s - (self.ttft_s or 0.0)
        return self.completion_tokens / gen if gen > 0 else 0.0


# --------------------------------------------------------------------------- queueing


class _Limiter:
    """At most ``size`` concurrent calls; others wait up to ``timeout_s`` in FIFO-ish order."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._sem = threading.BoundedSemaphore(self.size)

    def acquire(self, timeout_s: float, label: str) -> float:
        started = time.perf_counter()
        if not self._sem.acquire(timeout=max(0.0, timeout_s)):
            raise Unavailable(
                f"Le modèle de langage ({label}) est occupé : la demande a attendu "
                f"{timeout_s:.0f} s dans la file sans être traitée. Réessayez dans un instant."
            )
        return time.perf_counter() - started

    def release(self) -> None:
        self._sem.release()


_limiters: dict[str, _Limiter] = {}
_limiters_lock = threading.Lock()


def _limiter(name: str, size: int) -> _Limiter:
    with _limiters_lock:
        lim = _limiters.get(name)
        if lim is None or lim.size != max(1, size):
            lim = _limiters[name] = _Limiter(size)
        return lim


def reset_gateway() -> None:
    """Forget queues (tests). The loaded model stays in memory."""
    with _limiters_lock:
        _limiters.clear()


# --------------------------------------------------------------------------- policy


def commune_policy(commune_id: int | None, session: Session | None = None) -> CommunePolicy:
    """The commune's policy; ``None`` (instance-level call) is local-only."""
    if commune_id is None:
        return CommunePolicy()
    from communia.core.models import Commune

    def _read(s: Session) -> CommunePolicy:
        commune = s.get(Commune, commune_id)
        if commune is None:
            raise NotFound(f"Commune introuvable (identifiant {commune_id}).")
        return policy_from_settings(commune.settings)

    if session is not None:
        return _read(session)
    from communia.core.db import read_session

    with read_session() as s:
        return _read(s)


def available_backends(policy: CommunePolicy, settings: LlmSettings | None = None) -> list[str]:
    """Backends this commune may use: ``local`` plus its allowed, configured endpoints."""
    settings = settings or get_llm_settings()
    names = [LOCAL_BACKEND]
    if policy.policy == "allowed":
        names += [n for n in policy.endpoints if n in settings.endpoints]
    return names


def _make_backend(name: str, policy: CommunePolicy, settings: LlmSettings) -> Backend:
    if not policy.allows(name):
        raise PermissionDenied(
            f"La politique de souveraineté de la commune interdit d'envoyer des données "
            f"à « {name} » "
            "(seul le modèle local est autorisé). L'administration de la commune peut modifier cette politique."
        )
    if name == LOCAL_BACKEND:
        return EmbeddedBackend(settings)
    config = settings.endpoints.get(name)
    if config is None:
        raise ConfigurationError(
            f"Le service de langage « {name} » est autorisé par la commune mais n'est pas "
            "déclaré dans les réglages de l'instance (modules.llm.endpoints)."
        )
    return OpenAICompatibleBackend(name, config)


# --------------------------------------------------------------------------- messages


def _normalise(messages: list[dict[str, Any]] | str) -> list[dict[str, str]]:
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    if not isinstance(messages, list) or not messages:
        raise InvalidInput("La demande au modèle de langage est vide.")
    result = []
    for i, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            raise InvalidInput(f"Message n° {i} invalide : un objet {{role, content}} est attendu.")
        role, content = message.get("role"), message.get("content")
        if role not in _ROLES:
            raise InvalidInput(
                f"Message n° {i} : rôle « {role} » inconnu (system, user ou assistant)."
            )
        if isinstance(content, list):  # OpenAI content parts: keep the text ones
            content = "".join(
                p.get("text", "")
                for p in content
                if isinstance(p, dict) and p.get("type") == "text"
            )
        if not isinstance(content, str):
            raise InvalidInput(f"Message n° {i} : le contenu doit être du texte.")
        result.append({"role": role, "content": content})
    if all(m["role"] == "system" for m in result):
        raise InvalidInput(
            "La demande ne contient aucun message à traiter (seulement des consignes)."
        )
    return result


def _with_system_prompt(messages: list[dict[str, str]], system: str | None) -> list[dict[str, str]]:
    """One system message: the gateway's rules first, then the caller's instructions."""
    extra = [m["content"] for m in messages if m["role"] == "system"]
    if system:
        extra.insert(0, system)
    content = SYSTEM_PROMPT
    if extra:
        content += "\n\nConsignes de la mairie pour cette tâche :\n" + "\n\n".join(extra)
    return [{"role": "system", "content": content}] + [m for m in messages if m["role"] != "system"]


def _pseudonymise_messages(
    messages: list[dict[str, str]], pseudonymiser: Pseudonymiser
) -> tuple[list[dict[str, str]], Any]:
    """Pseudonymise all messages in one pass so that aliases are shared across them."""
    joined = _SEPARATOR.join(m["content"] for m in messages)
    masked, token = pseudonymiser.pseudonymise(joined)
    parts = masked.split(_SEPARATOR)
    if len(parts) != len(messages):
        raise Unavailable(
            "La pseudonymisation a altéré la structure de la demande : rien n'a été envoyé."
        )
    return [{"role": m["role"], "content": p} for m, p in zip(messages, parts, strict=True)], token


def _parse_json(text: str, schema: dict[str, Any]) -> Any:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ModelOutputError(
            "Le modèle n'a pas renvoyé un JSON valide (réponse peut-être tronquée : augmentez "
            "max_tokens)."
        ) from exc
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - jsonschema ships with the llm extra
        return data
    try:
        jsonschema.validate(data, schema)
    except jsonschema.ValidationError as exc:
        raise ModelOutputError(
            f"La réponse du modèle ne respecte pas le schéma demandé : {exc.message}"
        ) from exc
    except jsonschema.SchemaError as exc:
        raise InvalidInput(f"Schéma JSON invalide : {exc.message}") from exc
    return data


# --------------------------------------------------------------------------- audit


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _audit(
    *,
    session: Session | None,
    actor: str,
    commune_id: int | None,
    purpose: str,
    policy: CommunePolicy,
    messages: list[dict[str, str]],
    completion: Completion | None,
    backend: Backend,
    power_watts: float,
    stream: bool,
    schema: bool,
    validation_status: str,
    error: CommuniaError | None = None,
) -> int | None:
    from communia.core.audit import hash_inputs, record

    prompt_text = json.dumps(messages, ensure_ascii=False)
    details: dict[str, Any] = {
        "backend": backend.name,
        "remote": backend.remote,
        "purpose": purpose,
        "stream": stream,
        "json_schema": schema,
        "policy": policy.policy,
        "prompt_sha256": _sha(prompt_text),
        "power_watts": power_watts,
    }
    if completion is not None:
        details.update(
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            duration_s=round(completion.duration_s, 3),
            ttft_s=round(completion.ttft_s, 3) if completion.ttft_s is not None else None,
            queue_wait_s=round(completion.queue_wait_s, 3),
            energy_wh=round(completion.energy_wh, 5),
            pseudonymised=completion.pseudonymised,
            finish_reason=completion.finish_reason,
            response_sha256=_sha(completion.text),
            injection_suspected=completion.injection_suspected,
        )
        if policy.audit_text == "clear":
            details["prompt"] = messages
            details["response"] = completion.text
    if error is not None:
        details["error"] = error.code
    summary = (
        f"Appel au modèle de langage ({backend.name}) : {PURPOSE_LABELS.get(purpose, purpose)}"
    )
    if error is not None:
        summary += " — échec"
    kwargs = dict(
        actor=actor,
        action="llm.completion" if error is None else "llm.echec",
        commune_id=commune_id,
        object_type="llm",
        object_id=purpose[:100],
        summary=summary,
        details=details,
        inputs_hash=hash_inputs(prompt_text),
        model=completion.model if completion is not None else backend.model,
        model_version=backend.version,
        validation_status=validation_status if error is None else "sans_objet",
    )
    if session is not None:
        return record(session, **kwargs).seq
    from communia.core.db import write_session

    with write_session() as s:
        return record(s, **kwargs).seq


# --------------------------------------------------------------------------- entry point


@dataclass
class _Call:
    backend: Backend
    limiter: _Limiter
    request: ChatRequest
    audit_messages: list[dict[str, str]]
    token: Any
    pseudonymiser: Pseudonymiser | None
    settings: LlmSettings
    policy: CommunePolicy
    power_watts: float
    audit_kwargs: dict[str, Any] = field(default_factory=dict)

    def reidentify(self, text: str) -> str:
        if self.pseudonymiser is None:
            return text
        return self.pseudonymiser.reidentify(text, self.token)

    def finish(
        self, raw: BackendResult, *, started: float, ttft: float | None, wait: float
    ) -> Completion:
        duration = time.perf_counter() - started
        text = self.reidentify(raw.text)
        completion = Completion(
            text=text,
            backend=self.backend.name,
            model=raw.model,
            prompt_tokens=raw.prompt_tokens,
            completion_tokens=raw.completion_tokens,
            duration_s=duration,
            ttft_s=ttft,
            queue_wait_s=wait,
            energy_wh=duration * self.power_watts / 3600.0,
            pseudonymised=self.pseudonymiser is not None,
            finish_reason=raw.finish_reason,
            engine_timings=dict(raw.extra.get("timings") or {}),
            injection_suspected=sum(
                m["content"].count(NEUTRALISED)
                for m in self.audit_messages
                if m["role"] != "system"
            ),
        )
        if self.request.json_schema is not None:
            try:
                completion.data = _parse_json(text, self.request.json_schema)
            except CommuniaError as exc:
                self.audit(completion, error=exc)
                raise
        completion.audit_seq = self.audit(completion)
        return completion

    def audit(self, completion: Completion | None, *, error: CommuniaError | None = None):
        return _audit(
            messages=self.audit_messages,
            completion=completion,
            backend=self.backend,
            policy=self.policy,
            power_watts=self.power_watts,
            schema=self.request.json_schema is not None,
            error=error,
            **self.audit_kwargs,
        )


class CompletionStream:
    """Iterate to receive text as it is generated; ``result`` is set once it is exhausted.

    The queue slot is taken at the first iteration and released when the iteration ends
    (exhausted, or closed early: the generation is then cancelled).
    """

    def __init__(self, call: _Call, queue_timeout_s: float) -> None:
        self._call = call
        self._queue_timeout_s = queue_timeout_s
        self.result: Completion | None = None

    def __iter__(self) -> Iterator[str]:
        call = self._call
        wait = call.limiter.acquire(self._queue_timeout_s, call.backend.name)
        started = time.perf_counter()
        ttft: float | None = None
        final: BackendResult | None = None
        emitted = 0
        raw_parts: list[str] = []
        events = call.backend.stream(call.request)
        try:
            for event in events:
                if isinstance(event, BackendResult):
                    final = event
                    continue
                if ttft is None:
                    ttft = time.perf_counter() - started
                if call.pseudonymiser is None or call.request.json_schema is not None:
                    yield event
                    continue
                # Re-identify the text so far; hold back the tail, where an alias may be cut.
                raw_parts.append(event)
                clear = call.reidentify("".join(raw_parts))
                safe = len(clear) - _HOLDBACK
                if safe > emitted:
                    yield clear[emitted:safe]
                    emitted = safe
        except CommuniaError as exc:
            call.audit(None, error=exc)
            raise
        finally:
            events.close()  # an abandoned stream stops the generation before the slot is freed
            call.limiter.release()
        if final is None:  # pragma: no cover - both backends end with a BackendResult
            raise Unavailable("Le flux du modèle s'est interrompu.")
        self.result = call.finish(final, started=started, ttft=ttft, wait=wait)
        if call.pseudonymiser is not None and call.request.json_schema is None:
            if len(self.result.text) > emitted:
                yield self.result.text[emitted:]
        elif call.pseudonymiser is not None:
            pass  # JSON mode streamed aliases; the re-identified data is in ``result``


def complete(
    messages: list[dict[str, Any]] | str,
    *,
    commune_id: int | None,
    purpose: str,
    json_schema: dict[str, Any] | None = None,
    stream: bool = False,
    backend: str | None = None,
    system: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
    stop: list[str] | None = None,
    seed: int | None = None,
    actor: str = "systeme",
    pseudonymiser: Pseudonymiser | None = None,
    session: Session | None = None,
    validation_status: str = "sans_objet",
    queue_timeout_s: float | None = None,
    settings: LlmSettings | None = None,
) -> Completion | CompletionStream:
    """Run one generative call under the commune's policy, and audit it.

    ``messages`` is an OpenAI-style list (or a plain prompt string). Put documents and
    citizens' text inside ``prompts.data_block(...)``. ``backend`` is ``"local"`` or the
    name of an endpoint allowed for the commune (default: the commune's
    ``default_backend``). With ``json_schema`` the answer is constrained (local engine)
    or requested (remote), then parsed and validated into ``Completion.data``.
    With ``stream=True`` a ``CompletionStream`` is returned. ``session``: audit in the
    caller's transaction (otherwise a short transaction of its own; no connection is
    held while the model runs).
    """
    if not purpose or not purpose.strip():
        raise InvalidInput("Précisez l'objet de l'appel au modèle de langage (purpose).")
    settings = settings or get_llm_settings()
    normalised = _normalise(messages)
    policy = commune_policy(commune_id, session)
    chosen = _make_backend(backend or policy.default_backend, policy, settings)
    if max_tokens is not None and not 1 <= max_tokens <= settings.n_ctx:
        raise InvalidInput(f"max_tokens doit être compris entre 1 et {settings.n_ctx}.")
    if temperature is not None and not 0.0 <= temperature <= 2.0:
        raise InvalidInput("La température doit être comprise entre 0 et 2.")
    if json_schema is not None and not isinstance(json_schema, dict):
        raise InvalidInput("Le schéma JSON doit être un objet.")

    full = _with_system_prompt(normalised, system)
    token: Any = None
    used_pseudonymiser: Pseudonymiser | None = None
    sent = full
    if chosen.remote:
        used_pseudonymiser = pseudonymiser or default_pseudonymiser()
        if used_pseudonymiser is None:
            raise PermissionDenied(
                "Aucun outil de pseudonymisation n'est disponible : rien n'est envoyé au service "
                f"distant « {chosen.name} ». Utilisez le modèle local."
            )
        sent, token = _pseudonymise_messages(full, used_pseudonymiser)

    request = ChatRequest(
        messages=sent,
        max_tokens=max_tokens or settings.max_tokens,
        temperature=settings.temperature if temperature is None else temperature,
        json_schema=json_schema,
        stop=stop,
        seed=seed,
    )
    if chosen.remote:
        limiter = _limiter(f"remote:{chosen.name}", settings.max_concurrent_remote)
        power = settings.endpoints[chosen.name].power_watts
    else:
        limiter = _limiter("local", settings.max_concurrent_local)
        power = settings.local_power_watts
    call = _Call(
        backend=chosen,
        limiter=limiter,
        request=request,
        audit_messages=full,
        token=token,
        pseudonymiser=used_pseudonymiser,
        settings=settings,
        policy=policy,
        power_watts=power,
        audit_kwargs=dict(
            session=session,
            actor=actor,
            commune_id=commune_id,
            purpose=purpose,
            stream=stream,
            validation_status=validation_status,
        ),
    )
    timeout = settings.queue_timeout_s if queue_timeout_s is None else queue_timeout_s
    if stream:
        return CompletionStream(call, timeout)

    wait = limiter.acquire(timeout, chosen.name)
    started = time.perf_counter()
    try:
        raw = chosen.chat(request)
    except CommuniaError as exc:
        call.audit(None, error=exc)
        raise
    finally:
        limiter.release()
    prompt_ms = (raw.extra.get("timings") or {}).get("prompt_ms")
    ttft = prompt_ms / 1000.0 if isinstance(prompt_ms, int | float) else None
    return call.finish(raw, started=started, ttft=ttft, wait=wait)
