"""Tasks the core provides."""

from __future__ import annotations

import time
from pathlib import Path

from communia.core.errors import InvalidInput
from communia.core.jobs.registry import JobCancelled, JobContext, task

__all__ = ["extract_documents", "demo"]


@task("documents.extract", title="Lecture de documents")
def extract_documents(ctx: JobContext, *, paths: list[str]) -> dict:
    """Extract each file; the result summarises pages, blocks and warnings per file."""
    from communia.core.documents import extract
    from communia.core.errors import CommuniaError

    if not paths:
        raise InvalidInput("Aucun fichier à lire.")
    files = []
    for index, path in enumerate(paths):
        ctx.check_cancelled()
        name = Path(path).name
        ctx.progress(index / len(paths), f"Lecture de « {name} » ({index + 1}/{len(paths)})")

        def on_progress(
            fraction: float, message: str, index: int = index, name: str = name
        ) -> None:
            ctx.check_cancelled()
            ctx.progress((index + fraction) / len(paths), f"{name} : {message}")

        try:
            document = extract(path, on_progress=on_progress)
        except CommuniaError as exc:
            files.append({"name": name, "error": exc.message})
            continue
        files.append(
            {
                "name": name,
                "format": document.format,
                "pages": document.pages,
                "ocr_pages": document.ocr_pages,
                "blocks": len(document.blocks),
                "characters": len(document.text),
                "warnings": document.warnings,
            }
        )
    ctx.progress(1.0, f"{len(paths)} fichier(s) lu(s)")
    unread = sum(1 for f in files if "error" in f)
    summary = f"{len(files) - unread} fichier(s) lu(s)" + (
        f", {unread} illisible(s)." if unread else "."
    )
    return {"files": files, "resume": summary}


@task("jobs.demo", title="Tâche de démonstration")
def demo(ctx: JobContext, *, steps: int = 10, seconds: float = 0.5, fail_at: int = -1) -> dict:
    """Counts ``steps`` steps of ``seconds`` each (to try progress bars, cancel, retry)."""
    for step in range(steps):
        if ctx.cancelled():
            raise JobCancelled()
        if step == fail_at:
            raise InvalidInput(f"Échec volontaire à l'étape {step + 1} (paramètre fail_at).")
        time.sleep(seconds)
        ctx.progress((step + 1) / steps, f"Étape {step + 1} sur {steps}")
    return {"steps": steps, "resume": f"{steps} étape(s) effectuée(s)."}
