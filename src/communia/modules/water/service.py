"""Water service: what the CLI, the web page and the API share (database side).

Stores a commune's network, detection runs and alerts, records every AI output and every
human decision in the audit trail, draws the network map as SVG from the ``.inp``
coordinates (no online tiles), plans renewals and builds the CSV/PDF exports.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from communia.core import audit
from communia.core.charts import axis_ticks, date_axis_svg, y_axis_svg
from communia.core.communes import PARIS
from communia.core.db import utcnow
from communia.core.errors import InvalidInput
from communia.core.formatting import fr_count, fr_datetime, fr_decimal, fr_number, fr_percent
from communia.core.tenancy import get_scoped, scoped
from communia.modules.water.models import (
    ALERT_STATUSES,
    RUNNING_STATUSES,
    WaterAlert,
    WaterNetwork,
    WaterPipeRisk,
    WaterRun,
)

if TYPE_CHECKING:  # pragma: no cover
    from communia.modules.water.detect import Alarm
    from communia.modules.water.io import ScadaData
    from communia.modules.water.network import Network

__all__ = [
    "save_network",
    "latest_network",
    "record_run",
    "latest_run",
    "list_alerts",
    "alert_notes",
    "decide",
    "save_risk",
    "risk_rows",
    "renewal_plan_rows",
    "network_svg",
    "alerts_csv",
    "plan_csv",
    "report_pdf",
    "daily_flows",
    "flow_chart_svg",
    "evidence_svg",
    "METHOD_LABELS",
    "area_label",
    "area_keys",
    "area_names",
    "rename_areas",
]

MODEL_VERSION = "water-16"
#: the detection methods (``--method`` of ``communia water detect``), as an agent reads them
METHOD_LABELS = {
    "cusum": "changement persistant du débit non expliqué",
    "mnf": "débit minimum de nuit",
}


#: the methods as the audit trail names the model behind an alert (the register's names)
METHOD_MODELS = {"cusum": "CUSUM", "mnf": "débit minimum de nuit"}


def area_label(area: str, names: Mapping[str, str] | None = None) -> str:
    """The name the commune gave the balance area ``zone1`` (``names``, see
    :func:`rename_areas`), else « Secteur 1 » (no-break space; the areas between flow meters
    are numbered from the largest, see ``detect.area_balances``); any other code as it is."""
    if names and names.get(area):
        return names[area]
    number = area.removeprefix("zone")
    return f"Secteur\u00a0{number}" if number.isdigit() else area


#: where a commune's names of its balance areas live (``Commune.settings``)
AREA_NAMES = "water_area_names"
_AREA_CODE = re.compile(r"zone\d{1,3}")


def area_names(session: Session, commune_id: int) -> dict[str, str]:
    """The commune's names of its balance areas: ``{"zone1": "Centre-bourg"}``."""
    from communia.core.models import Commune

    commune = session.get(Commune, commune_id)
    return dict(((commune.settings or {}) if commune else {}).get(AREA_NAMES) or {})


def rename_areas(
    session: Session, *, commune_id: int, names: Mapping[str, str], actor: str
) -> dict[str, str]:
    """Name the balance areas as the water service knows them (« Centre-bourg », « Les
    Hauts »); an empty name gives back « Secteur N ». Audited. A new network model that
    numbers the areas differently carries the names over (:func:`save_network`)."""
    clean: dict[str, str] = {}
    for area, name in names.items():
        if not _AREA_CODE.fullmatch(area):
            raise InvalidInput(f"Secteur inconnu : « {area} ».")
        name = " ".join(str(name).split())
        if len(name) > 60:
            raise InvalidInput(
                f"Nom de secteur trop long : 60 caractères au plus (« {name[:60]}… »)."
            )
        if name:
            clean[area] = name
    if len(set(clean.values())) < len(clean):
        raise InvalidInput("Deux secteurs ne peuvent pas porter le même nom.")
    _store_area_names(session, commune_id, clean, actor, "Noms des secteurs : {names}")
    return clean


