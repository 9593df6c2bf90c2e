"""Properties of the grid for random readings (Hypothesis): a coarse bucket's
mean is the reading-weighted mean of the fine buckets inside it, and a
linear fill stays between its two neighbours."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.pipelines.telemetry.pipeline import Settings, run

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
M11 = [["phase", "1"], ["module", "1"]]
FILE = "modules/phase=1/module=1/date=2024-06-05/data_0.parquet"

# Readings over the first 20 minutes of the day, at any second, with any value.
readings = st.lists(
    st.tuples(st.integers(0, 1_199), st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)),
    min_size=1,
    max_size=120,
    unique_by=lambda r: r[0],
)


def write(folder: Path, rows: list[tuple[int, float]]) -> None:
    path = folder / "input/2024/06/05/a.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("create table r (timestamp bigint, payload_type varchar, value varchar, tags varchar[][])")
    con.executemany("insert into r values (?, 'module_voltage', ?, ?)", [(DAY + s, repr(v), M11) for s, v in rows])
    con.execute(f"copy r to '{path}' (format parquet)")


def grid(folder: Path, name: str, **options) -> dict[int, float | None]:
    run(Settings(input=folder / "input", output=folder / name, quiet=True, threads=1, **options))
    con = duckdb.connect()
    rows = con.execute(
        f"select epoch(timestamp)::bigint - {DAY}, module_voltage from read_parquet('{folder / name / FILE}') "
        "where epoch(timestamp)::bigint - $day < 1_200 order by 1",
        {"day": DAY},
    ).fetchall()
    return dict(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(readings)
def test_a_minute_mean_is_the_reading_weighted_mean_of_its_5_s_buckets(rows):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write(folder, rows)
        fine = grid(folder, "fine")
        coarse = grid(folder, "coarse", every=dt.timedelta(minutes=1))
    counts: dict[int, int] = {}
    for second, _ in rows:
        counts[second // 5 * 5] = counts.get(second // 5 * 5, 0) + 1
    for minute in range(0, 1_200, 60):
        inside = [(fine[s], counts[s]) for s in range(minute, minute + 60, 5) if fine[s] is not None]
        if not inside:
            assert coarse[minute] is None
            continue
        weighted = sum(mean * n for mean, n in inside) / sum(n for _, n in inside)
        assert math.isclose(coarse[minute], weighted, rel_tol=1e-9, abs_tol=1e-7)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(readings, st.integers(5, 600))
def test_a_linear_fill_never_leaves_the_range_of_its_two_neighbours(rows, max_gap):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write(folder, rows)
        raw = grid(folder, "raw")
        filled = grid(folder, "filled", fill="linear", max_gap=dt.timedelta(seconds=max_gap))
    known = [s for s in sorted(raw) if raw[s] is not None]
    for s, value in filled.items():
        if raw[s] is not None:
            assert value == raw[s]
            continue
        before = [k for k in known if k < s]
        after = [k for k in known if k > s]
        if not before or not after or after[0] - before[-1] > max_gap:
            assert value is None  # no extrapolation, nothing across a gap over --max-gap
            continue
        low, high = sorted((raw[before[-1]], raw[after[0]]))
        assert low <= value <= high
