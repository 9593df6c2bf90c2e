"""The data-quality files (_quality/date=D/cells.parquet and signals.parquet)
and their views: golden rows on tiny inputs, and a patched day equal to a
full rebuild for every fill and step."""

from __future__ import annotations

import datetime as dt
import itertools

import duckdb
import pytest

from etl.pipelines.telemetry.pipeline import Settings, run

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
M11 = [["phase", "1"], ["module", "1"], ["message_source", "master"]]
M12 = [["phase", "1"], ["module", "2"], ["message_source", "master"]]
SYS = [["message_source", "master"]]
QUALITY = "_quality/date=2024-06-05/signals.parquet"
CELLS = "_quality/date=2024-06-05/cells.parquet"

READINGS = [
    (DAY + 0, "module_voltage", "10", M11),
    (DAY + 2, "module_voltage", "11", M11),  # same bucket: 1 bucket, 2 readings
    (DAY + 2, "module_voltage", "11", M11),  # an exact duplicate: not a reading
    (DAY + 30, "module_voltage", "12", M11),  # 5 empty buckets before it
    (DAY + 900, "module_voltage", "13", M11),  # the next cell, 173 empty buckets before it
    (DAY + 905, "module_voltage", "", M11),  # rejected: empty value
    (DAY + 7, "module_current", "1", M12),  # module 2 never sends module_voltage
    (DAY + 8, "module_voltage", "1", [["module", "1"]]),  # rejected: no phase, no series
    (DAY + 86_399, "system_state", "RUN", SYS),
]


def fetch(path, columns="*"):
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con.execute(f"select {columns} from read_parquet('{path}') order by all").fetchall()


