"""Communes, their profile, services (departments) and per-commune settings."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from communia.core import audit
from communia.core.db import check_version, flush_versioned
from communia.core.errors import Conflict, InvalidInput, NotFound
from communia.core.models import Commune, Service
from communia.core.tenancy import get_scoped, scoped
from communia.core.users import Actor, require_admin

__all__ = [
    "DAYS",
    "PARIS",
    "slugify",
    "parse_hours",
    "format_hours",
    "is_open",
    "valid_siret",
    "create_commune",
    "get_commune",
    "commune_by_slug",
    "list_communes",
    "update_profile",
    "set_enabled_modules",
    "list_services",
    "get_service",
    "save_service",
    "delete_service",
    "PROFILE_FIELDS",
    "SERVICE_FIELDS",
]

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
PARIS = ZoneInfo("Europe/Paris")
PROFILE_FIELDS = (
    "name", "insee_code", "siret", "population", "address", "phone", "email", "website",
    "on_call_phone",
)  # fmt: skip
SERVICE_FIELDS = ("name", "description", "phone", "email", "address")
_TIME = re.compile(r"^([01]\d|2[0-3])[:h]([0-5]\d)$")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80]


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def valid_siret(siret: str) -> bool:
    """SIRET check (Luhn), with La Poste's establishments (SIREN 356000000) summing to 5."""
    if not re.fullmatch(r"\d{14}", siret):
        return False
    if siret.startswith("356000000"):
        return sum(int(c) for c in siret) % 5 == 0
    return _luhn(siret)


def parse_hours(text: str) -> dict[str, list[list[str]]]:
    """Parse lines such as ``lundi 08:30-12:00 13:30-17:00`` (one day per line)."""
    hours: dict[str, list[list[str]]] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lower()
        if not line:
            continue
        parts = line.replace(",", " ").split()
        day = unicodedata.normalize("NFKD", parts[0]).encode("ascii", "ignore").decode()
        if day not in DAYS:
            raise InvalidInput(
                f"Horaires, ligne {lineno} : jour inconnu « {parts[0]} » "
                "(attendu : lundi, mardi, … dimanche)."
            )
        slots = []
        for chunk in parts[1:]:
            if chunk in ("ferme", "fermé"):
                continue
            start, _, end = chunk.partition("-")
            ms, me = _TIME.match(start), _TIME.match(end)
            if not ms or not me:
                raise InvalidInput(
                    f"Horaires, ligne {lineno} : plage « {chunk} » illisible (format 08:30-12:00)."
                )
            s, e = f"{ms[1]}:{ms[2]}", f"{me[1]}:{me[2]}"
            if s >= e:
                raise InvalidInput(
                    f"Horaires, ligne {lineno} : la plage « {chunk} » finit avant de commencer."
                )
            slots.append([s, e])
        hours[day] = sorted(slots)
    return hours


def format_hours(hours: dict[str, list[list[str]]]) -> str:
    lines = []
    for day in DAYS:
        if day in hours:
            slots = " ".join(f"{s}-{e}" for s, e in hours[day]) or "fermé"
            lines.append(f"{day} {slots}")
    return "\n".join(lines)


def is_open(hours: dict[str, list[list[str]]], when: datetime) -> bool:
    """Whether a service is open at ``when`` (aware datetime, compared in Paris time)."""
    local = when.astimezone(PARIS)
    hm = local.strftime("%H:%M")
    return any(s <= hm < e for s, e in hours.get(DAYS[local.weekday()], []))


def _clean_profile(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in PROFILE_FIELDS:
        if key not in data:
            continue
        value = data[key]
        if key == "population":
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InvalidInput("La population doit être un nombre entier.") from None
            if not 0 <= value <= 5_000_000:
                raise InvalidInput("La population doit être comprise entre 0 et 5 000 000.")
        else:
            value = str(value or "").strip()
            if len(value) > 300:
                raise InvalidInput(f"Le champ « {key} » dépasse 300 caractères.")
        if key == "name" and not value:
            raise InvalidInput("Le nom de la commune est obligatoire.")
        if key == "insee_code" and value and not re.fullmatch(r"(\d{5}|2[AB]\d{3})", value):
            raise InvalidInput("Le code INSEE comporte 5 caractères (ex. 44109 ou 2A004).")
        if key == "siret" and value and not valid_siret(value):
            raise InvalidInput("Le SIRET doit comporter 14 chiffres et une clé de contrôle valide.")
        out[key] = value
    return out


def create_commune(
    session: Session,
    *,
    slug: str,
    name: str,
    by: str,
    modules: list[str] | None = None,
    **profile: Any,
) -> Commune:
    slug = slugify(slug or name)
    if not slug:
        raise InvalidInput("L'identifiant de la commune est obligatoire.")
    if session.scalar(select(Commune.id).where(Commune.slug == slug)) is not None:
        raise Conflict(f"La commune « {slug} » existe déjà.")
    commune = Commune(slug=slug, enabled_modules=list(modules or []), settings={}, name=name)
    for key, value in _clean_profile({"name": name, **profile}).items():
        setattr(commune, key, value)
    session.add(commune)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="commune.create",
        commune_id=commune.id,
        object_type="commune",
        object_id=commune.id,
        summary=f"Commune créée : {commune.name}",
    )
    return commune


