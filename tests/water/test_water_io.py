"""Readers: round trips on real files and bad input."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from communia.core.errors import InvalidInput, TooLarge

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

from communia.modules.water.io import (  # noqa: E402
    clean_series_frame,
    read_long_csv,
    read_scada_dir,
    read_scada_file,
    write_long_csv,
    write_scada_dir,
    write_scada_file,
)

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def slice_dir(ltown, tmp_path_factory) -> Path:
    """Two days of the real SCADA files, written back in the BattLeDIM format."""
    out = tmp_path_factory.mktemp("scada")
    for stem in ("Pressures", "Flows", "Levels", "Demands"):
        with gzip.open(ltown / f"{stem}.csv.gz", "rt", encoding="utf-8") as fh:
            lines = [next(fh) for _ in range(2 * 288 + 1)]
        (out / f"{stem}.csv").write_text("".join(lines), encoding="utf-8")
    return out


def test_scada_dir_reads_real_slice_in_internal_units(slice_dir):
    data = read_scada_dir(slice_dir)
    assert data.pressures.shape == (576, 33)
    assert list(data.flows.columns) == ["PUMP_1", "p227", "p235"]
    raw = pd.read_csv(slice_dir / "Demands.csv", sep=";", decimal=",", index_col=0)
    # demands are L/h in the file, m³/h inside
    assert data.demands.iloc[0, 0] == pytest.approx(raw.iloc[0, 0] / 1000.0)
    assert data.report.messages == []  # clean simulated data: nothing to report


def test_scada_round_trip(slice_dir, tmp_path):
    data = read_scada_dir(slice_dir)
    write_scada_dir(data, tmp_path / "copy", gz=True)
    again = read_scada_dir(tmp_path / "copy")
    for key in ("pressures", "flows", "levels", "demands"):
        pd.testing.assert_frame_equal(
            getattr(data, key), getattr(again, key), check_freq=False, atol=0.006
        )


def test_long_csv_round_trip(slice_dir, tmp_path):
    data = read_scada_dir(slice_dir)
    path = write_long_csv(data, tmp_path / "long.csv")
    again = read_long_csv(path)
    pd.testing.assert_frame_equal(
        data.flows, again.flows[data.flows.columns], check_freq=False, check_names=False, atol=1e-3
    )
    assert list(again.levels.columns) == ["T1"]
    assert again.demands.iloc[5, 3] == pytest.approx(
        data.demands[again.demands.columns[3]].iloc[5], abs=1e-6
    )


def test_single_file_round_trip_gz(slice_dir, tmp_path):
    frame, _ = read_scada_file(slice_dir / "Pressures.csv")
    path = write_scada_file(frame, tmp_path / "P.csv.gz")
    again, _ = read_scada_file(path)
    pd.testing.assert_frame_equal(frame, again, check_freq=False)


def _frame(n=300):
    idx = pd.date_range("2024-10-26 00:00", periods=n, freq="5min")
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {"a": 50 + rng.normal(0, 0.05, n), "b": 20 + rng.normal(0, 0.05, n)}, index=idx
    )


def test_quality_duplicates_gaps_frozen_spikes():
    frame = _frame(400)
    frame.iloc[100, 0] = 500.0  # spike
    frame.iloc[200:300, 1] = 21.37  # frozen for > 6 h? 100 steps = 8.3 h
    dup = frame.iloc[[50, 51]]
    frame = pd.concat([frame.drop(frame.index[150:160]), dup]).sort_index()
    clean, report = clean_series_frame(frame, label="test")
    text = " ".join(report.messages)
    assert "en double" in text
    assert "manquant" in text
    assert "figé" in text
    assert "pic" in text
    assert len(clean) == 400
    assert clean["a"].max() < 100  # spike removed
    assert clean["b"].iloc[200:300].isna().all()


def test_long_csv_units_and_dst(tmp_path):
    # L/s flows are converted and reported; an autumn DST hour appears twice in local time
    times = pd.date_range("2024-10-27 01:00", "2024-10-27 04:00", freq="5min")
    rows = ["sensor,time,value,unit"]
    for t in times:
        rows.append(f"inlet,{t:%Y-%m-%d %H:%M},10,l/s")
        rows.append(f"n1,{t:%Y-%m-%d %H:%M},3.2,bar")
    for t in pd.date_range("2024-10-27 02:00", "2024-10-27 02:55", freq="5min"):
        rows.append(f"inlet,{t:%Y-%m-%d %H:%M},10,l/s")
    rows.append("inlet,pas une date,1,l/s")
    rows.append("x,2024-10-27 01:00,1,furlong")
    (tmp_path / "long.csv").write_text("\n".join(rows), encoding="utf-8")
    data = read_long_csv(tmp_path / "long.csv")
    assert data.flows["inlet"].iloc[0] == pytest.approx(36.0)
    assert data.pressures["n1"].iloc[0] == pytest.approx(32.63, abs=0.01)
    text = " ".join(data.report.messages)
    assert "L/s" in text and "furlong" in text and "illisible" in text and "en double" in text


@pytest.mark.parametrize(
    "content",
    ["", "a;b\n1;2\n", "\x00\x01garbage"],
)
def test_bad_scada_file_french_error(tmp_path, content):
    path = tmp_path / "Flows.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_scada_file(path)
    assert "Fichier" in err.value.message or "Timestamp" in err.value.message


def test_gzip_bomb_is_refused_while_read(tmp_path):
    """A ``.csv.gz`` kept compressed by the upload is read later by the detection job: 64 Mo
    of one repeated line in a file of a few dozen kilobytes is refused before it fills the
    memory; a real year (ratio 2.5 to 6) reads."""
    line = b"2018-01-01 00:00;1,0\n"
    path = tmp_path / "Flows.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b"Timestamp;PUMP_1\n")
        for _ in range(64):
            fh.write(line * ((1 << 20) // len(line)))  # 1 Mo
    assert path.stat().st_size < 1_000_000
    with pytest.raises(TooLarge, match="Flows.csv.gz.*bombes de décompression"):
        read_scada_file(path)
    with pytest.raises(TooLarge):
        read_long_csv(path)


def test_missing_flows_file(tmp_path):
    with pytest.raises(InvalidInput, match="Flows"):
        read_scada_dir(tmp_path)


def test_long_csv_missing_columns(tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="colonnes manquantes"):
        read_long_csv(tmp_path / "x.csv")


def test_help_does_not_import_heavy_deps():
    code = (
        "import sys; from click.testing import CliRunner; from communia.cli.main import cli;"
        "r = CliRunner().invoke(cli, ['water', '--help']); assert r.exit_code == 0, r.output;"
        "heavy = [m for m in ('wntr', 'pandas', 'scipy', 'networkx') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_documented_long_csv_example_reads():
    """The example file of docs/water/README.md is valid and means what the doc says."""
    doc = Path(__file__).resolve().parents[2] / "docs" / "water" / "exemple-telereleve.csv"
    data = read_long_csv(doc, tz="Europe/Paris")
    # 01:55 local (UTC+1) then 03:00 local (UTC+2, after the spring change) are 00:55 and 01:00 UTC
    assert list(data.flows.index[[0, -1]].strftime("%H:%M")) == ["00:55", "01:00"]
    assert data.flows["p227"].iloc[0] == pytest.approx(20.5 * 3.6)
    assert data.pressures["n54"].iloc[0] == pytest.approx(4.2 * 10.197)
    assert list(data.levels.columns) == ["T1"]
