"""Take the documentation screenshots from a real demo instance in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [PATH ...]

Starts ``communia serve`` on a temporary copy of the demo commune, logs in as the agent and saves
full-page PNGs of the given paths (default: the dashboard and each module page) under
``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PORT = 8766


def main(paths: list[str]) -> None:
    from communia.core.registry import load_modules

    paths = paths or ["/app", *[f"/app/{m.name}" for m in load_modules() if m.web_router]]
    tmp = tempfile.mkdtemp(prefix="communia-shots-")
    env = {
        **os.environ,
        "COMMUNIA_DATA_DIR": tmp,
        "COMMUNIA_DATABASE_URL": "",
        "COMMUNIA_DEMO": "true",
    }
    subprocess.run([BIN / "communia", "demo"], env=env, check=True, capture_output=True)
    server = subprocess.Popen([BIN / "communia", "serve", "--port", str(PORT)], env=env)
    base = f"http://127.0.0.1:{PORT}"
    try:
        for _ in range(100):
            try:
                httpx.get(base + "/api/v1/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=["--no-sandbox"]
            )
            page = browser.new_page(
                base_url=base, viewport={"width": 1280, "height": 900}, locale="fr-FR"
            )
            page.goto("/connexion")
            page.get_by_label("Adresse électronique").fill("agent@saint-exemple.fr")
            page.get_by_label("Mot de passe").fill("Demo-Communia-2026")
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_url("**/app")
            for path in paths:
                page.goto(path)
                name = "dashboard" if path == "/app" else path.strip("/").replace("/", "-")
                page.screenshot(
                    path=str(ROOT / "docs" / "screenshots" / f"{name}.png"), full_page=True
                )
                print(f"docs/screenshots/{name}.png")
            browser.close()
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
