"""OpenAI-compatible endpoint of Communia itself: ``/v1/chat/completions`` and ``/v1/models``.

A commune's other tools (a chat front-end, a script, an office add-in) point their
"OpenAI base URL" at ``https://<instance>/v1`` with an API token of a Communia user; every
request then goes through the gateway under that user's commune policy, with the same
system prompt, queue and audit trail. Authentication is a dependency: pass the web
layer's (``communia.web.security.api_actor``) to ``openai_router``; without it, a Bearer
check of the core API tokens is used (``communia.core.users.api_token_actor``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from communia.core.errors import AuthenticationFailed, CommuniaError, InvalidInput

__all__ = ["openai_router", "openai_error", "ChatCompletionBody", "bearer_actor", "TokenActor"]


@dataclass(frozen=True)
class TokenActor:
    user_id: int
    email: str
    role: str
    commune_id: int


def bearer_actor(request: Request) -> TokenActor:
    """Fallback auth: ``Authorization: Bearer <token>``, an API token of ``api_tokens``
    (refused when unknown, revoked or expired, like on the JSON API)."""
    from communia.core.users import api_token_actor

    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        raise AuthenticationFailed("Jeton d'API requis (en-tête Authorization: Bearer …).")
    actor = api_token_actor(header[7:].strip())
    return TokenActor(actor.user_id, actor.email, actor.role, actor.commune_id)


class _Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: str
    content: str | list[dict[str, Any]]


class ChatCompletionBody(BaseModel):
    """The subset of OpenAI's chat completions request that Communia honours."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field("local", examples=["local"])
    messages: list[_Message]
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    temperature: float | None = Field(None, ge=0, le=2)
    stream: bool = False
    stop: str | list[str] | None = None
    seed: int | None = None
    response_format: dict[str, Any] | None = None
    user: str | None = None


def _schema_from(response_format: dict[str, Any] | None) -> dict[str, Any] | None:
    if not response_format:
        return None
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "object"}
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema")
        if not isinstance(schema, dict):
            raise InvalidInput("response_format.json_schema.schema doit être un objet JSON.")
        return schema
    raise InvalidInput(f"response_format « {kind} » non pris en charge.")


def openai_error(status: int, message: str, code: str) -> JSONResponse:
    """An error in the shape OpenAI's clients read (``error.message``, ``error.type``): every
    refusal under ``/v1``, a missing token or an invalid body included, has this shape."""
    return JSONResponse(
        status_code=status, content={"error": {"message": message, "type": code, "code": status}}
    )


def _error(exc: CommuniaError) -> JSONResponse:
    return openai_error(exc.http_status, exc.message, exc.code)


def openai_router(actor_dependency: Callable[..., Any] | None = None) -> APIRouter:
    """Router to mount at the application root (paths ``/v1/...``)."""
    if actor_dependency is None:
        try:
            from communia.web.security import api_actor as actor_dependency  # type: ignore
        except ImportError:
            actor_dependency = bearer_actor
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

    @router.get("/models")
    def list_models(actor: Any = Depends(actor_dependency)) -> dict[str, Any]:
        """Modèles que la politique de souveraineté de la commune autorise (format OpenAI)."""
        from communia.core.llm.gateway import available_backends, commune_policy

        try:
            names = available_backends(commune_policy(actor.commune_id))
        except CommuniaError as exc:
            return _error(exc)  # type: ignore[return-value]
        now = int(time.time())
        return {
            "object": "list",
            "data": [
                {"id": n, "object": "model", "created": now, "owned_by": "communia"} for n in names
            ],
        }

    @router.post("/chat/completions")
    def chat_completions(body: ChatCompletionBody, actor: Any = Depends(actor_dependency)):
        """Réponse du modèle de langage à une conversation (protocole OpenAI).

        ``stream`` envoie la réponse au fil de l'eau (server-sent events) ; ``response_format``
        de type ``json_schema`` contraint la réponse à ce schéma. Chaque appel est inscrit au
        journal d'audit."""
        from communia.core.llm.gateway import complete

        created = int(time.time())
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        try:
            schema = _schema_from(body.response_format)
            stop = [body.stop] if isinstance(body.stop, str) else body.stop
            result = complete(
                [m.model_dump() for m in body.messages],
                commune_id=actor.commune_id,
                purpose="api:v1/chat/completions",
                json_schema=schema,
                stream=body.stream,
                backend=body.model,
                max_tokens=body.max_completion_tokens or body.max_tokens,
                temperature=body.temperature,
                stop=stop,
                seed=body.seed,
                actor=actor.email,
            )
        except CommuniaError as exc:
            return _error(exc)

        if not body.stream:
            return {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": body.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": result.text},
                        "finish_reason": result.finish_reason or "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": result.prompt_tokens,
                    "completion_tokens": result.completion_tokens,
                    "total_tokens": result.prompt_tokens + result.completion_tokens,
                },
            }

        def events() -> Iterator[str]:
            def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
                payload = {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": body.model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                    **extra,
                }
                return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

            yield chunk({"role": "assistant", "content": ""})
            pieces = iter(result)
            try:
                for piece in pieces:
                    yield chunk({"content": piece})
            except CommuniaError as exc:
                err = {"error": {"message": exc.message, "type": exc.code, "code": exc.http_status}}
                yield f"data: {json.dumps(err, ensure_ascii=False)}\n\n"
                return
            finally:
                pieces.close()  # stops the generation and frees the model's slot
            final = result.result
            usage = None
            if final is not None:
                usage = {
                    "prompt_tokens": final.prompt_tokens,
                    "completion_tokens": final.completion_tokens,
                    "total_tokens": final.prompt_tokens + final.completion_tokens,
                }
            yield chunk({}, (final.finish_reason if final else "") or "stop", usage=usage)
            yield "data: [DONE]\n\n"

        async def closing(source: Iterator[str]) -> AsyncIterator[str]:
            """``source`` pulled in a worker thread, and closed when the client goes away (a
            tab closed mid-answer): left to the garbage collector, the abandoned answer kept
            the local model's only slot for minutes, and the next requests got « occupé »."""
            import anyio

            try:
                while (event := await anyio.to_thread.run_sync(next, source, None)) is not None:
                    yield event
            finally:
                source.close()

        return StreamingResponse(closing(events()), media_type="text/event-stream")

    return router