def _store_area_names(
    session: Session, commune_id: int, names: dict[str, str], actor: str, summary: str
) -> None:
    from communia.core.models import Commune

    commune = session.get(Commune, commune_id)
    commune.settings = {**(commune.settings or {}), AREA_NAMES: names}
    listed = ", ".join(f"{area_label(a)} = {n}" for a, n in sorted(names.items()))
    audit.record(
        session,
        actor=actor,
        action="eau.secteurs.noms",
        commune_id=commune_id,
        object_type="commune",
        object_id=commune_id,
        summary=summary.replace("{names}", listed or "aucun"),
    )


def _utc(value: Any) -> datetime:
    """SCADA clocks are fixed (no DST): naive times are taken as UTC."""

    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _paris(value: Any) -> datetime:
    """A reading's or an alert's time (naive: UTC, see ``_utc``) on the commune's clock, so
    that the page, the charts, the CSV and the PDF all show the same hour."""
    return _utc(value).astimezone(PARIS)


_DECISIONS = {"confirmee": "valide", "reparee": "valide", "rejetee": "rejete"}


def save_network(
    session: Session, *, commune_id: int, name: str, inp_text: str, actor: str
) -> WaterNetwork:
    """Store the commune's ``.inp`` (checked to parse as a network first)."""
    if "[PIPES]" not in inp_text.upper():
        raise InvalidInput(
            "Ce fichier ne ressemble pas à un modèle EPANET (.inp) : section [PIPES] absente."
        )
    digest = hashlib.sha256(inp_text.encode("utf-8")).hexdigest()[:16]
    existing = session.scalar(scoped(WaterNetwork, commune_id).where(WaterNetwork.digest == digest))
    if existing is not None:
        return existing
    previous = latest_network(session, commune_id)
    net = WaterNetwork(commune_id=commune_id, name=name[:200], digest=digest, inp_text=inp_text)
    session.add(net)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="eau.reseau.import",
        commune_id=commune_id,
        object_type="water_network",
        object_id=net.id,
        summary=f"Modèle réseau importé : {name}",
        inputs_hash=digest,
    )
    if previous is not None:
        _carry_area_names(session, commune_id, previous.inp_text, inp_text, actor)
    return net


def area_keys(inp_text: str) -> dict[str, str]:
    """What identifies each balance area from one version of the network model to the next,
    whatever its number: the tanks and reservoirs it holds (« R1 + R2 »); without any, the
    pumps that feed or drain it (« PUMP_1 (arrivée) »); without either, its first node."""
    from communia.modules.water.detect import area_of_nodes
    from communia.modules.water.network import network_file, read_network

    with network_file(inp_text) as path:
        wn = read_network(path).wn
    area_of = area_of_nodes(wn)
    storage: dict[str, list[str]] = {}
    pumps: dict[str, list[str]] = {}
    for node, area in sorted(area_of.items()):
        if wn.get_node(node).node_type in ("Tank", "Reservoir"):
            storage.setdefault(area, []).append(node)
    for pump, link in sorted(wn.pumps()):
        pumps.setdefault(area_of[link.start_node_name], []).append(f"{pump} (départ)")
        pumps.setdefault(area_of[link.end_node_name], []).append(f"{pump} (arrivée)")
    first = {area: node for node, area in sorted(area_of.items(), reverse=True)}
    return {
        area: " + ".join(storage.get(area) or pumps.get(area) or [first[area]])
        for area in set(area_of.values())
    }


def _carry_area_names(
    session: Session, commune_id: int, old_inp: str, new_inp: str, actor: str
) -> None:
    """Keep the commune's area names on the same areas when a new network model numbers them
    differently (areas are numbered by size); a name whose area is gone is dropped. Audited."""
    names = area_names(session, commune_id)
    if not names:
        return
    old_keys, new_keys = area_keys(old_inp), area_keys(new_inp)
    new_area = {key: area for area, key in new_keys.items()}
    carried = {
        new_area[old_keys[area]]: name
        for area, name in names.items()
        if old_keys.get(area) in new_area
    }
    if carried == names:
        return
    dropped = [name for area, name in names.items() if old_keys.get(area) not in new_area]
    summary = "Noms des secteurs suivis sur le nouveau modèle réseau : {names}"
    if dropped:
        summary += " ; retirés (secteur absent du nouveau modèle) : " + ", ".join(dropped)
    _store_area_names(session, commune_id, carried, actor, summary)


