"""Communia's own OpenAI-compatible endpoint (/v1/models, /v1/chat/completions)."""

from __future__ import annotations

import hashlib
import json

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from communia.core.errors import CommuniaError
from communia.core.llm import RegexPseudonymiser
from communia.core.llm.api import bearer_actor, openai_router

TOKEN = "jeton-de-test-0123456789"


@pytest.fixture
def api(make_commune, monkeypatch, remote_settings):
    from datetime import timedelta

    from communia.core.db import utcnow, write_session
    from communia.core.models import ApiToken, User

    commune_id = make_commune(
        llm={"policy": "allowed", "endpoints": ["distant"], "default_backend": "distant"}
    )
    with write_session() as s:
        user = User(
            email="agent@saint-exemple.fr",
            full_name="Agent",
            role="agent",
            password_hash="x",
            commune_id=commune_id,
        )
        s.add(user)
        s.flush()
        s.add(
            ApiToken(
                token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(),
                user_id=user.id,
                label="outil",
                expires_at=utcnow() + timedelta(days=1),
            )
        )
    monkeypatch.setattr("communia.core.llm.gateway.get_llm_settings", lambda: remote_settings)
    monkeypatch.setattr("communia.core.llm.gateway.default_pseudonymiser", RegexPseudonymiser)
    app = FastAPI()
    app.include_router(openai_router(bearer_actor))

    @app.exception_handler(CommuniaError)
    def _err(request: Request, exc: CommuniaError):
        return JSONResponse(status_code=exc.http_status, content=exc.to_dict())

    return TestClient(app)


AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_token_is_required(api):
    assert api.get("/v1/models").status_code == 401
    assert api.get("/v1/models", headers={"Authorization": "Bearer faux"}).status_code == 401


def test_an_expired_token_is_refused_in_french(api):
    from datetime import timedelta

    from sqlalchemy import update

    from communia.core.db import utcnow, write_session
    from communia.core.models import ApiToken

    assert api.get("/v1/models", headers=AUTH).status_code == 200
    with write_session() as s:
        s.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = api.get("/v1/models", headers=AUTH)
    assert r.status_code == 401
    assert r.json()["message"].startswith("Jeton d'API « outil » expiré depuis le ")


def test_models_lists_what_the_commune_may_use(api):
    body = api.get("/v1/models", headers=AUTH).json()
    assert [m["id"] for m in body["data"]] == ["local", "distant"]


def test_chat_completion_goes_through_the_gateway(api, fake_remote):
    resp = api.post(
        "/v1/chat/completions",
        headers=AUTH,
        json={
            "model": "distant",
            "messages": [
                {"role": "user", "content": "Rappeler Mme Claire Dubois au 06 11 22 33 44"}
            ],
        },
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "chat.completion"
    assert "Claire Dubois" in body["choices"][0]["message"]["content"]
    assert body["usage"]["total_tokens"] == 16
    sent = json.dumps(fake_remote.requests[0], ensure_ascii=False)
    assert "Claire Dubois" not in sent and "06 11 22 33 44" not in sent
    assert fake_remote.requests[0]["messages"][0]["role"] == "system"


def test_streaming_uses_server_sent_events(api, fake_remote):
    with api.stream(
        "POST",
        "/v1/chat/completions",
        headers=AUTH,
        json={
            "model": "distant",
            "stream": True,
            "messages": [{"role": "user", "content": "Bonjour la mairie"}],
        },
    ) as resp:
        lines = [line for line in resp.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "Reçu : Bonjour la mairie"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_forbidden_backend_is_an_openai_style_error(api, fake_remote):
    resp = api.post(
        "/v1/chat/completions",
        headers=AUTH,
        json={"model": "mistral", "messages": [{"role": "user", "content": "x"}]},
    )
    assert resp.status_code == 403
    assert "souveraineté" in resp.json()["error"]["message"]
    assert fake_remote.requests == []


def test_json_schema_response_format(api, fake_remote):
    fake_remote.reply = '{"ok": true}'
    resp = api.post(
        "/v1/chat/completions",
        headers=AUTH,
        json={
            "model": "distant",
            "messages": [{"role": "user", "content": "x"}],
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "r",
                    "schema": {
                        "type": "object",
                        "properties": {"ok": {"type": "boolean"}},
                        "required": ["ok"],
                    },
                },
            },
        },
    )
    assert resp.status_code == 200
    assert json.loads(resp.json()["choices"][0]["message"]["content"]) == {"ok": True}


