"""Example water data for the demo commune: the L-Town network and a simulated break history.

L-Town (BattLeDIM 2020, EUPL-1.2) is a real-size small-town network (905 pipes, 43 km). No open
French break history exists, so the pipes get materials, ages and breaks from the documented
generator of :mod:`communia.modules.water.risk`; the page then shows the map and the risk list.
"""

from __future__ import annotations

import gzip
from pathlib import Path

__all__ = ["NETWORK_FILE", "seed_demo"]

NETWORK_FILE = Path(__file__).parent / "demo_data" / "L-TOWN.inp.gz"
NETWORK_NAME = "L-Town (réseau d'exemple BattLeDIM)"
RISK_YEAR = 2025
SEED = 2024


def seed_demo(slug: str) -> None:
    """Store the network and a risk ranking, unless the commune already has a network."""
    from communia.core.communes import commune_by_slug
    from communia.core.db import read_session, write_session
    from communia.modules.water import service
    from communia.modules.water.network import network_file
    from communia.modules.water.risk import generate_history, rank_next_year, read_inventory

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
        service.save_network(
            session, commune_id=commune_id, name=NETWORK_NAME, inp_text=inp_text, actor="systeme"
        )
        service.save_risk(
            session,
            commune_id=commune_id,
            year=RISK_YEAR,
            rows=scored.to_dict("records"),
            actor="systeme",
        )