def latest_network(session: Session, commune_id: int) -> WaterNetwork | None:
    return session.scalar(
        scoped(WaterNetwork, commune_id).order_by(WaterNetwork.id.desc()).limit(1)
    )


def daily_flows(data: ScadaData, network: Network) -> dict[str, dict[str, list]]:
    """Daily mean consumption and night minimum (02:00–05:00) per balance area."""
    from communia.modules.water.detect import area_balances

    bal = area_balances(data, network)
    out: dict[str, dict[str, list]] = {}
    for area in bal.consumption.columns:
        cons = bal.consumption[area]
        night = cons[(cons.index.hour >= 2) & (cons.index.hour < 5)]
        mean = cons.resample("D").mean()
        nmin = night.groupby(night.index.normalize()).min().reindex(mean.index)
        out[area] = {
            "days": [d.strftime("%Y-%m-%d") for d in mean.index],
            "mean": [None if math.isnan(v) else round(float(v), 2) for v in mean.to_numpy()],
            "night_min": [None if math.isnan(v) else round(float(v), 2) for v in nmin.to_numpy()],
        }
    return out


def record_run(
    session: Session,
    *,
    commune_id: int,
    network_id: int | None,
    method: str,
    period: tuple[datetime, datetime],
    alarms: list[Alarm],
    daily: dict,
    notes: list[str],
    actor: str,
) -> WaterRun:
    """Store a detection run and its alerts; each alert is an AI output awaiting validation."""
    run = WaterRun(
        commune_id=commune_id,
        network_id=network_id,
        method=method,
        period_start=_utc(period[0]),
        period_end=_utc(period[1]),
        daily=daily,
        notes=notes[:200],
    )
    session.add(run)
    session.flush()
    known = {
        (x.area, x.pipe, x.detection_time.replace(tzinfo=None))
        for x in session.scalars(scoped(WaterAlert, commune_id))
    }
    for a in alarms:
        if (a.area, a.pipe, _utc(a.detection_time).replace(tzinfo=None)) in known:
            continue  # the same alert from an earlier run over an overlapping period
        alert = WaterAlert(
            commune_id=commune_id,
            run_id=run.id,
            area=a.area,
            pipe=a.pipe,
            detection_time=_utc(a.detection_time),
            start_estimate=_utc(a.start_estimate),
            flow_m3h=float(a.flow_m3h),
            volume_m3=float(a.volume_m3),
            confidence=float(a.confidence),
            candidates=[[p, round(float(w), 4)] for p, w in a.candidates],
            evidence=dict(getattr(a, "evidence", {}) or {}),
            status="ouverte",
            comment="",
            decided_by="",
        )
        session.add(alert)
        session.flush()
        entry = audit.record(
            session,
            actor=actor,
            action="eau.alerte.proposee",
            commune_id=commune_id,
            object_type="water_alert",
            object_id=alert.id,
            summary=f"Fuite suspectée près de {a.pipe} ({fr_number(a.flow_m3h, 1)} m³/h)",
            details={"pipe": a.pipe, "area": a.area, "confidence": a.confidence},
            model=METHOD_MODELS.get(method, method),
            model_version=MODEL_VERSION,
            validation_status="a_valider",
        )
        alert.audit_seq = entry.seq
    audit.record(
        session,
        actor=actor,
        action="eau.detection",
        commune_id=commune_id,
        object_type="water_run",
        object_id=run.id,
        summary=f"Détection ({METHOD_LABELS.get(method, method)}) : "
        f"{fr_count(len(alarms), 'alerte', 'alertes')}",
        model=METHOD_MODELS.get(method, method),
        model_version=MODEL_VERSION,
    )
    return run


