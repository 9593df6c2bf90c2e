"""The whole telemetry pipeline on tiny inputs: files, days, summary, layouts."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from etl.core.errors import EtlError

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
M11 = [["phase", "1"], ["module", "1"], ["message_source", "master"]]
P1 = [["phase", "1"], ["message_source", "master"]]
SYS = [["message_source", "master"]]
DAY1_FILE = "modules/phase=1/module=1/date=2024-06-05/data_0.parquet"

READINGS = [
    (DAY + 3, "module_voltage", "54.0", M11),
    (DAY + 3, "module_voltage", "54.0", M11),
    (DAY + 7, "module_voltage", "55.0", M11),
    (DAY + 7, "cell_voltage", "3.9", [*M11[:2], ["battery", "1"], ["cell", "2"]]),
    (DAY + 7, "cell_voltage", "3.8", [*M11[:2], ["battery", "1"], ["cell", "10"]]),
    (DAY + 8, "phase_current", "4.5", P1),
    (DAY + 9, "system_state", "RUN", SYS),
    (DAY + 86_399, "module_voltage", "53.0", M11),  # 23:59:59, last bucket of the day
    (DAY + 86_400, "module_voltage", "52.0", M11),  # 00:00:00 of the next day
    (DAY + 10, "module_voltage", "1", [["module", "1"]]),  # no phase: rejected
]


def single(path):
    """One output file without the columns DuckDB would add from its hive folders."""
    return f"read_parquet('{path}', hive_partitioning = false)"


def output_files(root):
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.parquet")
        if not p.relative_to(root).as_posix().startswith(".")
    )


def snapshot(root):
    """Every output file's rows, for comparing two runs."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return {
        name: con.execute(f"select * from {single(root / name)} order by all").fetchall() for name in output_files(root)
    }


