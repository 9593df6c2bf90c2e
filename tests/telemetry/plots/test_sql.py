"""The plot SQL, stage by stage: given these rows, exactly these rows."""

from __future__ import annotations

import pytest

from etl.core.engine import SqlRunner, connect

from .conftest import DAY, tags


@pytest.fixture
def runner():
    con = connect(threads=1)
    yield SqlRunner(con, "telemetry/plots")
    con.close()


def stage_points(runner, rows):
    runner.con.execute("create or replace temp table points (series varchar, t double, value double)")
    runner.con.executemany("insert into points values (?, ?, ?)", rows)


def test_points_break_where_a_series_pauses_longer_than_usual(runner):
    # v: every 10 s, then a 100 s pause (> 3 x 10 s and > 60 s): the line breaks.
    # c: every 600 s (cells), a 1,200 s pause is usual enough (< 3 x 600 s).
    # n: a NULL and a NaN are not points; one lone reading never breaks.
    stage_points(
        runner,
        [
            ("v", 0, 1.0),
            ("v", 10, 2.0),
            ("v", 20, 3.0),
            ("v", 30, 4.0),
            ("v", 130, 5.0),
            ("v", 140, 6.0),
            ("c", 0, 3.9),
            ("c", 600, 3.8),
            ("c", 1800, 3.7),
            ("c", 9000, 3.6),
            ("n", 5, None),
            ("n", 6, float("nan")),
            ("n", 7, 1.5),
        ],
    )
    rows = runner.fetch("05_select_points.sql", {"min_gap_seconds": 60})
    assert rows == [
        ("c", 0.0, 3.9, False),
        ("c", 600.0, 3.8, False),
        ("c", 1800.0, 3.7, False),
        ("c", 9000.0, 3.6, True),
        ("n", 7.0, 1.5, False),
        ("v", 0.0, 1.0, False),
        ("v", 10.0, 2.0, False),
        ("v", 20.0, 3.0, False),
        ("v", 30.0, 4.0, False),
        ("v", 130.0, 5.0, True),
        ("v", 140.0, 6.0, False),
    ]


def test_points_never_break_below_the_minimum_gap(runner):
    # Usual spacing 5 s, a 40 s pause: more than 3 x 5 s but not more than 60 s.
    stage_points(runner, [("v", 0, 1.0), ("v", 5, 1.0), ("v", 10, 1.0), ("v", 50, 1.0), ("v", 55, 1.0)])
    rows = runner.fetch("05_select_points.sql", {"min_gap_seconds": 60})
    assert [r[3] for r in rows] == [False] * 5


def test_module_day_in_long_form_with_cell_statistics(tmp_path, runner, telemetry_output):
    m = tags("1", "1")
    out = telemetry_output(
        [
            (DAY + 10, "module_voltage", "54.5", m),
            (DAY + 10, "module_state_of_charge", "0.25", m),
            (DAY + 20, "module_temperature", "21", m),
            (DAY + 20, "battery_sensor_temperature", "22", tags("1", "1", battery="1", sensor="2")),
            (DAY + 600, "cell_voltage", "3.90", tags("1", "1", battery="1", cell="1")),
            (DAY + 600, "cell_voltage", "3.80", tags("1", "1", battery="1", cell="2")),
            (DAY + 600, "cell_voltage", "3.60", tags("1", "1", battery="1", cell="10")),
            (DAY + 1200, "cell_voltage", "3.70", tags("1", "1", battery="1", cell="2")),
        ]
    )
    path = out / "modules/phase=1/module=1/date=2024-06-05/data_0.parquet"
    runner.execute("02_stage_module_day.sql", {"path": str(path)})
    rows = runner.con.execute(
        f"select series, t::bigint - {DAY}, round(value, 6) from points order by series, t"
    ).fetchall()
    assert rows == [
        ("battery_sensor_temperature__battery_1__sensor_2", 20, 22.0),
        ("cell_count", 600, 3.0),
        ("cell_count", 1200, 1.0),
        ("cell_voltage_max", 600, 3.9),
        ("cell_voltage_max", 1200, 3.7),
        ("cell_voltage_mean", 600, 3.766667),
        ("cell_voltage_mean", 1200, 3.7),
        ("cell_voltage_min", 600, 3.6),
        ("cell_voltage_min", 1200, 3.7),
        ("module_state_of_charge", 10, 25.0),
        ("module_temperature", 20, 21.0),
        ("module_voltage", 10, 54.5),
    ]


def test_phase_currents_and_soc_overview(runner, telemetry_output):
    out = telemetry_output(
        [
            (DAY + 0, "phase_current", "4.5", tags("1")),
            (DAY + 5, "phase_module_count", "8", tags("2")),  # phase 2 has no current
            (DAY + 10, "phase_current", "-2", tags("3")),
            (DAY + 0, "module_state_of_charge", "0.5", tags("1", "1")),
            (DAY + 290, "module_state_of_charge", "0.7", tags("1", "1")),
            (DAY + 300, "module_state_of_charge", "0.9", tags("1", "1")),
            (DAY + 86_395, "module_state_of_charge", "1", tags("1", "1")),
            (DAY + 0, "module_voltage", "50", tags("2", "1")),  # no SoC at all
        ]
    )
    phases = sorted(str(p) for p in (out / "phases").rglob("*.parquet"))
    runner.execute("03_stage_phase_currents.sql", {"paths": phases})
    assert runner.con.execute(f"select series, t::bigint - {DAY}, value from points order by all").fetchall() == [
        ("1", 0, 4.5),
        ("3", 10, -2.0),
    ]
    modules = sorted(str(p) for p in (out / "modules").rglob("*.parquet"))
    rows = runner.fetch("04_select_soc_overview.sql", {"paths": modules, "day_start": DAY, "slot_seconds": 300})
    assert [(p, m, s, round(v, 6)) for p, m, s, v in rows] == [
        ("1", "1", 0, 60.0),
        ("1", "1", 1, 90.0),
        ("1", "1", 287, 100.0),
    ]


def test_list_files_reads_names_only_and_filters(tmp_path, runner):
    root = tmp_path / "out"
    names = [
        "modules/phase=1/module=2/date=2024-06-05/data_0.parquet",
        "modules/phase=1/module=10/date=2024-06-05/data_0.parquet",
        "modules/phase=2/module=1/date=2024-06-06/data_0.parquet",
        "phases/phase=1/date=2024-06-05/data_0.parquet",
        "system/date=2024-06-05/data_0.parquet",
        "_rejects/date=2024-06-05/rejects.parquet",
        "plots/2024-06-05/modules/phase=9/module=9/date=2024-06-05/x.parquet",
    ]
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"not read")

    def listing(**filters):
        params = {"root": str(root), "phase": None, "module": None, "date": None, **filters}
        return [row[:4] for row in runner.fetch("01_list_files.sql", params)]

    assert listing() == [
        ("modules", "1", "2", "2024-06-05"),
        ("modules", "1", "10", "2024-06-05"),
        ("phases", "1", None, "2024-06-05"),
        ("system", None, None, "2024-06-05"),
        ("modules", "2", "1", "2024-06-06"),
    ]
    assert listing(phase="1", module="10") == [
        ("modules", "1", "10", "2024-06-05"),
        ("phases", "1", None, "2024-06-05"),
        ("system", None, None, "2024-06-05"),
    ]
    assert listing(date="2024-06-06") == [("modules", "2", "1", "2024-06-06")]