def latest_run(session: Session, commune_id: int) -> WaterRun | None:
    return session.scalar(scoped(WaterRun, commune_id).order_by(WaterRun.id.desc()).limit(1))


def list_alerts(session: Session, commune_id: int, *, status: str = "") -> list[WaterAlert]:
    query = scoped(WaterAlert, commune_id)
    if status:
        query = query.where(WaterAlert.status == status)
    return list(session.scalars(query.order_by(WaterAlert.detection_time.desc())))


def alert_notes(alerts: list[WaterAlert]) -> dict[int, str]:
    """What an agent should know of an alert beside the others, by alert id: sent at the
    same time as another of its sector (one measured gap, two places: its flow and volume are
    not to be added), or at the place of an earlier one of its sector (its proposed pipe, or
    that pipe among its candidates: perhaps the same leak, grown)."""
    notes: dict[int, str] = {}
    ordered = sorted(alerts, key=lambda a: a.detection_time)
    for i, a in enumerate(ordered):
        near = {a.pipe, *(p for p, _ in (a.candidates or [])[:10])}
        for b in ordered[:i]:
            if b.area != a.area:
                continue
            if b.detection_time == a.detection_time:
                shared = (
                    " (débit et volume communs, à ne pas additionner)"
                    if abs(b.flow_m3h - a.flow_m3h) < 0.01
                    else ""
                )
                for one, other in ((a, b), (b, a)):
                    notes[one.id] = (
                        f"Signalée avec {other.pipe} : deux endroits pour un même écart du "
                        f"secteur{shared}."
                    )
            elif b.pipe in near:
                notes[a.id] = (
                    f"Même endroit probable que l'alerte du {fr_datetime(b.detection_time)} "
                    f"({b.pipe}) : peut-être la même fuite, qui a grossi."
                )
    return notes


def decide(
    session: Session, *, commune_id: int, alert_id: int, status: str, actor: str, comment: str = ""
) -> WaterAlert:
    """An agent's decision on an alert (confirmed, rejected, repaired), audited.

    A repair is "learned" by the detector through the balance: the next run sees the flow
    drop and lowers its reference (negative CUSUM).
    """
    if status not in _DECISIONS:
        raise InvalidInput("Décision inconnue : confirmee, rejetee ou reparee.")
    alert = get_scoped(session, WaterAlert, alert_id, commune_id)
    if alert.status in ("rejetee", "reparee"):
        # another page left open (a colleague, a second tab) closed it meanwhile: say who, when
        raise InvalidInput(
            f"L'alerte {alert.pipe} est déjà close : {ALERT_STATUSES[alert.status].lower()}, "
            f"par {audit.actor_label(alert.decided_by)} le {fr_datetime(alert.decided_at)}."
        )
    comment = comment.strip()
    if len(comment) > 2000:
        raise InvalidInput("Commentaire trop long : 2 000 caractères au plus.")
    alert.status = status
    alert.decided_by = actor
    alert.decided_at = utcnow()
    if comment:  # each decision adds its note; a repair without one keeps the field notes
        alert.comment = f"{alert.comment} ; {comment}" if alert.comment else comment
    audit.record(
        session,
        actor=actor,
        action=f"eau.alerte.{status}",
        commune_id=commune_id,
        object_type="water_alert",
        object_id=alert.id,
        summary=f"Alerte {alert.pipe} : {ALERT_STATUSES[status].lower()}",
    )
    if alert.audit_seq is not None:
        audit.set_validation(
            session,
            entry_seq=alert.audit_seq,
            status=_DECISIONS[status],
            actor=actor,
            commune_id=commune_id,
        )
    return alert


