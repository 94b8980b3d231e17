"""The module contract.

A use case (assistant, canteen, water, ...) is a package under ``communia.modules`` that
exposes one ``MODULE: Module`` object. Core, web and CLI only ever talk to modules through
this contract and never branch on a module's name. Everything heavy is reached through
factories (callables) so that importing the registry stays cheap: ``communia --help`` and
the web app's start must not import pandas, LightGBM, WNTR or a model runtime.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    import click
    from fastapi import APIRouter
    from pydantic import BaseModel
    from sqlalchemy.orm import Session

__all__ = ["AlgorithmCard", "HealthResult", "Module", "load_modules", "get_module"]


@dataclass(frozen=True)
class AlgorithmCard:
    """What a citizen, an agent or the CNIL needs to know about a module (French text).

    It feeds the home-page card and the public algorithm register (CRPA L312-1-3).
    """

    title: str
    summary: str  # what it does, one or two sentences
    purpose: str  # the public-service purpose
    data_used: tuple[str, ...]  # which data, where it comes from
    logic: str  # how it works, in plain words
    human_oversight: str  # who validates the output, and how
    model: str = "Règles et statistiques, sans modèle d'IA générative"
    model_version: str = ""
    risks: tuple[str, ...] = ()
    contact: str = "La personne déléguée à la protection des données de la commune"
    affects_people: bool = False  # outputs that affect a person (CRPA L311-3-1 notice)
    citizen_facing: bool = False  # citizens interact with it (AI Act art. 50 disclosure)


@dataclass(frozen=True)
class HealthResult:
    ok: bool
    label: str  # French: what was checked
    fix: str = ""  # French: what to do when not ok
    optional: bool = False  # a failing optional check is a warning, not an error


@dataclass(frozen=True)
class Module:
    """One use case, as the core sees it.

    - ``name``: stable identifier (English, lowercase) used in URLs, settings and the CLI.
    - ``card``: the algorithm-register card.
    - ``settings``: a pydantic model of the module's own settings (env ``COMMUNIA_<NAME>__...``).
    - ``web_router``: factory of a FastAPI router mounted under ``/app/<name>`` (agents' pages).
    - ``public_router``: factory of a router mounted under ``/c/{commune}/<name>`` (citizens).
    - ``api_router``: factory of a router mounted under ``/api/v1/<name>``.
    - ``cli``: factory of a click group registered as ``communia <name> ...``.
    - ``migrations``: folder of Alembic revisions (own branch label = ``name``).
    - ``health_checks``: callables run by ``communia doctor``.
    - ``seed``: idempotent loading of reference data, run after every migration.
    - ``seed_demo``: idempotent example data for the demo commune, run by ``communia demo``.
    - ``attention``: ``(session, commune_id) -> str``, what awaits the staff in French
      (« 5 alertes de fuite à vérifier »), ``""`` when nothing; shown on the dashboard card.
    - ``web_action`` / ``public_action``: French label of the button that opens the agents'
      page or the citizens' page from the module's card, saying what opens (« Poser une
      question à l'accueil »); required with ``web_router`` / ``public_router``.
    - ``upload_limits_mb``: agents' pages that accept a larger request than the instance-wide
      ``max_request_mb`` (path under ``/app/<name>`` -> Mo), e.g. a year of telemetry.
    """

    name: str
    card: AlgorithmCard
    settings: type[BaseModel] | None = None
    web_router: Callable[[], APIRouter] | None = None
    public_router: Callable[[], APIRouter] | None = None
    api_router: Callable[[], APIRouter] | None = None
    cli: Callable[[], click.Group] | None = None
    migrations: Path | None = None
    health_checks: tuple[Callable[[], HealthResult], ...] = field(default_factory=tuple)
    seed: Callable[[Session], object] | None = None  # reference data, after migrations
    seed_demo: Callable[[str], object] | None = None  # example data for the demo commune
    nav_label: str = ""  # French label in the agents' navigation
    web_action: str = ""  # French label of the card's button to the agents' page
    public_action: str = ""  # French label of the card's button to the citizens' page
    upload_limits_mb: Mapping[str, float] = field(default_factory=dict)
    attention: Callable[[Session, int], str] | None = None  # what awaits the staff, in French

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name.lower() != self.name:
            raise ValueError(f"module name must be a lowercase identifier: {self.name!r}")
        for router, label in (
            (self.web_router, "web_action"),
            (self.public_router, "public_action"),
        ):
            if router is not None and not getattr(self, label).strip():
                raise ValueError(f"module {self.name!r}: a page needs its {label} (button label)")


_cache: dict[str, Module] = {}


def load_modules(paths: tuple[str, ...] | None = None) -> tuple[Module, ...]:
    """Import each module package (cheap: packages keep heavy imports inside functions)."""
    from communia.modules import MODULE_PACKAGES

    result = []
    for path in paths if paths is not None else MODULE_PACKAGES:
        if path not in _cache:
            mod: Any = importlib.import_module(path)
            module = mod.MODULE
            if not isinstance(module, Module):
                raise TypeError(f"{path}.MODULE is not a communia Module")
            _cache[path] = module
        result.append(_cache[path])
    names = [m.name for m in result]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate module names: {names}")
    return tuple(result)


def get_module(name: str) -> Module:
    for module in load_modules():
        if module.name == name:
            return module
    from communia.core.errors import NotFound

    raise NotFound(f"Module inconnu : « {name} ».")
