"""Background job: leak detection on telemetry uploaded from the water page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from communia.core.jobs import JobCancelled, JobContext, task

#: Name under which the page stores an uploaded CSV in the generic long format.
LONG_CSV = "mesures-format-long.csv"
#: Wall-clock time of a long CSV without UTC offset (the commune's own clock).
LOCAL_TZ = "Europe/Paris"


@task("water.detect", title="Détection de fuites sur une télérelève")
def detect_job(
    ctx: JobContext, *, commune_id: int, folder: str, network_id: int, actor: str
) -> dict:
    """Read the uploaded SCADA folder (BattLeDIM files or one long CSV), detect and locate
    leaks, store the run and its alerts."""
    import shutil

    from communia.core.errors import InvalidInput

    root = Path(folder)
    if not root.is_dir():
        raise InvalidInput(
            "Les fichiers de cette télérelève ne sont plus disponibles (données refusées "
            "lors d'un essai précédent) : déposez-les à nouveau depuis la page Eau."
        )
    try:
        summary = analyse_folder(
            root,
            commune_id=commune_id,
            network_id=network_id,
            actor=actor,
            progress=ctx.progress,
            cancelled=ctx.cancelled,
        )
    except InvalidInput:
        shutil.rmtree(root, ignore_errors=True)  # unusable data: nothing to retry
        raise
    # A cancelled job or an unexpected failure (database down, disk full) keeps the upload so
    # that « Relancer » can run it again; once the run is stored the telemetry is not kept,
    # only the result.
    shutil.rmtree(root, ignore_errors=True)
    return summary


def analyse_folder(
    root: Path,
    *,
    commune_id: int,
    network_id: int,
    actor: str,
    progress: Callable[[float, str], None] = lambda fraction, message: None,
    cancelled: Callable[[], bool] = lambda: False,
) -> dict:
    """Detect and locate leaks in the telemetry of ``root`` (a folder the caller owns: the
    network model is written into it) with the commune's stored network; store the run and
    its alerts. Returns the job's summary."""
    from zoneinfo import ZoneInfo

    from communia.core.db import read_session, write_session
    from communia.core.errors import InvalidInput
    from communia.modules.water import service
    from communia.modules.water.cli import calibration_dirs, signature_cache_dir
    from communia.modules.water.detect import detect_leaks, find_calibration
    from communia.modules.water.io import read_long_csv, read_scada_dir
    from communia.modules.water.models import WaterNetwork
    from communia.modules.water.network import read_network

    with read_session() as s:
        stored = s.get(WaterNetwork, network_id)
        if stored is None or stored.commune_id != commune_id:
            raise InvalidInput("Modèle réseau introuvable pour cette commune.")
        inp_text = stored.inp_text
    inp = root / "reseau.inp"
    inp.write_text(inp_text, encoding="utf-8")
    progress(0.05, "Lecture de la télérelève")
    long_csv = root / LONG_CSV
    data = read_long_csv(long_csv, tz=LOCAL_TZ) if long_csv.is_file() else read_scada_dir(root)
    net = read_network(inp)
    if cancelled():
        raise JobCancelled()
    progress(0.3, "Calibration et bilans par secteur")
    cal, origin = find_calibration(net, calibration_dirs())
    progress(0.4, "Détection et localisation")
    alarms, notes = detect_leaks(data, net, calibration=cal, cache_dir=signature_cache_dir())
    if cal is not None:
        notes.append(f"Calibration utilisée : {Path(origin).name} (période {cal.source}).")
    if cancelled():
        raise JobCancelled()
    progress(0.9, "Enregistrement des alertes")
    with write_session() as s:
        run = service.record_run(
            s,
            commune_id=commune_id,
            network_id=network_id,
            method="cusum",
            period=(data.index[0], data.index[-1]),
            alarms=alarms,
            daily=service.daily_flows(data, net),
            notes=notes,
            actor=actor,
        )
        run_id = run.id
        first, last = (t.astimezone(ZoneInfo(LOCAL_TZ)) for t in (run.period_start, run.period_end))
    found = {0: "Aucune fuite détectée", 1: "1 fuite suspectée à vérifier"}.get(
        len(alarms), f"{len(alarms)} fuites suspectées à vérifier"
    )
    return {
        "run_id": run_id,
        "alertes": len(alarms),
        "url": "/app/water#alertes",
        "resume": f"{found} sur la télérelève du {first:%d/%m/%Y} au {last:%d/%m/%Y}.",
    }