def save_risk(session: Session, *, commune_id: int, year: int, rows: list[dict], actor: str) -> int:
    """Replace the commune's risk ranking with ``rows`` (pipe, material, install_year, length_m,
    n_prev, risk)."""
    session.execute(delete(WaterPipeRisk).where(WaterPipeRisk.commune_id == commune_id))
    for r in rows:
        session.add(
            WaterPipeRisk(
                commune_id=commune_id,
                year=year,
                pipe=str(r["pipe"]),
                material=str(r.get("material") or ""),
                install_year=int(r["install_year"])
                if r.get("install_year") == r.get("install_year")
                and r.get("install_year") is not None
                else None,
                length_m=float(r["length_m"]),
                n_prev=int(r.get("n_prev") or 0),
                risk=float(r["risk"]),
            )
        )
    audit.record(
        session,
        actor=actor,
        action="eau.risque.classement",
        commune_id=commune_id,
        object_type="water_pipe_risk",
        summary=f"Classement du risque de casse {year} ({len(rows)} conduites)",
        model="LEYP",
        model_version=MODEL_VERSION,
        validation_status="a_valider",
    )
    return len(rows)


def risk_rows(session: Session, commune_id: int) -> list[WaterPipeRisk]:
    return list(
        session.scalars(scoped(WaterPipeRisk, commune_id).order_by(WaterPipeRisk.risk.desc()))
    )


def renewal_plan_rows(
    rows: list[WaterPipeRisk], *, km_per_year: float, years: int = 5
) -> list[dict]:
    """The stored ranking's renewal plan (:func:`risk.renewal_plan`), as rows for the page."""
    import pandas as pd

    from communia.modules.water.risk import renewal_plan

    frame = pd.DataFrame(
        {
            "pipe": [r.pipe for r in rows],
            "material": [r.material for r in rows],
            "install_year": [r.install_year for r in rows],
            "length_m": [r.length_m for r in rows],
            "n_prev": [r.n_prev for r in rows],
        }
    )
    plan = renewal_plan(frame, [r.risk for r in rows], km_per_year=km_per_year, years=years)
    return [
        {
            "annee": int(r.plan_year),
            "canalisation": r.pipe,
            "materiau": r.material,
            "pose": None if pd.isna(r.install_year) else int(r.install_year),
            "longueur_m": round(r.length_m, 1),
            "casses_passees": int(r.n_prev),
            "casses_attendues": round(r.risk, 4),
        }
        for r in plan.itertuples(index=False)
    ]


# --------------------------------------------------------------------------- map


