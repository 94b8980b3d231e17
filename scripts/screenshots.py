"""Take the documentation screenshots from a real demo instance in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [PATH ...]

Starts ``communia serve`` on a temporary copy of the demo commune, logs in as the agent and saves
full-page PNGs of the given paths (default: the dashboard and each module page) under
``docs/screenshots/``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PORT = 8766


def main(paths: list[str]) -> None:
    from communia.core.demo import DEMO_PASSWORD, demo_instance
    from communia.core.registry import load_modules

    paths = paths or ["/app", *[f"/app/{m.name}" for m in load_modules() if m.web_router]]
    with demo_instance(PORT) as demo, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(
            base_url=demo.base_url, viewport={"width": 1280, "height": 900}, locale="fr-FR"
        )
        page.goto("/connexion")
        page.get_by_label("Adresse électronique").fill("agent@saint-exemple.fr")
        page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url("**/app")
        for path in paths:
            page.goto(path)
            name = "dashboard" if path == "/app" else path.strip("/").replace("/", "-")
            page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"{name}.png"), full_page=True)
            print(f"docs/screenshots/{name}.png")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