def get_commune(session: Session, actor: Actor) -> Commune:
    commune = session.get(Commune, actor.commune_id)
    if commune is None:
        raise NotFound("Commune introuvable.")
    return commune


def commune_by_slug(session: Session, slug: str) -> Commune:
    commune = session.scalar(select(Commune).where(Commune.slug == slug))
    if commune is None:
        raise NotFound(f"Commune inconnue : « {slug} ».")
    return commune


def list_communes(session: Session) -> list[Commune]:
    return list(session.scalars(select(Commune).order_by(Commune.name)))


def update_profile(
    session: Session, actor: Actor, data: dict[str, Any], *, expected_version: int | None = None
) -> Commune:
    require_admin(actor)
    commune = get_commune(session, actor)
    check_version(commune, expected_version)
    changes = _clean_profile(data)
    for key, value in changes.items():
        setattr(commune, key, value)
    flush_versioned(session, "La fiche de la commune a été modifiée en même temps ; réessayez.")
    audit.record(
        session,
        actor=actor.email,
        action="commune.update",
        commune_id=commune.id,
        object_type="commune",
        object_id=commune.id,
        summary="Profil de la commune modifié",
        details={"champs": sorted(changes)},
        inputs_hash=audit.hash_inputs(changes),
    )
    return commune


def set_enabled_modules(session: Session, actor: Actor, names: list[str]) -> Commune:
    from communia.core.registry import load_modules

    require_admin(actor)
    known = [m.name for m in load_modules()]
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise InvalidInput(f"Module(s) inconnu(s) : {', '.join(unknown)}.")
    commune = get_commune(session, actor)
    commune.enabled_modules = [n for n in known if n in names]
    audit.record(
        session,
        actor=actor.email,
        action="commune.modules",
        commune_id=commune.id,
        object_type="commune",
        object_id=commune.id,
        summary="Modules activés : " + (", ".join(commune.enabled_modules) or "aucun"),
    )
    return commune


def list_services(session: Session, commune_id: int) -> list[Service]:
    return list(session.scalars(scoped(Service, commune_id).order_by(Service.name)))


def get_service(session: Session, actor: Actor, service_id: int) -> Service:
    return get_scoped(session, Service, service_id, actor.commune_id)


def save_service(
    session: Session,
    actor: Actor,
    data: dict[str, Any],
    *,
    service_id: int | None = None,
    expected_version: int | None = None,
) -> Service:
    """Create (``service_id=None``) or update a service. ``data['hours']`` is text or a dict."""
    require_admin(actor)
    values = {k: str(data.get(k) or "").strip() for k in SERVICE_FIELDS if k in data}
    if service_id is None and not values.get("name"):
        raise InvalidInput("Le nom du service est obligatoire.")
    if "name" in values and not values["name"]:
        raise InvalidInput("Le nom du service est obligatoire.")
    if any(len(v) > 2000 for v in values.values()):
        raise InvalidInput("Un champ du service est trop long (2 000 caractères au plus).")
    hours = data.get("hours")
    if isinstance(hours, str):
        hours = parse_hours(hours)
    elif hours is not None and not isinstance(hours, dict):
        raise InvalidInput("Les horaires doivent être un texte ou un objet par jour.")
    elif isinstance(hours, dict):
        hours = parse_hours(format_hours(hours))  # validates
    if service_id is None:
        slug = slugify(values["name"])
        if session.scalar(scoped(Service, actor.commune_id).where(Service.slug == slug)):
            raise Conflict(f"Un service « {values['name']} » existe déjà.")
        service = Service(commune_id=actor.commune_id, slug=slug, hours=hours or {}, **values)
        session.add(service)
        action = "service.create"
    else:
        service = get_scoped(session, Service, service_id, actor.commune_id)
        check_version(service, expected_version)
        for key, value in values.items():
            setattr(service, key, value)
        if hours is not None:
            service.hours = hours
        action = "service.update"
    flush_versioned(session, "Ce service a été modifié en même temps ; réessayez.")
    audit.record(
        session,
        actor=actor.email,
        action=action,
        commune_id=actor.commune_id,
        object_type="service",
        object_id=service.id,
        summary=f"Service {'créé' if action.endswith('create') else 'modifié'} : {service.name}",
        inputs_hash=audit.hash_inputs(values, hours),
    )
    return service


def delete_service(session: Session, actor: Actor, service_id: int) -> None:
    require_admin(actor)
    service = get_scoped(session, Service, service_id, actor.commune_id)
    name = service.name
    session.delete(service)
    audit.record(
        session,
        actor=actor.email,
        action="service.delete",
        commune_id=actor.commune_id,
        object_type="service",
        object_id=service_id,
        summary=f"Service supprimé : {name}",
    )
