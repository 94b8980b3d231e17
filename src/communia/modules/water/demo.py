"""Example water data for the demo commune: the L-Town network, two months of telemetry and a
simulated break history.

L-Town (BattLeDIM 2020, EUPL-1.2) is a real-size small-town network (905 pipes, 43 km). The
demo runs the real leak detection on two months of simulated L-Town telemetry (``demo_data/
telereleve_2018_01_02``, see its LISEZMOI), so the page opens on alerts to review. No open
French break history exists, so the pipes get materials, ages and breaks from the documented
generator of :mod:`communia.modules.water.risk`; the page then shows the map and the risk list.
"""

from __future__ import annotations

import gzip
from pathlib import Path

__all__ = ["NETWORK_FILE", "seed_demo"]

NETWORK_FILE = Path(__file__).parent / "demo_data" / "L-TOWN.inp.gz"
TELEMETRY_DIR = Path(__file__).parent / "demo_data" / "telereleve_2018_01_02"
NETWORK_NAME = "L-Town (réseau d'exemple BattLeDIM)"
RISK_YEAR = 2025
SEED = 2024


def seed_demo(slug: str) -> None:
    """Store the network, a detection run on the demo telemetry and a risk ranking, unless the
    commune already has a network."""
    import shutil
    import tempfile

    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session, write_session
    from communia.modules.water import service
    from communia.modules.water.network import network_file
    from communia.modules.water.risk import generate_history, rank_next_year, read_inventory
    from communia.modules.water.tasks import analyse_folder

    with read_session() as session:
        commune_id = commune_by_slug(session, slug).id
        if service.latest_network(session, commune_id) is not None:
            return
    inp_text = gzip.decompress(NETWORK_FILE.read_bytes()).decode("utf-8")
    with network_file(inp_text, "L-TOWN.inp") as path:
        inventory = read_inventory(path)
    inventory, breaks = generate_history(
        inventory, seed=SEED, first_year=1990, last_year=RISK_YEAR - 1
    )
    scored = rank_next_year(inventory, breaks, RISK_YEAR)
    with write_session() as session:
        network_id = service.save_network(
            session, commune_id=commune_id, name=NETWORK_NAME, inp_text=inp_text, actor="systeme"
        ).id
        service.save_risk(
            session,
            commune_id=commune_id,
            year=RISK_YEAR,
            rows=scored.to_dict("records"),
            actor="systeme",
        )
    # The same path as a telemetry upload from the page, run here rather than as a job so the
    # alerts are there when the demo opens (about 15 s of work).
    with tempfile.TemporaryDirectory(prefix="communia-demo-eau-") as tmp:
        folder = Path(tmp)
        for file in TELEMETRY_DIR.glob("*.csv.gz"):
            shutil.copy(file, folder / file.name)
        analyse_folder(folder, commune_id=commune_id, network_id=network_id, actor="systeme")