@pytest.mark.slow
def test_local_model_through_the_endpoint(api, local_settings, monkeypatch):
    monkeypatch.setattr("communia.core.llm.gateway.get_llm_settings", lambda: local_settings)
    resp = api.post(
        "/v1/chat/completions",
        headers=AUTH,
        json={
            "model": "local",
            "max_tokens": 6,
            "temperature": 0,
            "messages": [{"role": "user", "content": "Réponds seulement : bonjour"}],
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["choices"][0]["message"]["content"].strip()


def test_router_plugs_into_the_web_app_with_its_auth(
    make_commune, monkeypatch, remote_settings, fake_remote
):
    """Mounted on ``communia.web.app``, the router uses the web layer's ``api_actor``."""
    from communia.core.db import write_session
    from communia.core.models import User
    from communia.core.users import actor_for, create_api_token
    from communia.web.app import create_app

    commune_id = make_commune(llm={"policy": "allowed", "endpoints": ["distant"]})
    with write_session() as s:
        user = User(
            email="elu@saint-exemple.fr",
            full_name="Élu",
            role="elu",
            password_hash="x",
            commune_id=commune_id,
        )
        s.add(user)
        s.flush()
        token = create_api_token(s, actor_for(user), label="outil")
    monkeypatch.setattr("communia.core.llm.gateway.get_llm_settings", lambda: remote_settings)
    monkeypatch.setattr("communia.core.llm.gateway.default_pseudonymiser", RegexPseudonymiser)
    app = create_app()
    app.include_router(openai_router())
    client = TestClient(app)
    assert client.get("/v1/models").status_code == 401
    models = client.get("/v1/models", headers={"Authorization": f"Bearer {token}"})
    assert [m["id"] for m in models.json()["data"]] == ["local", "distant"]
    resp = client.post(
        "/v1/chat/completions",
        headers={"Authorization": f"Bearer {token}"},
        json={"model": "distant", "messages": [{"role": "user", "content": "Salut"}]},
    )
    assert resp.status_code == 200
    assert resp.json()["choices"][0]["message"]["content"] == "Reçu : Salut"


def test_every_refusal_under_v1_has_the_openai_error_shape(make_commune):
    """OpenAI's clients, and the chat page's script, read ``error.message``: a missing token,
    a body that is not JSON or lacks its messages get that shape too, in French."""
    from communia.web.app import create_app

    make_commune()
    client = TestClient(create_app())
    cases = {
        "no token": client.get("/v1/models"),
        "not JSON": client.post(
            "/v1/chat/completions",
            headers={"Authorization": "Bearer faux", "Content-Type": "application/json"},
            content=b'{"model":',
        ),
    }
    for name, resp in cases.items():
        assert set(resp.json()) == {"error"}, name
        assert isinstance(resp.json()["error"]["message"], str), name
    assert cases["no token"].status_code == 401
    assert cases["no token"].json()["error"]["type"] == "authentification_requise"
    assert cases["not JSON"].status_code == 422
    assert cases["not JSON"].json()["error"] == {
        "message": "Le corps de la requête n'est pas du JSON valide.",
        "type": "donnees_invalides",
        "code": 422,
    }
    # The rest of the JSON API keeps its own shape, with the same plain message.
    resp = client.post(
        "/api/v1/privacy/scan", headers={"Content-Type": "application/json"}, content=b"{"
    )
    assert resp.status_code == 422
    assert resp.json()["message"] == "Le corps de la requête n'est pas du JSON valide."