def _sections(inp_text: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current = ""
    for raw in inp_text.splitlines():
        line = raw.split(";", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            current = line.strip("[]").upper()
            sections.setdefault(current, [])
            continue
        sections.setdefault(current, []).append(line.split())
    return sections


def network_svg(
    inp_text: str, *, highlight: dict[str, float] | None = None, width: int = 900
) -> str:
    """Network drawn from the ``.inp`` coordinates; ``highlight`` pipes (0–1 weight) in red."""
    from html import escape

    sec = _sections(inp_text)
    coords = {
        row[0]: (float(row[1]), float(row[2]))
        for row in sec.get("COORDINATES", [])
        if len(row) >= 3
    }
    if not coords:
        return (
            '<p class="muted">Le modèle réseau ne contient pas de coordonnées : '
            "carte indisponible.</p>"
        )
    xs = [c[0] for c in coords.values()]
    ys = [c[1] for c in coords.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    span = max(x1 - x0, y1 - y0, 1e-9)
    height = int(width * (y1 - y0) / max(x1 - x0, 1e-9)) if x1 > x0 else width
    height = max(200, min(height, 640))
    scale = (
        min((width - 20) / max(x1 - x0, 1e-9), (height - 20) / max(y1 - y0, 1e-9)) if span else 1
    )
    if y1 > y0:
        height = max(60, int((y1 - y0) * scale + 20))  # no empty band under a wide network

    def pt(node: str) -> tuple[float, float] | None:
        c = coords.get(node)
        if c is None:
            return None
        return 10 + (c[0] - x0) * scale, height - 10 - (c[1] - y0) * scale

    highlight = highlight or {}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Plan du réseau d\'eau" class="water-map">',
        "<title>Plan du réseau (canalisations suspectes en rouge)</title>",
    ]
    hot = []
    for section in ("PIPES", "PUMPS", "VALVES"):
        for row in sec.get(section, []):
            if len(row) < 3:
                continue
            a, b = pt(row[1]), pt(row[2])
            if a is None or b is None:
                continue
            w = highlight.get(row[0], 0.0)
            line = (
                f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" '
                f'stroke="{"#c00" if w else ("#06c" if section != "PIPES" else "#8a9bb0")}" '
                f'stroke-width="{2 + 6 * w if w else 1.2:.1f}">'
                f"<title>{escape(row[0])}</title></line>"
            )
            (hot if w else parts).append(line)
    parts.extend(hot)  # suspected pipes drawn on top
    for section, color in (("RESERVOIRS", "#06c"), ("TANKS", "#093")):
        for row in sec.get(section, []):
            p = pt(row[0])
            if p:
                parts.append(
                    f'<rect x="{p[0] - 5:.1f}" y="{p[1] - 5:.1f}" '
                    f'width="10" height="10" fill="{color}">'
                    f"<title>{escape(row[0])}</title></rect>"
                )
    parts.append("</svg>")
    return "".join(parts)


def _fr_stamp(stamp: str) -> str:
    """« 03/02/2018 09:00 » (Paris time) for the readings' « 2018-02-03 08:00 » (UTC), « 03/02/2018 »
    for a day; anything else unchanged."""
    try:
        moment = datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return stamp
    return f"{moment:%d/%m/%Y}" if len(stamp) <= 10 else f"{_paris(moment):%d/%m/%Y %H:%M}"


def flow_chart_svg(
    series: dict[str, list], *, width: int = 860, height: int = 230, days: int = 120
) -> str:
    """Daily mean consumption and night minimum of one area (last ``days`` days), as SVG,
    with the days under the x-axis and the flow (m³/h) beside the y-axis."""
    from html import escape

    dates = series.get("days", [])[-days:]
    mean = series.get("mean", [])[-days:]
    night = series.get("night_min", [])[-days:]
    values = [v for v in mean + night if v is not None]
    if len(dates) < 2 or not values:
        return '<p class="muted">Pas encore de données de débit.</p>'
    ticks, decimals = axis_ticks(min(0.0, min(values)), max(values))
    lo, hi = ticks[0], ticks[-1]
    left, bottom, top = 52, 26, 22

    def x(i: int) -> float:
        return left + i * (width - left - 14) / (len(dates) - 1)

    def y(v: float) -> float:
        return height - bottom - (v - lo) * (height - bottom - top) / (hi - lo)

    def line(vals: list, color: str, label: str) -> str:
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vals) if v is not None)
        return (
            f'<polyline fill="none" stroke="{color}" stroke-width="1.6" points="{pts}">'
            f"<title>{escape(label)}</title></polyline>"
        )

    axis = y_axis_svg(ticks, decimals, y, left=left, right=width - 14, size=10, unit="m³/h")
    axis += date_axis_svg(dates, x, axis_y=height - bottom, size=10)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Débit journalier moyen et minimum de nuit, m³/h" class="water-chart">'
        f"{axis}"
        + line(mean, "#06c", "Débit moyen du jour (m³/h)")
        + line(night, "#c60", "Minimum de nuit 2 h–5 h (m³/h)")
        + "</svg>"
    )


