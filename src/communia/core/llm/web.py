"""Web adapter of the LLM gateway: the agents' chat page ``/app/llm``.

The page shows the commune's sovereignty policy (local model only, or the endpoints an
administrator allowed, with pseudonymisation before anything leaves the machine) and lets
an agent converse with the sovereign model. The browser streams the answer from Communia's
own OpenAI-compatible endpoint (``POST /v1/chat/completions`` with ``stream: true``, session
cookie + CSRF header): the same gateway, queue, system prompt and audit trail as every
other call, so nothing here duplicates them. Wire it with ``install(app)``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from communia.core.users import Actor

__all__ = ["page_router", "install"]


def page_router() -> APIRouter:
    from communia.web.rendering import render
    from communia.web.security import require_actor

    router = APIRouter(include_in_schema=False)

    @router.get("/app/llm", response_class=HTMLResponse)
    def chat_page(request: Request, actor: Actor = Depends(require_actor)):
        from communia.core.errors import CommuniaError
        from communia.core.llm.config import LOCAL_BACKEND
        from communia.core.llm.gateway import available_backends, commune_policy

        policy = commune_policy(actor.commune_id)
        try:
            backends = available_backends(policy)
            error = ""
        except CommuniaError as exc:
            backends, error = [], exc.message
        return render(
            request,
            "llm_chat.html",
            {
                "policy": policy,
                "backends": backends,
                "local": LOCAL_BACKEND,
                "error": error,
            },
        )

    return router


def install(app: FastAPI) -> None:
    app.include_router(page_router())
