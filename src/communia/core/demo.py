"""The fictional demo commune, Saint-Exemple-sur-Loire (seeded by the first README command)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from communia.core.communes import create_commune, parse_hours, slugify
from communia.core.models import Commune, Service
from communia.core.users import create_user

__all__ = [
    "seed_demo",
    "demo_instance",
    "DemoInstance",
    "DEMO_SLUG",
    "DEMO_PASSWORD",
    "DEMO_ACCOUNTS",
]

DEMO_SLUG = "saint-exemple-sur-loire"
DEMO_PASSWORD = "Demo-Communia-2026"
DEMO_ACCOUNTS = (
    ("admin@saint-exemple.fr", "Claire Martin", "admin"),
    ("agent@saint-exemple.fr", "Karim Benali", "agent"),
    ("elu@saint-exemple.fr", "Jeanne Leroy", "elu"),
)

_OFFICE = """lundi 08:30-12:00 13:30-17:30
mardi 08:30-12:00 13:30-17:30
mercredi 08:30-12:00
jeudi 08:30-12:00 13:30-17:30
vendredi 08:30-12:00 13:30-17:00
samedi 09:00-12:00"""

_SERVICES = (
    ("Accueil et état civil",
     "Actes de naissance, mariage et décès, déclaration de naissance ou de décès, mariage "
     "et Pacs, reconnaissance d'enfant, livret de famille, changement de prénom, recensement "
     "citoyen à 16 ans, cartes d'identité et passeports sur rendez-vous, attestations "
     "d'accueil, légalisation de signature, cimetière, columbarium et concessions "
     "funéraires.",
     "02 40 00 10 01", "etat-civil@saint-exemple.fr", _OFFICE),
    ("Urbanisme",
     "Permis de construire, déclarations préalables de travaux (clôture, abri de jardin, "
     "piscine, extension, façade, fenêtres), certificats d'urbanisme, plan local "
     "d'urbanisme, numérotation des voies.",
     "02 40 00 10 02", "urbanisme@saint-exemple.fr",
     "lundi 09:00-12:00\nmardi 09:00-12:00 14:00-17:00\njeudi 09:00-12:00 14:00-17:00"),
    ("Services techniques",
     "Voirie, routes et trottoirs, nids-de-poule, éclairage public et lampadaires en "
     "panne, signalisation et feux tricolores, espaces verts, arbres, parcs et aires de "
     "jeux, propreté des rues, collecte des ordures et du tri, encombrants (vieux meubles, "
     "canapé, électroménager), déchetterie, dépôts sauvages, tags, eau potable, fuites, "
     "assainissement, signalement d'un problème sur l'espace public, composteurs.",
     "02 40 00 10 03", "technique@saint-exemple.fr",
     "lundi 08:00-12:00 13:30-17:00\nmardi 08:00-12:00 13:30-17:00\n"
     "mercredi 08:00-12:00 13:30-17:00\njeudi 08:00-12:00 13:30-17:00\nvendredi 08:00-12:00"),
    ("Enfance, éducation et restauration scolaire",
     "Inscriptions à l'école maternelle et élémentaire, cantine scolaire et menus, "
     "garderie et accueil périscolaire, centre de loisirs, crèche et assistantes "
     "maternelles, transport scolaire.",
     "02 40 00 10 04", "enfance@saint-exemple.fr",
     "lundi 08:30-12:00 13:30-17:30\nmardi 08:30-12:00 13:30-17:30\n"
     "jeudi 08:30-12:00 13:30-17:30\nvendredi 08:30-12:00"),
    ("Centre communal d'action sociale (CCAS)",
     "Aides sociales, aide alimentaire, RSA, logement social et loyers impayés, personnes "
     "âgées ou handicapées, portage de repas, domiciliation, hébergement d'urgence.",
     "02 40 00 10 05", "ccas@saint-exemple.fr",
     "lundi 09:00-12:00 14:00-17:00\nmercredi 09:00-12:00\njeudi 14:00-17:00"),
    ("Police municipale",
     "Tranquillité publique, bruit et troubles de voisinage, rodéos de motos et vitesse "
     "excessive, stationnement gênant, animaux errants, chiens dangereux, fourrière, objets "
     "trouvés, opération tranquillité vacances.",
     "02 40 00 10 17", "police@saint-exemple.fr",
     "lundi 08:00-19:00\nmardi 08:00-19:00\nmercredi 08:00-19:00\njeudi 08:00-19:00\n"
     "vendredi 08:00-19:00\nsamedi 09:00-13:00"),
    ("Élections et citoyenneté",
     "Inscription sur les listes électorales, cartes d'électeur, procurations, bureaux de "
     "vote, scrutins, référendums.",
     "02 40 00 10 06", "citoyennete@saint-exemple.fr", _OFFICE),
)  # fmt: skip


def seed_demo(session: Session) -> Commune:
    """Create the demo commune, its services and three accounts; idempotent."""
    from communia.core.registry import load_modules

    existing = session.scalar(select(Commune).where(Commune.slug == DEMO_SLUG))
    if existing is not None:
        return existing
    commune = create_commune(
        session,
        slug=DEMO_SLUG,
        name="Saint-Exemple-sur-Loire",
        by="systeme",
        modules=[m.name for m in load_modules()],
        insee_code="44999",
        siret="21449999000015",
        population=4175,
        address="1 place de la Mairie, 44999 Saint-Exemple-sur-Loire",
        phone="02 40 00 10 00",
        email="mairie@saint-exemple.fr",
        website="https://www.saint-exemple.fr",
        on_call_phone="06 00 00 00 17",
    )
    for name, description, phone, email, hours in _SERVICES:
        session.add(
            Service(
                commune_id=commune.id,
                slug=slugify(name),
                name=name,
                description=description,
                phone=phone,
                email=email,
                address="Mairie, 1 place de la Mairie",
                hours=parse_hours(hours),
            )
        )
    for email, full_name, role in DEMO_ACCOUNTS:
        create_user(
            session,
            commune_id=commune.id,
            email=email,
            full_name=full_name,
            role=role,
            password=DEMO_PASSWORD,
            by="systeme",
        )
    return commune


@dataclass(frozen=True)
class DemoInstance:
    """A running throwaway demo server (see :func:`demo_instance`)."""

    base_url: str
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        """Run a ``communia`` command against this instance's data; return its stdout."""
        return subprocess.run(
            [_communia(), *args], env=self.env, check=True, capture_output=True, text=True
        ).stdout.strip()


def _communia() -> str:
    return str(Path(sys.executable).parent / "communia")


@contextlib.contextmanager
def running_server(port: int, env: dict[str, str]) -> Iterator[str]:
    """Run a real ``communia serve`` on ``port`` with ``env`` until exit; yield its base URL."""
    import httpx

    server = subprocess.Popen(
        [_communia(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/api/v1/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError as exc:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Le serveur n'a pas démarré ({base}).") from exc
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextlib.contextmanager
def demo_instance(port: int, *, env: dict[str, str] | None = None) -> Iterator[DemoInstance]:
    """Seed the demo commune in a temporary data folder and serve it on ``port``.

    For the benchmarks and the documentation screenshots: a real ``communia serve`` process on
    SQLite, stopped and deleted on exit.
    """
    tmp = tempfile.mkdtemp(prefix="communia-demo-")
    full_env = {
        **os.environ,
        "COMMUNIA_DATA_DIR": tmp,
        "COMMUNIA_DATABASE_URL": "",
        "COMMUNIA_DEMO": "true",
        **(env or {}),
    }
    try:
        subprocess.run([_communia(), "demo"], env=full_env, check=True, capture_output=True)
        with running_server(port, full_env) as base:
            yield DemoInstance(base_url=base, env=full_env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