def evidence_svg(evidence: dict, *, width: int = 420, height: int = 140) -> str:
    """Small chart of the unexplained flow around an alert (the agent's evidence), with its
    values (m³/h) beside the y-axis."""
    from html import escape

    values = evidence.get("residual_m3h") or []
    pts_v = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(pts_v) < 2:
        return ""
    ref = float(evidence.get("reference_m3h", 0.0))
    ticks, decimals = axis_ticks(
        min(min(v for _i, v in pts_v), ref), max(max(v for _i, v in pts_v), ref), 4
    )
    lo, hi = ticks[0], ticks[-1]
    n = len(values)
    left, right, top, bottom = 44, width - 4, 20, 16

    def x(i: int) -> float:
        return left + i * (right - left) / (n - 1)

    def y(v: float) -> float:
        return height - bottom - (v - lo) * (height - bottom - top) / (hi - lo)

    pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in pts_v)
    times = evidence.get("times") or [""]
    start = evidence.get("start", "")
    xs = x(times.index(start) if start in times else 0)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="water-chart" aria-label="Débit non expliqué autour de l\'alerte, m³/h">'
        + y_axis_svg(ticks, decimals, y, left=left, right=right, size=9, unit="m³/h")
        + f'<line x1="{left}" x2="{right}" y1="{y(ref):.1f}" y2="{y(ref):.1f}" stroke="#888" '
        f'stroke-dasharray="4 3"><title>Référence {fr_number(ref, 1)} m³/h</title></line>'
        f'<line x1="{xs:.1f}" x2="{xs:.1f}" y1="{top}" y2="{height - bottom}" stroke="#c00" '
        f'stroke-dasharray="2 2"><title>Début estimé {escape(_fr_stamp(start))}</title></line>'
        f'<polyline fill="none" stroke="#06c" stroke-width="1.4" points="{pts}">'
        f"<title>Débit non expliqué (m³/h)</title></polyline>"
        f'<text x="{left}" y="{height - 3}" font-size="9">{escape(_fr_stamp(times[0]))}</text>'
        f'<text x="{right}" y="{height - 3}" font-size="9" text-anchor="end">'
        f"{escape(_fr_stamp(times[-1]))}</text></svg>"
    )


# --------------------------------------------------------------------------- exports


