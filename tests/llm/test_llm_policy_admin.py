"""An administrator sets the commune's sovereignty policy on the administration page."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from communia_testing import csrf_of, login


@pytest.fixture
def albert_declared(monkeypatch):
    """The instance declares one remote endpoint (nothing is sent in these tests)."""
    from communia.core.settings import reset_settings

    monkeypatch.setenv(
        "COMMUNIA_MODULES__LLM__ENDPOINTS__ALBERT__BASE_URL", "https://albert.test/v1"
    )
    monkeypatch.setenv("COMMUNIA_MODULES__LLM__ENDPOINTS__ALBERT__MODEL", "albert-large")
    reset_settings()
    yield
    monkeypatch.delenv("COMMUNIA_MODULES__LLM__ENDPOINTS__ALBERT__BASE_URL")
    monkeypatch.delenv("COMMUNIA_MODULES__LLM__ENDPOINTS__ALBERT__MODEL")
    reset_settings()


def _policy(commune_id: int):
    from communia.core.db import read_session
    from communia.core.llm.config import policy_from_settings
    from communia.core.models import Commune

    with read_session() as s:
        return policy_from_settings(s.get(Commune, commune_id).settings)


def test_admin_allows_a_declared_endpoint_then_goes_back_to_local(
    http, two_communes, albert_declared
):
    from communia.core.db import read_session
    from communia.core.models import AuditEntry

    commune_id = two_communes["a"]["commune_id"]
    login(http, "admin@ville-a.fr")
    page = http.get("/app/commune").text
    assert "albert — albert-large (https://albert.test/v1)" in html.unescape(page)
    token = csrf_of(http, "/app/commune")

    # « allowed » without any endpoint ticked: French error, the choice kept, nothing saved.
    refused = http.post(
        "/app/commune/llm",
        data={"csrf_token": token, "politique": "allowed", "defaut": "albert", "journal": "clear"},
    )
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert "Cochez au moins un service distant" in refused.text
    assert re.search(r'id="llm-allowed"[^>]*checked', refused.text)
    assert re.search(r'id="llm-clear"[^>]*checked', refused.text)  # every choice kept
    assert re.search(r'<option value="albert" selected', refused.text)
    assert _policy(commune_id).policy == "local-only"

    saved = http.post(
        "/app/commune/llm",
        data={
            "csrf_token": token,
            "politique": "allowed",
            "services": "albert",
            "defaut": "albert",
            "journal": "clear",
        },
        follow_redirects=True,
    )
    assert "Politique de souveraineté enregistrée" in saved.text
    policy = _policy(commune_id)
    assert (policy.policy, policy.endpoints, policy.default_backend, policy.audit_text) == (
        "allowed",
        ["albert"],
        "albert",
        "clear",
    )
    llm_page = http.get("/app/llm").text  # the agents' chat now offers it
    assert "albert (distant, pseudonymisé)" in llm_page

    # An endpoint the instance does not declare is refused.
    bad = http.post(
        "/app/commune/llm",
        data={"csrf_token": token, "politique": "allowed", "services": "openai"},
    )
    assert bad.status_code == 422 and "non déclaré" in bad.text

    http.post(
        "/app/commune/llm", data={"csrf_token": token, "politique": "local-only", "journal": "hash"}
    )
    assert _policy(commune_id).policy == "local-only" and _policy(commune_id).endpoints == []
    with read_session() as s:
        summaries = s.scalars(
            select(AuditEntry.summary)
            .where(AuditEntry.action == "commune.llm_policy")
            .order_by(AuditEntry.seq)
        ).all()
    assert len(summaries) == 2 and "albert" in summaries[0]


def test_only_an_admin_sets_the_policy(http, two_communes, albert_declared):
    login(http, "agent@ville-a.fr")
    page = http.get("/app/commune").text
    assert "Enregistrer la politique" not in page  # shown, not offered
    refused = http.post(
        "/app/commune/llm",
        data={"csrf_token": csrf_of(http), "politique": "allowed", "services": "albert"},
    )
    assert refused.status_code == 403 and "Cette action est réservée" in refused.text
    assert _policy(two_communes["a"]["commune_id"]).policy == "local-only"


def test_endpoints_declared_as_json_in_the_environment(monkeypatch):
    """docs/settings.md gives COMMUNIA_MODULES__LLM__ENDPOINTS as JSON: that form works, and
    broken JSON gets a French configuration error."""
    from communia.core.errors import ConfigurationError
    from communia.core.llm.config import get_llm_settings
    from communia.core.settings import reset_settings

    monkeypatch.setenv(
        "COMMUNIA_MODULES__LLM__ENDPOINTS",
        '{"albert": {"base_url": "https://albert.test/v1", "model": "albert-large"}}',
    )
    reset_settings()
    try:
        assert get_llm_settings().endpoints["albert"].model == "albert-large"
        monkeypatch.setenv("COMMUNIA_MODULES__LLM__ENDPOINTS", '{"albert": ')
        reset_settings()
        with pytest.raises(ConfigurationError, match="Réglages du modèle de langage invalides"):
            get_llm_settings()
    finally:
        monkeypatch.delenv("COMMUNIA_MODULES__LLM__ENDPOINTS")
        reset_settings()