@pytest.fixture
def out(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", READINGS)
    run_pipeline()
    return tmp_path / "output"


def test_the_day_quality_per_series_and_signal(out):
    rows = fetch(
        out / QUALITY,
        "dataset, phase, module, signal, bucket_seconds, readings, buckets, coverage, longest_gap_buckets, "
        f"epoch(longest_gap_start)::bigint - {DAY}, epoch(first_reading)::bigint - {DAY}, "
        f"epoch(last_reading)::bigint - {DAY}, rejected, rejected_by_reason",
    )
    assert rows == [
        # module 1 never sent module_current, module 2 never module_voltage: their files have the column
        ("modules", "1", "1", "module_current", 5, 0, 0, 0.0, 17_280, 0, None, None, 0, {}),
        # buckets 0, 6 and 180; the longest run is after the last reading: 181 .. 17,279
        ("modules", "1", "1", "module_voltage", 5, 4, 3, 3 / 17_280, 17_099, 905, 0, 900, 1, {"empty value": 1}),
        ("modules", "1", "2", "module_current", 5, 1, 1, 1 / 17_280, 17_278, 10, 7, 7, 0, {}),
        ("modules", "1", "2", "module_voltage", 5, 0, 0, 0.0, 17_280, 0, None, None, 0, {}),
        ("system", None, None, "system_state", 5, 1, 1, 1 / 17_280, 17_279, 0, 86_399, 86_399, 0, {}),
        # rejected for its tags: no dataset or series, the payload type as signal
        (
            None,
            None,
            None,
            "module_voltage",
            5,
            0,
            0,
            0.0,
            17_280,
            0,
            None,
            None,
            1,
            {"module tag without a phase tag": 1},
        ),
    ]


def test_the_cells_of_the_coverage_map(out):
    rows = fetch(
        out / CELLS,
        f"dataset, module, signal, epoch(cell_start)::bigint - {DAY}, cell_buckets, buckets, coverage, readings, "
        f"gap_buckets, epoch(gap_start)::bigint - {DAY}, rejected, rejected_by_reason",
    )
    assert rows == [
        ("modules", "1", "module_voltage", 0, 180, 2, 2 / 180, 3, 5, 5, 0, {}),
        ("modules", "1", "module_voltage", 900, 180, 1, 1 / 180, 1, 0, None, 1, {"empty value": 1}),
        ("modules", "2", "module_current", 0, 180, 1, 1 / 180, 1, 0, None, 0, {}),
        ("system", None, "system_state", 85_500, 180, 1, 1 / 180, 1, 0, None, 0, {}),
        (None, None, "module_voltage", 0, 180, 0, 0.0, 0, 0, None, 1, {"module tag without a phase tag": 1}),
    ]


def test_the_readings_of_the_quality_add_up_to_the_summary(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", READINGS)
    summary = run_pipeline()
    out = tmp_path / "output"
    [(readings, rejected)] = fetch(out / QUALITY, "sum(readings)::bigint, sum(rejected)::bigint")
    assert readings == sum(summary["totals"]["placed"].values())
    assert rejected == sum(summary["totals"]["rejected"].values()) == 2


def test_the_views_read_the_quality_files(out):
    con = duckdb.connect(str(out / "telemetry.duckdb"), read_only=True)
    con.execute(f"set file_search_path = '{out.parent}'")
    assert con.execute(
        "select date::varchar, signal, buckets from quality where module = '1' order by signal"
    ).fetchall() == [("2024-06-05", "module_current", 0), ("2024-06-05", "module_voltage", 3)]
    assert con.execute("select count(*), sum(readings) from quality_cells").fetchall() == [(5, 6)]


def test_the_longest_gap_inside_a_cell_and_between_cells(tmp_path, write_readings, run_pipeline):
    rows = [(DAY + s, "module_voltage", "1", M11) for s in (0, 5, 600, 605, 895, 900, 1_000, 86_395)]
    write_readings(tmp_path / "input/2024/06/05/a.parquet", rows)
    run_pipeline()
    # runs: 2..119 (118), 122..178 (57), 181..199 (19), 201..17,278 (17,078)
    assert fetch(tmp_path / "output" / QUALITY, f"longest_gap_buckets, epoch(longest_gap_start)::bigint - {DAY}") == [
        (17_078, 1_005)
    ]
    # equal runs: the earliest
    write_readings(
        tmp_path / "input/2024/06/05/a.parquet", [(DAY + s, "module_voltage", "1", M11) for s in (10, 86_385)]
    )
    run_pipeline()
    assert fetch(tmp_path / "output" / QUALITY, f"longest_gap_buckets, epoch(longest_gap_start)::bigint - {DAY}") == [
        (17_274, 15)
    ]


def test_with_every_the_cells_and_coverage_follow_the_step(tmp_path, write_readings, run_pipeline):
    write_readings(
        tmp_path / "input/2024/06/05/a.parquet", [(DAY + s, "module_voltage", "1", M11) for s in (0, 59, 3_600)]
    )
    run_pipeline(every=dt.timedelta(hours=1))
    out = tmp_path / "output"
    assert fetch(out / QUALITY, "bucket_seconds, readings, buckets, coverage, longest_gap_buckets") == [
        (3_600, 3, 2, 2 / 24, 22)
    ]
    assert fetch(out / CELLS, f"epoch(cell_start)::bigint - {DAY}, cell_buckets, buckets, readings") == [
        (0, 1, 1, 2),
        (3_600, 1, 1, 1),
    ]


def snapshot(root):
    """Every output file's rows (the day files, rejects and quality)."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet") if ".telemetry" not in p.parts)
    return {
        name: con.execute(
            f"select * from read_parquet('{root / name}', hive_partitioning = false) order by all"
        ).fetchall()
        for name in names
    }


def live_files(start):
    """A day's files up to `start`, one per 15 minutes as the exporter sends
    them, then a late file from `start` on. Every file's first block re-sends
    the previous file's last one (5 s of readings), as the exporter does."""
    readings = [(s, "module_voltage", str(50 + s % 7), M11) for s in range(0, start + 900, 40)]
    readings += [(s, "system_state", "RUN" if s % 3 else "IDLE", SYS) for s in range(0, start, 300)]
    readings += [(start - 3, "module_voltage", "9", M11), (start - 1, "module_current", "-2", M11)]
    readings += [(s, "module_voltage", str(40 + s % 5), M11) for s in range(start + 2, start + 900, 23)]
    readings += [(start + 60, "module_voltage", "1", M12), (start + 70, "module_voltage", "", M11)]
    edges = [*range(0, start, 900), start, start + 900]
    files = []
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        resent = lo - 5 if i else lo  # the previous file's last block
        files.append(sorted((DAY + s, p, v, t) for s, p, v, t in readings if resent <= s < hi))
    return files[:-1], files[-1]


@pytest.mark.parametrize(
    ("fill", "every", "start"),
    [
        ("none", 5, 2 * 3_600 + 7),
        ("forward", 5, 7 * 3_600 + 55 * 60),
        ("linear", 5, 9 * 3_600 + 1),
        ("none", 5, 13 * 3_600 + 7),
        ("forward", 5, 18 * 3_600 + 1_234),
        ("linear", 5, 23 * 3_600 + 50 * 60),
        ("linear", 5, 15 * 3_600),
        ("forward", 60, 20 * 3_600 + 30),
        ("linear", 60, 22 * 3_600 + 59),
    ],
)
def test_a_patched_day_equals_a_full_rebuild(tmp_path, write_readings, fill, every, start):
    first, late = live_files(start)
    for i, rows in enumerate(first):
        write_readings(tmp_path / f"input/2024/06/05/a{i:03d}.parquet", rows)
    settings = {"fill": fill, "every": dt.timedelta(seconds=every), "max_gap": dt.timedelta(seconds=95), "quiet": True}
    run(Settings(input=tmp_path / "input", output=tmp_path / "out", **settings))
    write_readings(tmp_path / "input/2024/06/05/z.parquet", late)
    patched = run(Settings(input=tmp_path / "input", output=tmp_path / "out", **settings))
    assert patched["run"]["days_patched"] == ["2024-06-05"]
    full = run(Settings(input=tmp_path / "input", output=tmp_path / "full", **settings))
    assert full["run"]["days_patched"] == []
    assert snapshot(tmp_path / "out") == snapshot(tmp_path / "full")
    assert patched["totals"] == full["totals"]
