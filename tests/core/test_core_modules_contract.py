"""Every registered module honours the contract (HOUSE_STYLE §1)."""

import subprocess
import sys

import click
import pytest

from communia.core.registry import AlgorithmCard, HealthResult, Module, load_modules

MODULES = load_modules()


def test_module_names_are_unique_identifiers():
    names = [m.name for m in MODULES]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_module_contract(module: Module):
    assert isinstance(module.card, AlgorithmCard)
    for text in (
        module.card.title,
        module.card.summary,
        module.card.purpose,
        module.card.logic,
        module.card.human_oversight,
    ):
        assert text.strip(), f"{module.name}: empty card field"
    assert module.card.data_used
    if module.cli is not None:
        assert isinstance(module.cli(), click.Group)
    for factory in (module.web_router, module.public_router, module.api_router):
        if factory is not None:
            from fastapi import APIRouter

            assert isinstance(factory(), APIRouter)
    if module.migrations is not None:
        assert module.migrations.is_dir()
    for check in module.health_checks:
        assert isinstance(check(), HealthResult)


def test_registry_rejects_bad_names():
    card = AlgorithmCard(
        title="t", summary="s", purpose="p", data_used=("d",), logic="l", human_oversight="h"
    )
    with pytest.raises(ValueError):
        Module(name="Bad-Name", card=card)
    # A page opened from the module's card needs a button that says what opens, not « Ouvrir ».
    with pytest.raises(ValueError, match="public_action"):
        Module(name="pages", card=card, public_router=lambda: None)
    Module(name="pages", card=card, public_router=lambda: None, public_action="Poser une question")


def test_importing_modules_and_web_app_stays_light():
    """Creating the web app must not import model runtimes or data-science libraries."""
    code = (
        "import sys; from communia.web.app import create_app; create_app();"
        "heavy = ('pandas','lightgbm','wntr','spacy','torch','xllamacpp','sklearn','faster_whisper');"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
