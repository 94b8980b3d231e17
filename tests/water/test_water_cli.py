"""The ``communia water`` commands end to end (real files, real database)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from communia.core.communes import commune_by_slug

pd = pytest.importorskip("pandas")
pytest.importorskip("wntr")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def commune(database):
    from communia.core.db import write_session
    from communia.core.models import Commune

    with write_session() as s:
        s.add(Commune(slug="saint-eau", name="Saint-Eau"))
    return "saint-eau"


@pytest.fixture(scope="module")
def three_weeks(shared_data, tmp_path_factory) -> tuple[Path, Path]:
    src = shared_data / "water" / "ltown-2018"
    if not src.is_dir():
        pytest.skip("ltown-2018 absent")
    out = tmp_path_factory.mktemp("scada3w")
    for stem in ("Pressures", "Flows", "Levels", "Demands"):
        with gzip.open(src / f"{stem}.csv.gz", "rt", encoding="utf-8") as fh:
            lines = [next(fh) for _ in range(21 * 288 + 1)]
        with gzip.open(out / f"{stem}.csv.gz", "wt", encoding="utf-8") as fh:
            fh.write("".join(lines))
    return out, src / "L-TOWN.inp"


def _run(*args):
    from communia.cli.main import cli

    return CliRunner().invoke(cli, ["water", *map(str, args)], catch_exceptions=False)


def test_detect_mnf_stores_alerts_and_scores(three_weeks, commune, tmp_path, shared_data):
    scada, inp = three_weeks
    res = _run(
        "detect",
        "--scada",
        scada,
        "--network",
        inp,
        "--out",
        tmp_path / "d.csv",
        "--method",
        "mnf",
        "--commune",
        commune,
    )
    assert res.exit_code == 0, res.output
    assert "enregistrées pour saint-eau" in res.output
    lines = (tmp_path / "d.csv").read_text().splitlines()
    assert lines[0] == "pipe,detection_time"
    written = "alerte écrite" if len(lines) - 1 < 2 else "alertes écrites"
    assert f"{len(lines) - 1} {written} dans" in res.output and "(s)" not in res.output
    from communia.core.db import read_session
    from communia.modules.water import service

    with read_session() as s:
        cid = commune_by_slug(s, commune).id
        run = service.latest_run(s, cid)
        assert run.method == "mnf" and set(run.daily) == {"zone1", "zone2"}
        assert len(service.list_alerts(s, cid)) == len(lines) - 1
    truth = shared_data / "water" / "ltown-2018"
    res = _run(
        "score",
        "--detections",
        tmp_path / "d.csv",
        "--leaks",
        truth / "leaks.csv",
        "--leak-flows",
        truth / "leak_flows.csv.gz",
        "--network",
        inp,
        "--end",
        "2018-01-21 23:55",
    )
    assert res.exit_code == 0, res.output
    # French figures: decimal comma, narrow no-break space between thousands
    assert re.search(r"Score : -?[\d\u202f]+,\d\d € sur [\d\u202f]+,\d\d € possibles", res.output)


def test_bad_inputs_give_french_errors(tmp_path, three_weeks):
    scada, inp = three_weeks
    (tmp_path / "bad.inp").write_text("[PIPES]\n p1 a\n[JUNCTIONS]\n a 1 2 3 4\n x\n")
    from communia.cli.main import cli

    r = CliRunner().invoke(
        cli,
        [
            "water",
            "detect",
            "--scada",
            str(scada),
            "--network",
            str(tmp_path / "bad.inp"),
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert r.exit_code == 2 and "Erreur" in r.output
    r = CliRunner().invoke(
        cli, ["water", "detect", "--network", str(inp), "--out", str(tmp_path / "o.csv")]
    )
    assert r.exit_code == 2 and "--scada" in r.output
    assert not (tmp_path / "o.csv").exists()


def test_risk_commands(tmp_path, commune):
    res = _run(
        "risk-generate",
        "--network",
        FIXTURES / "Net1.inp",
        "--out-dir",
        tmp_path,
        "--seed",
        3,
        "--first-year",
        1980,
    )
    assert res.exit_code == 0, res.output
    res = _run(
        "risk-rank",
        "--inventory",
        tmp_path / "inventaire.csv",
        "--repairs",
        tmp_path / "reparations.csv",
        "--year",
        2025,
        "--km-per-year",
        2,
        "--out",
        tmp_path / "plan.csv",
        "--commune",
        commune,
    )
    assert res.exit_code == 0, res.output
    plan = pd.read_csv(tmp_path / "plan.csv", dtype={"pipe": str})
    assert not plan.empty and plan["plan_year"].min() == 1
    from communia.core.db import read_session
    from communia.modules.water import service

    with read_session() as s:
        assert len(service.risk_rows(s, commune_by_slug(s, commune).id)) == 12


def test_detect_from_generic_long_csv(three_weeks, tmp_path):
    from communia.modules.water.io import read_scada_dir, write_long_csv

    scada, inp = three_weeks
    data = read_scada_dir(scada)
    for key in ("pressures", "flows", "levels", "demands"):
        setattr(data, key, getattr(data, key).iloc[: 10 * 288])
    data.flows = data.flows / 3.6  # exported in L/s but labelled m3/h: must be caught
    long = write_long_csv(data, tmp_path / "long.csv")
    res = _run(
        "detect",
        "--long-csv",
        long,
        "--network",
        inp,
        "--out",
        tmp_path / "d.csv",
        "--method",
        "mnf",
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "d.csv").read_text().startswith("pipe,detection_time")
    assert "L/s probables" in res.output
