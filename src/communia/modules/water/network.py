"""Network model: EPANET ``.inp`` reading, pressure zones and pipe-to-pipe distances.

Distances follow the BattLeDIM rule (``D_Mat_L-TOWN.mat``): 0 for the same pipe, otherwise
the shortest path along pipes between the closest pair of end nodes plus half of each
pipe's length. Pumps and valves are not part of the path graph, so pipes in different
pressure zones are infinitely far apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from communia.core.errors import InvalidInput

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

__all__ = ["Network", "read_network", "network_file", "file_digest"]


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@dataclass
class Network:
    """A parsed network plus the derived tables the detectors and the scorer need."""

    path: Path
    wn: Any  # wntr WaterNetworkModel
    pipes: list[str]  # pipe ids, order of every pipe-indexed array
    pipe_nodes: list[tuple[str, str]]
    pipe_length: np.ndarray  # m
    node_zone: dict[str, int]  # connected component of the pipe graph
    digest: str

    _dist: np.ndarray | None = None

    @property
    def pipe_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.pipes)}

    def node_distances(self) -> tuple[list[str], np.ndarray]:
        """All-pairs shortest path length (m) between nodes along pipes only."""
        import numpy as np
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import shortest_path

        nodes = list(self.wn.node_name_list)
        idx = {n: i for i, n in enumerate(nodes)}
        rows, cols = [], []
        for a, b in self.pipe_nodes:
            rows.append(idx[a])
            cols.append(idx[b])
        graph = coo_matrix((self.pipe_length, (rows, cols)), shape=(len(nodes), len(nodes))).tocsr()
        dist = shortest_path(graph, directed=False, method="D")
        return nodes, np.asarray(dist)

    def pipe_distances(self) -> np.ndarray:
        """Pipe-to-pipe distance matrix (m), BattLeDIM rule; ``inf`` across zones."""
        import numpy as np

        if self._dist is not None:
            return self._dist
        nodes, nd = self.node_distances()
        idx = {n: i for i, n in enumerate(nodes)}
        a = np.array([idx[p[0]] for p in self.pipe_nodes])
        b = np.array([idx[p[1]] for p in self.pipe_nodes])
        best = np.minimum.reduce(
            [nd[np.ix_(a, a)], nd[np.ix_(a, b)], nd[np.ix_(b, a)], nd[np.ix_(b, b)]]
        )
        half = self.pipe_length / 2.0
        dist = best + half[:, None] + half[None, :]
        np.fill_diagonal(dist, 0.0)
        self._dist = dist
        return dist

    def coordinates(self) -> dict[str, tuple[float, float]]:
        return {name: tuple(node.coordinates) for name, node in self.wn.nodes()}


@contextlib.contextmanager
def network_file(inp_text: str, name: str = "reseau.inp") -> Iterator[Path]:
    """A stored or uploaded ``.inp`` text as a temporary file (WNTR reads only files)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_text(inp_text, encoding="utf-8")
        yield path


def read_network(path: str | Path) -> Network:
    """Parse an EPANET ``.inp`` with WNTR; a file that does not parse gets a French message."""
    import numpy as np

    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"Fichier réseau introuvable : {path}.")
    try:
        import wntr
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise InvalidInput(
            "Le module eau a besoin de WNTR : installez "
            "l'extra « water » (pip install 'communia[water]')."
        ) from exc
    try:
        wn = wntr.network.WaterNetworkModel(str(path))
    except Exception as exc:  # wntr raises many types (ENValueError, KeyError, ValueError...)
        raise InvalidInput(
            f"Le fichier réseau {path.name} n'a pas pu être lu comme un fichier EPANET (.inp) : "
            f"{str(exc)[:200]}"
        ) from exc
    if wn.num_pipes == 0:
        raise InvalidInput(f"Le fichier réseau {path.name} ne contient aucune canalisation.")
    pipes, ends, lengths = [], [], []
    for name, pipe in wn.pipes():
        pipes.append(name)
        ends.append((pipe.start_node_name, pipe.end_node_name))
        lengths.append(float(pipe.length))
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(wn.node_name_list)
    graph.add_edges_from(ends)
    zone = {}
    for i, comp in enumerate(sorted(nx.connected_components(graph), key=len, reverse=True)):
        for node in comp:
            zone[node] = i
    return Network(
        path=path,
        wn=wn,
        pipes=pipes,
        pipe_nodes=ends,
        pipe_length=np.asarray(lengths, dtype=float),
        node_zone=zone,
        digest=file_digest(path),
    )
