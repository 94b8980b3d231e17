"""Fixtures of the privacy tests (imported with ``from privacy_fixtures import *``): a commune
and users in the real test database, and an install without spaCy."""

from __future__ import annotations

import pytest

import communia.core.privacy  # noqa: F401 - registers the privacy tables for cleanup


@pytest.fixture
def communes(database):
    from communia.core.db import write_session
    from communia.core.models import Commune, User

    with write_session() as s:
        a = Commune(slug="saint-exemple", name="Saint-Exemple")
        b = Commune(slug="autreville", name="Autreville")
        s.add_all([a, b])
        s.flush()
        s.add_all(
            [
                User(
                    email="agent@saint-exemple.fr",
                    full_name="Agent",
                    role="agent",
                    password_hash="x",
                    commune_id=a.id,
                ),
                User(
                    email="elu@saint-exemple.fr",
                    full_name="Élu",
                    role="elu",
                    password_hash="x",
                    commune_id=a.id,
                ),
                User(
                    email="agent@autreville.fr",
                    full_name="Agent B",
                    role="agent",
                    password_hash="x",
                    commune_id=b.id,
                ),
            ]
        )
        return a.id, b.id


@pytest.fixture
def no_spacy(monkeypatch):
    """Simulate an install without the ``privacy`` extra (spaCy cannot be imported)."""
    import builtins

    from communia.core.privacy import ner

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "spacy" or name.startswith("spacy."):
            raise ImportError("No module named 'spacy'")
        return real_import(name, *args, **kwargs)

    ner.reset_ner()
    monkeypatch.setattr(builtins, "__import__", fake_import)
    yield
    monkeypatch.setattr(builtins, "__import__", real_import)
    ner.reset_ner()
