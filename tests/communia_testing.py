"""Helpers shared by the tests (imported as ``from communia_testing import ...``)."""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"

PASSWORD = "Motdepasse-Solide-2026"


def login(client, email: str, password: str = PASSWORD):
    """Log in through the real form (fetches the login CSRF cookie first)."""
    import re

    page = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/connexion",
        data={"email": email, "password": password, "csrf_token": token, "suivant": "/app"},
    )


def browser_login(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real form in a browser page and wait for the dashboard."""
    page.goto("/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/app")


def csrf_of(client, path: str = "/app") -> str:
    import re

    page = client.get(path)
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def embedded_llm_model(request, tmp_path_factory) -> Path:
    """The real embedded LLM, assembled once from the installed part packages into pytest's
    cache. Without the ``llm`` extra the calling test is skipped, unless
    ``COMMUNIA_REQUIRE_LLM=1`` (CI), where it fails instead."""
    import os

    import pytest

    from communia.core.errors import Unavailable
    from communia.core.llm.model import MODEL_FILENAME, install_model

    cache = getattr(request.config, "cache", None)  # absent with -p no:cacheprovider
    folder = cache.mkdir("communia-llm-model") if cache else tmp_path_factory.mktemp("llm")
    try:
        return install_model(target=Path(folder) / MODEL_FILENAME).path
    except Unavailable as exc:
        if os.environ.get("COMMUNIA_REQUIRE_LLM") == "1":
            raise
        pytest.skip(f"extra « llm » absent : {exc.message}")
