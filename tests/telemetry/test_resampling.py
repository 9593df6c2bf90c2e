"""Golden rows for --every (the grid step) and --fill linear, on tiny inline
tables, through the grid stage (20-22) and through the whole pipeline."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.pipelines.telemetry.days import cell_seconds, step_problem

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
M11 = [["phase", "1"], ["module", "1"], ["message_source", "master"]]
SYS = [["message_source", "master"]]


@pytest.fixture
def runner():
    con = connect(threads=1)
    yield SqlRunner(con, "telemetry")
    con.close()


def build(tmp_path, write_readings, run_pipeline, rows, **settings):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", rows)
    run_pipeline(**settings)
    return tmp_path / "output"


def cells(out, column, dataset="modules/phase=1/module=1", where="true", date="2024-06-05"):
    con = duckdb.connect()
    return con.execute(
        f"select epoch(timestamp)::bigint - {DAY} as s, {column} "
        f"from read_parquet('{out}/{dataset}/date={date}/data_0.parquet') where {where} order by s"
    ).fetchall()


@pytest.mark.parametrize(
    ("step", "rows"),
    [(1, 86_400), (10, 8_640), (60, 1_440), (3_600, 24)],
)
def test_every_step_has_its_rows_and_bucket_edges(tmp_path, write_readings, run_pipeline, step, rows):
    readings = [
        (DAY + 0, "module_voltage", "10", M11),
        (DAY + step - 1, "module_voltage", "20", M11),  # last second of the first bucket
        (DAY + step, "module_voltage", "30", M11),  # the next bucket starts at t + step
        (DAY + 86_399, "module_voltage", "40", M11),  # last second of the day
    ]
    out = build(tmp_path, write_readings, run_pipeline, readings, every=dt.timedelta(seconds=step))
    got = cells(out, "module_voltage")
    assert len(got) == rows
    assert [s for s, _ in got] == list(range(0, 86_400, step))
    assert [r for r in got if r[1] is not None] == [(0, 15.0), (step, 30.0), (86_400 - step, 40.0)]


def test_every_one_second_keeps_each_reading(tmp_path, write_readings, run_pipeline):
    readings = [(DAY + 0, "module_voltage", "10", M11), (DAY + 1, "module_voltage", "20", M11)]
    out = build(tmp_path, write_readings, run_pipeline, readings, every=dt.timedelta(seconds=1))
    assert cells(out, "module_voltage", where="module_voltage is not null") == [(0, 10.0), (1, 20.0)]


@pytest.mark.parametrize(("step", "files"), [(60, 60), (3_600, 1), (1, 3_600)])
def test_hourly_layout_with_every(tmp_path, write_readings, run_pipeline, step, files):
    readings = [(DAY + 3_600 * 5 + 7, "module_voltage", "10", M11)]
    out = build(tmp_path, write_readings, run_pipeline, readings, every=dt.timedelta(seconds=step), layout="hourly")
    hours = sorted((out / "1_1/2024/06/05").glob("*.parquet"))
    assert [p.name for p in hours] == [f"{h:02d}.parquet" for h in range(24)]
    con = duckdb.connect()
    rows = con.execute(
        f"select epoch(timestamp)::bigint - {DAY}, module_voltage from read_parquet('{hours[5]}') order by 1"
    ).fetchall()
    assert len(rows) == files
    assert rows[0][0] == 5 * 3_600
    assert [r for r in rows if r[1] is not None] == [(5 * 3_600 + 7 // step * step, 10.0)]


@pytest.mark.parametrize(
    ("seconds", "hourly", "problem"),
    [
        (5, False, None),
        (7, False, "the grid step must divide a day (86,400 s) into whole buckets; 7 s does not"),
        (0.5, False, "the grid step must be a whole number of seconds, not 0.5 s"),
        (0, False, "the grid step must be a whole number of seconds, not 0 s"),
        (7_200, False, None),
        (7_200, True, "--layout hourly needs a grid step dividing an hour (3,600 s); 7200 s does not"),
        (86_400, False, None),
    ],
)
def test_step_problems(seconds, hourly, problem):
    assert step_problem(seconds, hourly=hourly) == problem


def test_cell_length_is_15_minutes_or_the_next_whole_number_of_buckets():
    assert [cell_seconds(s) for s in (1, 5, 10, 60, 900, 3_600)] == [900, 900, 900, 900, 900, 3_600]
    assert cell_seconds(128) == 1_152  # 9 buckets of 128 s: the first count >= 15 min dividing the 675 a day
    assert cell_seconds(7_200) == 7_200


def test_settings_check_the_step_from_python(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", [(DAY, "module_voltage", "1", M11)])
    with pytest.raises(EtlError, match="7 s does not"):
        run_pipeline(every=dt.timedelta(seconds=7))
    with pytest.raises(EtlError, match="fill must be none, forward or linear, not 'cubic'"):
        run_pipeline(fill="cubic")
    assert not (tmp_path / "output" / "modules").exists()


# --fill linear

LINE = [
    (DAY + 0, "module_voltage", "10", M11),
    (DAY + 20, "module_voltage", "30", M11),  # 4 buckets later: 15, 20, 25 between
    (DAY + 60, "module_voltage", "0", M11),  # 8 buckets later
]


def test_linear_fill_puts_values_on_the_line_within_max_gap(tmp_path, write_readings, run_pipeline):
    out = build(tmp_path, write_readings, run_pipeline, LINE, fill="linear", max_gap=dt.timedelta(seconds=20))
    assert cells(out, "module_voltage", where=f"epoch(timestamp) - {DAY} <= 70") == [
        (0, 10.0),
        (5, 15.0),
        (10, 20.0),
        (15, 25.0),
        (20, 30.0),
        # 40 s to the next non-empty bucket: more than --max-gap, left empty
        (25, None),
        (30, None),
        (35, None),
        (40, None),
        (45, None),
        (50, None),
        (55, None),
        (60, 0.0),
        # nothing after the day's last reading: never extrapolated
        (65, None),
        (70, None),
    ]


def test_linear_fill_max_gap_is_between_bucket_starts(tmp_path, write_readings, run_pipeline):
    # 40 s between the two buckets: 39 s of max gap leaves it, 40 s fills it
    short = build(tmp_path, write_readings, run_pipeline, LINE, fill="linear", max_gap=dt.timedelta(seconds=39))
    assert cells(short, "module_voltage", where=f"epoch(timestamp) - {DAY} between 25 and 55") == [
        (s, None) for s in range(25, 60, 5)
    ]
    full = build(
        tmp_path, write_readings, run_pipeline, LINE, fill="linear", max_gap=dt.timedelta(seconds=40), full_refresh=True
    )
    assert cells(full, "module_voltage", where=f"epoch(timestamp) - {DAY} between 20 and 60") == [
        (20, 30.0),
        (25, 26.25),
        (30, 22.5),
        (35, 18.75),
        (40, 15.0),
        (45, 11.25),
        (50, 7.5),
        (55, 3.75),
        (60, 0.0),
    ]


def test_linear_fill_interpolates_bucket_means_at_bucket_starts(tmp_path, write_readings, run_pipeline):
    rows = [
        (DAY + 1, "module_voltage", "8", M11),
        (DAY + 4, "module_voltage", "12", M11),  # bucket 0: mean 10, placed at 00:00:00
        (DAY + 14, "module_voltage", "20", M11),  # bucket 10: at 00:00:10, not 00:00:14
    ]
    out = build(tmp_path, write_readings, run_pipeline, rows, fill="linear")
    assert cells(out, "module_voltage", where=f"epoch(timestamp) - {DAY} <= 15") == [
        (0, 10.0),
        (5, 15.0),
        (10, 20.0),
        (15, None),
    ]


def test_linear_fill_carries_text_signals_forward(tmp_path, write_readings, run_pipeline):
    rows = [
        (DAY + 0, "system_state", "IDLE", SYS),
        (DAY + 20, "system_state", "RUN", SYS),
        (DAY + 0, "system_voltage", "100", SYS),
        (DAY + 20, "system_voltage", "200", SYS),
    ]
    out = build(tmp_path, write_readings, run_pipeline, rows, fill="linear", max_gap=dt.timedelta(seconds=12))
    got = cells(out, "system_state, system_voltage", dataset="system", where=f"epoch(timestamp) - {DAY} <= 35")
    assert got == [
        (0, "IDLE", 100.0),
        # text: the forward rule (at most 12 s after the bucket), numbers: 20 s apart > 12 s, empty
        (5, "IDLE", None),
        (10, "IDLE", None),
        (15, None, None),
        (20, "RUN", 200.0),
        (25, "RUN", None),
        (30, "RUN", None),
        (35, None, None),
    ]


def test_linear_fill_stops_at_the_day_boundary(tmp_path, write_readings, run_pipeline):
    rows = [
        (DAY + 86_390, "module_voltage", "10", M11),  # 23:59:50
        (DAY + 86_400 + 10, "module_voltage", "30", M11),  # 00:00:10 the next day
    ]
    out = build(tmp_path, write_readings, run_pipeline, rows, fill="linear", max_gap=dt.timedelta(minutes=5))
    assert cells(out, "module_voltage", where=f"epoch(timestamp) - {DAY} >= 86_385") == [
        (86_385, None),
        (86_390, 10.0),
        (86_395, None),
    ]
    next_day = cells(out, "module_voltage", date="2024-06-06", where=f"epoch(timestamp) - {DAY} < 86_420")
    assert [(s - 86_400, v) for s, v in next_day] == [(0, None), (5, None), (10, 30.0), (15, None)]


def test_linear_fill_with_a_coarser_step(tmp_path, write_readings, run_pipeline):
    rows = [(DAY + 30, "module_voltage", "1", M11), (DAY + 250, "module_voltage", "5", M11)]
    out = build(
        tmp_path,
        write_readings,
        run_pipeline,
        rows,
        every=dt.timedelta(minutes=1),
        fill="linear",
        max_gap=dt.timedelta(minutes=4),
    )
    # buckets 00:00 (1) and 00:04 (5) are 4 min apart: 00:01-00:03 on the line
    assert cells(out, "module_voltage", where=f"epoch(timestamp) - {DAY} <= 300") == [
        (0, 1.0),
        (60, 2.0),
        (120, 3.0),
        (180, 4.0),
        (240, 5.0),
        (300, None),
    ]


# --fill forward: what it carries and how far

FORWARD = [
    (DAY + 349, "module_voltage", "1", M11),  # 00:05:49, in the bucket of 00:05:45
    (DAY + 346, "module_voltage", "3", M11),  # same bucket: its mean, 2, is carried
]


def test_forward_fill_carries_the_bucket_value_max_gap_from_the_bucket_start(tmp_path, write_readings, run_pipeline):
    # 32 s from 00:05:45: through 00:06:15 (floor(32 / 5) = 6 buckets), not 00:06:20
    out = build(tmp_path, write_readings, run_pipeline, FORWARD, fill="forward", max_gap=dt.timedelta(seconds=32))
    got = cells(out, "module_voltage", where=f"epoch(timestamp) - {DAY} between 340 and 385")
    assert got == [(340, None), *[(s, 2.0) for s in range(345, 380, 5)], (380, None), (385, None)]


def test_forward_fill_with_every_counts_whole_buckets(tmp_path, write_readings, run_pipeline):
    # 10 s buckets, 25 s of max gap: the bucket 00:05:40 fills 00:05:50 and 00:06:00
    out = build(
        tmp_path,
        write_readings,
        run_pipeline,
        FORWARD,
        fill="forward",
        max_gap=dt.timedelta(seconds=25),
        every=dt.timedelta(seconds=10),
    )
    got = cells(out, "module_voltage", where=f"epoch(timestamp) - {DAY} between 330 and 380")
    assert got == [(330, None), (340, 2.0), (350, 2.0), (360, 2.0), (370, None), (380, None)]


@pytest.mark.parametrize(
    "change",
    [{"every": dt.timedelta(minutes=1)}, {"fill": "linear"}, {"fill": "forward"}, {"max_gap": dt.timedelta(minutes=2)}],
)
def test_changing_the_step_or_the_fill_rebuilds_every_day(tmp_path, write_readings, run_pipeline, change):
    write_readings(
        tmp_path / "input/a.parquet", [(DAY, "module_voltage", "1", M11), (DAY + 86_400, "module_voltage", "2", M11)]
    )
    run_pipeline(fill="forward" if "max_gap" in change else "none")
    summary = run_pipeline(**({"fill": "forward"} if "max_gap" in change else {}), **change)
    assert summary["run"]["days_written"] == ["2024-06-05", "2024-06-06"]
    assert run_pipeline(**({"fill": "forward"} if "max_gap" in change else {}), **change)["run"]["days_written"] == []