def test_days_datasets_and_summary(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", READINGS)
    summary = run_pipeline()
    out = tmp_path / "output"
    assert output_files(out) == [
        "_quality/date=2024-06-05/cells.parquet",
        "_quality/date=2024-06-05/signals.parquet",
        "_quality/date=2024-06-06/cells.parquet",
        "_quality/date=2024-06-06/signals.parquet",
        "_rejects/date=2024-06-05/rejects.parquet",
        "modules/phase=1/module=1/date=2024-06-05/data_0.parquet",
        "modules/phase=1/module=1/date=2024-06-06/data_0.parquet",
        "phases/phase=1/date=2024-06-05/data_0.parquet",
        "system/date=2024-06-05/data_0.parquet",
    ]
    con = duckdb.connect()
    day1 = out / "modules/phase=1/module=1/date=2024-06-05/data_0.parquet"
    assert [d[0] for d in con.execute(f"describe select * from {single(day1)}").fetchall()] == [
        "timestamp",
        "cell_voltage__battery_1__cell_2",
        "cell_voltage__battery_1__cell_10",
        "module_voltage",
    ]
    assert con.execute(f"select typeof(timestamp) from '{day1}' limit 1").fetchone() == ("TIMESTAMP WITH TIME ZONE",)
    filled = con.execute(
        f"select epoch(timestamp)::bigint - {DAY}, * exclude (timestamp) from {single(day1)} "
        "where module_voltage is not null or cell_voltage__battery_1__cell_2 is not null order by 1"
    ).fetchall()
    assert filled == [(0, None, None, 54.0), (5, 3.9, 3.8, 55.0), (86_395, None, None, 53.0)]
    rejects_file = out / "_rejects/date=2024-06-05/rejects.parquet"
    rejects = con.execute(f"select reason, value, copies from {single(rejects_file)}").fetchall()
    assert rejects == [("module tag without a phase tag", "1", 1)]

    assert summary["totals"]["rows_read"] == 10
    assert summary["totals"]["duplicates"] == 1
    assert summary["totals"]["placed"] == {"modules": 6, "phases": 1, "system": 1}
    assert summary["totals"]["rejected"] == {"module tag without a phase tag": 1}
    assert summary["inputs"] == {
        "files": 1,
        "rows": 10,
        "by_file": [{"path": "2024/06/05/a.parquet", "rows": 10}],
        "by_format": {".parquet": 1},
    }
    assert summary["rows_out"] == {"modules": 6, "phases": 1, "system": 1}
    assert summary["rejects"] == {"module tag without a phase tag": 1}
    assert summary["check"] == {
        "rule": "rows in the input files = duplicates + placed + rejected",
        "left": 10,
        "right": 10,
    }
    assert {o["path"]: o["rows"] for o in summary["outputs"]} == {
        "_quality/date=2024-06-05/cells.parquet": 7,
        "_quality/date=2024-06-05/signals.parquet": 6,
        "_quality/date=2024-06-06/cells.parquet": 1,
        "_quality/date=2024-06-06/signals.parquet": 1,
        "_rejects/date=2024-06-05/rejects.parquet": 1,
        "modules/phase=1/module=1/date=2024-06-05/data_0.parquet": 17_280,
        "modules/phase=1/module=1/date=2024-06-06/data_0.parquet": 17_280,
        "phases/phase=1/date=2024-06-05/data_0.parquet": 17_280,
        "system/date=2024-06-05/data_0.parquet": 17_280,
    }
    assert json.loads((out / "_summary.json").read_text())["totals"] == summary["totals"]


def test_tag_values_that_are_not_path_safe_are_url_encoded_in_hive_paths(tmp_path, write_readings, run_pipeline):
    tags = [["phase", "L1/L2"], ["module", "m 1=é"]]
    write_readings(tmp_path / "input/a.parquet", [(DAY + 3, "module_voltage", "54.0", tags)])
    run_pipeline()
    out = tmp_path / "output"
    assert [f for f in output_files(out) if f.startswith("modules/")] == [
        "modules/phase=L1%2FL2/module=m%201%3D%C3%A9/date=2024-06-05/data_0.parquet"
    ]
    con = duckdb.connect(str(out / "telemetry.duckdb"), read_only=True)
    con.execute(f"set file_search_path = '{out}'")
    assert con.execute("select distinct phase, module from modules").fetchall() == [("L1/L2", "m 1=é")]


def test_a_reading_filed_in_the_wrong_days_folder_goes_to_its_own_day(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", [(DAY + 100, "module_voltage", "1", M11)])
    # exported after midnight, filed under the next day, but read at 23:59:58
    write_readings(tmp_path / "input/2024/06/06/b.parquet", [(DAY + 86_398, "module_voltage", "2", M11)])
    summary = run_pipeline()
    assert summary["days"] == ["2024-06-05"]
    con = duckdb.connect()
    got = con.execute(
        f"select epoch(timestamp)::bigint - {DAY}, module_voltage from "
        f"{single(tmp_path / 'output' / DAY1_FILE)} "
        "where module_voltage is not null order by 1"
    ).fetchall()
    assert got == [(100, 1.0), (86_395, 2.0)]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_json_give_the_same_outputs_as_parquet(tmp_path, write_readings, run_pipeline, fmt):
    write_readings(tmp_path / "input/a.parquet", READINGS)
    run_pipeline()
    expected = snapshot(tmp_path / "output")
    other = tmp_path / "other"
    write_readings(other / "input" / f"a.{fmt}", READINGS, fmt=fmt)
    from etl.pipelines.telemetry.pipeline import Settings, run

    run(Settings(input=other / "input", output=other / "output", quiet=True))
    assert snapshot(other / "output") == expected


def test_hourly_layout(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/a.parquet", [(DAY + 15 * 3600 + 2, "module_voltage", "5", M11)])
    run_pipeline(layout="hourly")
    out = tmp_path / "output"
    hours = [f for f in output_files(out) if f.startswith("1_1/")]
    assert hours == [f"1_1/2024/06/05/{h:02d}.parquet" for h in range(24)]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    got = con.execute(
        f"select count(*), min(timestamp)::varchar, max(timestamp)::varchar, count(module_voltage) "
        f"from '{out}/1_1/2024/06/05/15.parquet'"
    ).fetchone()
    assert got == (720, "2024-06-05 15:00:00+00", "2024-06-05 15:59:55+00", 1)


def test_rerun_on_unchanged_input_rewrites_nothing(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/a.parquet", READINGS)
    run_pipeline()
    out = tmp_path / "output"

    def every_file():
        # Every file but the lock, which each run takes and stamps with its pid.
        found = [*out.glob("*"), *out.glob(".telemetry/*")]
        return {p: p.stat().st_mtime_ns for p in found if p.is_file() and p.name != "lock"} | {
            p: (out / p).stat().st_mtime_ns for p in output_files(out)
        }

    before = every_file()
    assert {p.name for p in before if not isinstance(p, str)} == {
        "_summary.json",
        "telemetry.duckdb",
        "state.json",
    }
    summary = run_pipeline()
    assert summary["run"]["days_written"] == []
    assert summary["run"]["days_unchanged"] == 2
    assert every_file() == before


def test_late_data_recomputes_only_its_day_and_matches_a_full_rebuild(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", READINGS)
    run_pipeline()
    out = tmp_path / "output"
    next_day = out / "modules/phase=1/module=1/date=2024-06-06/data_0.parquet"
    untouched = next_day.stat().st_mtime_ns
    late = [(DAY + 4, "module_voltage", "56.0", M11), (DAY + 500, "module_current", "2.5", M11)]
    write_readings(tmp_path / "input/2024/06/07/late.parquet", late)
    summary = run_pipeline()
    assert summary["run"]["days_written"] == ["2024-06-05"]
    assert next_day.stat().st_mtime_ns == untouched
    incremental = snapshot(out)

    from etl.pipelines.telemetry.pipeline import Settings, run

    run(Settings(input=tmp_path / "input", output=tmp_path / "full", quiet=True))
    assert snapshot(tmp_path / "full") == incremental
    con = duckdb.connect()
    assert con.execute(
        f"select module_voltage, module_current from {single(out / DAY1_FILE)} where epoch(timestamp) = {DAY}"
    ).fetchone() == (55.0, None)  # mean of 54.0 and the late 56.0


def test_removed_input_removes_its_days(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/a.parquet", [(DAY, "module_voltage", "1", M11)])
    second = write_readings(tmp_path / "input/b.parquet", [(DAY + 86_400, "phase_current", "1", P1)])
    run_pipeline()
    second.unlink()
    summary = run_pipeline()
    assert summary["run"]["days_removed"] == ["2024-06-06"]
    assert output_files(tmp_path / "output") == [
        "_quality/date=2024-06-05/cells.parquet",
        "_quality/date=2024-06-05/signals.parquet",
        "modules/phase=1/module=1/date=2024-06-05/data_0.parquet",
    ]


def test_full_refresh_rebuilds_every_day(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/a.parquet", READINGS)
    run_pipeline()
    summary = run_pipeline(full_refresh=True)
    assert summary["run"]["days_written"] == ["2024-06-05", "2024-06-06"]


def test_a_second_run_on_the_same_output_stops_at_the_lock(tmp_path, write_readings, run_pipeline):
    from etl.pipelines.telemetry.state import output_lock

    write_readings(tmp_path / "input/a.parquet", READINGS)
    (tmp_path / "output").mkdir()
    with output_lock(tmp_path / "output"), pytest.raises(EtlError, match="another run is writing to"):
        run_pipeline()
    assert output_files(tmp_path / "output") == []
    run_pipeline()  # the lock is gone with its holder
    assert len(output_files(tmp_path / "output")) == 5 + 4  # and the quality files of two days


def test_forward_fill_setting_reaches_the_outputs(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/a.parquet", [(DAY, "module_voltage", "1", M11)])
    run_pipeline(fill="forward", max_gap=dt.timedelta(seconds=10))
    con = duckdb.connect()
    got = con.execute(f"select count(module_voltage) from {single(tmp_path / 'output' / DAY1_FILE)}").fetchone()
    assert got == (3,)  # the reading's bucket and two carried 5 s buckets


def test_hourly_layout_with_the_full_topology_writes_one_file_per_hour(
    tmp_path, write_readings, run_pipeline, misordered_files
):
    # 24 modules x 24 hours = 576 files, each in time order
    rows = [
        (DAY + 3600 * h + 1, "module_voltage", str(h), [["phase", str(p)], ["module", str(m)]])
        for p in range(1, 4)
        for m in range(1, 9)
        for h in range(24)
    ]
    write_readings(tmp_path / "input/a.parquet", rows)
    summary = run_pipeline(layout="hourly")
    hourly = [o for o in summary["outputs"] if not o["path"].startswith(("phases/", "system/", "_quality/"))]
    assert len(hourly) == 576
    assert {o["rows"] for o in hourly} == {720}
    assert misordered_files(tmp_path / "output") == {}
    con = duckdb.connect()
    assert con.execute(
        f"select count(*), sum(module_voltage) from read_parquet('{tmp_path}/output/3_8/2024/06/05/*.parquet')"
    ).fetchone() == (24 * 720, sum(range(24)))


M12 = [["phase", "1"], ["module", "2"], ["message_source", "master"]]
LAST_MINUTES = DAY + 86_400 - 180  # 23:57:00


def test_the_next_days_folder_patches_the_last_minutes_and_matches_a_full_rebuild(
    tmp_path, write_readings, run_pipeline, misordered_files
):
    gap = dt.timedelta(seconds=20)
    write_readings(
        tmp_path / "input/2024/06/05/a.parquet",
        [
            (DAY + 3, "module_voltage", "54.0", M11),
            (DAY + 10, "module_voltage", "1", [["module", "1"]]),  # rejected, before the window
            (LAST_MINUTES, "module_voltage", "50.0", M11),
            (LAST_MINUTES + 40, "module_voltage", "51.0", M11),
            (LAST_MINUTES + 40, "system_state", "RUN", SYS),  # carried into the late minutes
            (LAST_MINUTES + 56, "module_voltage", "52.0", M11),
        ],
    )
    run_pipeline(fill="forward", max_gap=gap)
    out = tmp_path / "output"
    write_readings(
        tmp_path / "input/2024/06/06/b.parquet",
        [
            (LAST_MINUTES + 51, "module_voltage", "53.0", M11),
            (LAST_MINUTES + 52, "module_voltage", "55.0", M11),  # same bucket: mean 54.0
            (LAST_MINUTES + 56, "module_voltage", "52.0", M11),  # a re-sent copy
            (LAST_MINUTES + 60, "module_temperature", "30.5", M11),  # a new column
            (LAST_MINUTES + 60, "module_voltage", "49.0", M12),  # a new module
            (LAST_MINUTES + 61, "phase_current", "4.5", P1),  # a new dataset
            (LAST_MINUTES + 62, "module_voltage", "2", [["module", "9"]]),  # rejected, in the window
            (DAY + 86_400 + 5, "module_voltage", "48.0", M11),  # the next day
        ],
    )
    summary = run_pipeline(fill="forward", max_gap=gap)
    assert summary["run"]["days_written"] == ["2024-06-05", "2024-06-06"]
    assert summary["run"]["days_patched"] == ["2024-06-05"]
    patched = snapshot(out)

    from etl.pipelines.telemetry.pipeline import Settings, run

    full = run(Settings(input=tmp_path / "input", output=tmp_path / "full", quiet=True, fill="forward", max_gap=gap))
    assert full["run"]["days_patched"] == []
    assert snapshot(tmp_path / "full") == patched
    assert misordered_files(out) == {}
    assert summary["totals"] == full["totals"]
    assert summary["outputs"] == full["outputs"]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    rows = con.execute(
        f"select strftime(timestamp, '%H:%M:%S'), module_temperature, module_voltage from {single(out / DAY1_FILE)} "
        "where timestamp >= '2024-06-05 23:57:35' and timestamp < '2024-06-05 23:58:10' order by 1"
    ).fetchall()
    assert rows == [
        ("23:57:35", None, None),
        ("23:57:40", None, 51.0),
        ("23:57:45", None, 51.0),
        ("23:57:50", None, 54.0),
        ("23:57:55", None, 52.0),
        ("23:58:00", 30.5, 52.0),
        ("23:58:05", 30.5, 52.0),
    ]
    rejects = con.execute(
        f"select reason, epoch(timestamp)::bigint - {DAY}, value, copies "
        f"from read_parquet('{out}/_rejects/date=2024-06-05/rejects.parquet')"
    ).fetchall()
    assert rejects == [
        ("module tag without a phase tag", 10, "1", 1),
        ("module tag without a phase tag", 86_282, "2", 1),
    ]


def test_a_day_whose_file_changed_is_rebuilt_not_patched(tmp_path, write_readings, run_pipeline):
    write_readings(tmp_path / "input/2024/06/05/a.parquet", [(LAST_MINUTES, "module_voltage", "50.0", M11)])
    run_pipeline()
    write_readings(tmp_path / "input/2024/06/05/a.parquet", [(LAST_MINUTES, "module_voltage", "52.0", M11)])
    write_readings(tmp_path / "input/2024/06/06/b.parquet", [(LAST_MINUTES + 60, "module_voltage", "51.0", M11)])
    summary = run_pipeline()
    assert summary["run"]["days_written"] == ["2024-06-05"]
    assert summary["run"]["days_patched"] == []
    con = duckdb.connect()
    assert con.execute(
        f"select count(module_voltage), sum(module_voltage) from {single(tmp_path / 'output' / DAY1_FILE)}"
    ).fetchone() == (2, 103.0)