def alerts_csv(alerts: list[WaterAlert], names: Mapping[str, str] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(
        [
            "id",
            "zone",
            "canalisation",
            "detection",
            "debut_estime",
            "debit_m3h",
            "volume_perdu_m3",
            "confiance",
            "statut",
            "decide_par",
            "commentaire",
            "secteur",  # the area as agents name it; ``zone`` keeps the code for programs
            "remarque",  # sent with another for one gap, or at an earlier alert's place
        ]
    )
    notes = alert_notes(alerts)
    for a in alerts:
        writer.writerow(
            [
                a.id,
                a.area,
                a.pipe,
                f"{_paris(a.detection_time):%Y-%m-%d %H:%M}",
                f"{_paris(a.start_estimate):%Y-%m-%d %H:%M}",
                fr_decimal(a.flow_m3h, 2),
                fr_decimal(a.volume_m3, 1),
                fr_decimal(a.confidence, 2),
                ALERT_STATUSES.get(a.status, a.status),
                a.decided_by,
                a.comment,
                area_label(a.area, names).replace("\u00a0", " "),
                notes.get(a.id, ""),
            ]
        )
    return buf.getvalue()


def plan_csv(plan: list[dict]) -> str:
    buf = io.StringIO()
    fields = [
        "annee",
        "canalisation",
        "materiau",
        "pose",
        "longueur_m",
        "casses_passees",
        "casses_attendues",
    ]
    writer = csv.DictWriter(buf, fieldnames=fields, delimiter=";")
    writer.writeheader()
    for row in plan:
        writer.writerow(
            row
            | {
                "longueur_m": fr_decimal(row["longueur_m"], 1),
                "casses_attendues": fr_decimal(row["casses_attendues"], 4),
            }
        )
    return buf.getvalue()


def report_pdf(
    *,
    commune_name: str,
    alerts: list[WaterAlert],
    plan: list[dict],
    km_per_year: float,
    run: WaterRun | None = None,
    risk_year: int | None = None,
    names: Mapping[str, str] | None = None,
) -> bytes:
    """A PDF report for the water service and the elected officials (fpdf2): every alert and
    the whole renewal plan, in tables, with each year's length and expected breaks; the
    period and method of the latest detection ``run`` and the ranking's ``risk_year`` say
    what the figures come from."""
    from itertools import groupby

    from communia.core.formatting import fr_datetime, french_pdf, pdf_table, pdf_text

    made = fr_datetime(utcnow())
    pdf = french_pdf(
        title=f"Eau potable — {commune_name}",
        footer=f"{commune_name} — rapport eau potable — Communia, le {made}",
    )
    pdf.add_page()

    def line(text: str, *, size: float = 9, style: str = "", height: float = 6) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.multi_cell(0, height, pdf_text(text), new_x="LMARGIN", new_y="NEXT")

    line(f"Eau potable — {commune_name}", size=15, style="B", height=10)
    line(
        f"Rapport produit par Communia le {made}. Alertes et classement calculés "
        "automatiquement par un algorithme inscrit au registre public des algorithmes de la "
        "commune : propositions à vérifier et valider par le service des eaux."
    )
    pdf.ln(3)
    line("Alertes de fuite", size=12, style="B", height=8)
    if run is not None:
        line(
            f"Dernière analyse des mesures : du {fr_datetime(run.period_start)} au "
            f"{fr_datetime(run.period_end)} "
            f"(méthode : {METHOD_LABELS.get(run.method, run.method)})."
        )
    if not alerts:
        line("Aucune alerte.")
    else:
        pdf_table(
            pdf,
            (32, 20, 24, 26, 28, 22, 38),
            (
                "Détectée le",
                "Secteur",
                "Conduite",
                "Débit (m³/h)",
                "Volume perdu",
                "Confiance",
                "Statut",
            ),
            [
                (
                    f"{_paris(a.detection_time):%d/%m/%Y %H:%M}",
                    area_label(a.area, names),
                    a.pipe,
                    fr_number(a.flow_m3h, 1),
                    f"{fr_number(a.volume_m3)} m³",
                    fr_percent(a.confidence, 0),
                    ALERT_STATUSES.get(a.status, a.status),
                )
                for a in alerts
            ],
        )
        notes = alert_notes([a for a in alerts if a.status in RUNNING_STATUSES])
        if notes:
            pdf.ln(2)
            line("Remarques sur les alertes en cours", style="B")
            for a in alerts:
                if a.id in notes:
                    note = notes[a.id]
                    pdf.set_font("Helvetica", "", 9)
                    pdf.cell(4, 6, "•")  # the lines of a long note stay under its first one
                    line(
                        f"Conduite {a.pipe}, détectée le {_paris(a.detection_time):%d/%m/%Y à %H:%M} "
                        f"— {note[0].lower()}{note[1:]}"
                    )
    pdf.ln(3)
    line(f"Plan de renouvellement ({fr_number(km_per_year, 1)} km par an)", size=12, style="B")
    if not plan:
        line("Aucun classement des canalisations enregistré.")
    elif risk_year is not None:
        line(
            f"Classement du risque de casse {risk_year} : « casses attendues » est le nombre "
            "de casses que le modèle prévoit sur la conduite en un an."
        )
    for year, rows in groupby(plan, key=lambda r: r["annee"]):
        rows = list(rows)
        km = sum(r["longueur_m"] for r in rows) / 1000
        if pdf.get_y() + 30 > pdf.page_break_trigger:  # a year's title never ends a page
            pdf.add_page()
        line(
            f"Année {year} : {len(rows)} canalisations, {fr_number(km, 1)} km, "
            f"{fr_number(sum(r['casses_attendues'] for r in rows), 2)} casses attendues "
            "sur ces conduites",
            style="B",
        )
        pdf_table(
            pdf,
            (30, 40, 22, 26, 30, 34),
            ("Conduite", "Matériau", "Pose", "Longueur", "Casses passées", "Casses attendues"),
            [
                (
                    r["canalisation"],
                    r["materiau"],
                    r["pose"] or "?",
                    f"{fr_number(r['longueur_m'], 1)} m",
                    r["casses_passees"],
                    fr_number(r["casses_attendues"], 3),
                )
                for r in rows
            ],
        )
        pdf.ln(2)
    return bytes(pdf.output())
