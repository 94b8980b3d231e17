"""An answer streamed from /v1 and abandoned by its client (a tab closed mid-answer)."""

from __future__ import annotations

import gc

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_an_abandoned_stream_frees_the_local_model_at_once(
    live_server, two_communes, real_model, monkeypatch
):
    """The local model takes one request at a time. A client that went away mid-answer left
    the stream suspended, its slot held until the garbage collector found it: the next
    requests waited and got « occupé ». The garbage collector is off here, as it may well
    not run for minutes in a server."""
    from communia.core.db import read_session, write_session
    from communia.core.llm.gateway import reset_gateway
    from communia.core.settings import reset_settings
    from communia.core.users import actor_by_email, create_api_token

    monkeypatch.setenv("COMMUNIA_MODULES__LLM__QUEUE_TIMEOUT_S", "20")
    reset_settings()
    reset_gateway()
    with read_session() as s:
        actor = actor_by_email(s, "agent@ville-a.fr")
    with write_session() as s:
        headers = {"Authorization": f"Bearer {create_api_token(s, actor, label='test')}"}
    ask = {"messages": [{"role": "user", "content": "Raconte l'histoire de ta commune."}]}
    gc.disable()
    try:
        with httpx.stream(
            "POST",
            f"{live_server}/v1/chat/completions",
            json={**ask, "stream": True},
            headers=headers,
            timeout=120,
        ) as stream:
            for line in stream.iter_lines():  # the role's chunk, then the first piece
                if '"delta": {"content": "' in line:
                    break
        # The connection is closed: the next request gets the model.
        answer = httpx.post(
            f"{live_server}/v1/chat/completions",
            json={**ask, "max_tokens": 2},
            headers=headers,
            timeout=120,
        )
    finally:
        gc.enable()
    assert answer.status_code == 200, answer.text
    assert answer.json()["usage"]["completion_tokens"] >= 1
