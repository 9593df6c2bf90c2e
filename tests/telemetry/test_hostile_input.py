"""Hostile input that once lost data silently: names DuckDB would bind to one
column, names of the pipeline's own columns, tag values too long for a
folder, conflicting readings, an emptied input, a broken state."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest

from etl.cli import main
from etl.core.errors import EtlError
from etl.pipelines.telemetry.pipeline import Settings, run

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
M11 = [["phase", "1"], ["module", "1"]]
MODULE_FILE = "modules/phase=1/module=1/date=2024-06-05/data_0.parquet"


def tagged(name):
    return f"{name}__{hashlib.sha1(name.encode()).hexdigest()[:8]}"


def columns(path):
    return [
        row[0]
        for row in duckdb.sql(f"describe select * from read_parquet('{path}', hive_partitioning = false)").fetchall()
    ]


def non_null(path, names):
    counts = ", ".join(f'count("{n}")' for n in names)
    return duckdb.sql(f"select {counts} from read_parquet('{path}', hive_partitioning = false)").fetchone()


def snapshot(root):
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    files = sorted(p for p in root.rglob("*.parquet") if ".telemetry" not in p.parts and p.parent != root)
    return {
        p.relative_to(root).as_posix(): con.execute(
            f"select * from read_parquet('{p}', hive_partitioning = false) order by all"
        ).fetchall()
        for p in files
        if p.relative_to(root).parts[0] != root.name  # the views' link to the folder itself
    }


def test_names_differing_only_in_case_get_columns_of_their_own(tmp_path, write_readings, run_pipeline):
    rows = [(DAY + 5 * i, "module_voltage", str(100 + i), M11) for i in range(100)]
    rows += [(DAY + 5 * i, "MODULE_VOLTAGE", "1", M11) for i in range(10)]
    rows += [(DAY + 5 * i, "Module_Voltage", "2", M11) for i in range(3)]
    write_readings(tmp_path / "input/a.parquet", rows)
    summary = run_pipeline()
    path = tmp_path / "output" / MODULE_FILE
    upper, mixed = tagged("MODULE_VOLTAGE"), tagged("Module_Voltage")
    assert upper == "MODULE_VOLTAGE__1dc09566"
    assert columns(path) == ["timestamp", upper, mixed, "module_voltage"]
    assert non_null(path, ["module_voltage", upper, mixed]) == (100, 10, 3)
    assert summary["totals"]["placed"]["modules"] == 113


@pytest.mark.parametrize("layout", ["hive", "hourly"])
def test_payload_types_named_like_the_pipelines_own_columns_keep_their_readings(
    tmp_path, write_readings, run_pipeline, layout
):
    own = ["timestamp", "slot", "series", "date", "hour", "phase", "module", "range", "one"]
    rows = [(DAY + 5 * i, name, str(k * 1000 + i), M11) for i in range(50) for k, name in enumerate(own)]
    write_readings(tmp_path / "input/a.parquet", rows)
    run_pipeline(layout=layout)
    out = tmp_path / "output"
    path = out / (MODULE_FILE if layout == "hive" else "1_1/2024/06/05/00.parquet")
    renamed = {name: tagged(name) if name not in ("range", "one") else name for name in own}
    assert set(columns(path)) == {"timestamp", *renamed.values()}
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    got = con.execute(
        f"select epoch(timestamp)::bigint, {', '.join(repr(v).replace(chr(39), chr(34)) for v in renamed.values())} "
        f"from read_parquet('{path}', hive_partitioning = false) order by timestamp limit 2"
    ).fetchall()
    assert got == [(DAY + 5 * i, *(float(k * 1000 + i) for k in range(len(own)))) for i in range(2)]


def test_a_late_file_with_such_names_patches_to_the_full_rebuild(tmp_path, write_readings, run_pipeline):
    """The patch's own grid (slot, range, series) must not take a signal's name either."""
    early = [(DAY + 5 * i, name, str(i), M11) for i in range(20) for name in ("slot", "range", "module_voltage")]
    write_readings(tmp_path / "input/a.parquet", early)
    run_pipeline()
    late_start = DAY + 80_000
    late = [(late_start + 5 * i, name, str(i), M11) for i in range(20) for name in ("slot", "range", "series")]
    write_readings(tmp_path / "input/b.parquet", late)
    summary = run_pipeline()
    assert summary["run"]["days_patched"] == ["2024-06-05"]
    full = run(Settings(input=tmp_path / "input", output=tmp_path / "full", quiet=True, threads=2))
    assert snapshot(tmp_path / "output") == snapshot(tmp_path / "full")
    assert summary["totals"] == full["totals"]


def test_a_tag_value_too_long_for_a_folder_name_rejects_that_reading_only(tmp_path, write_readings, run_pipeline):
    rows = [(DAY + 5 * i, "module_voltage", str(i), M11) for i in range(10)]
    rows += [(DAY, "module_voltage", "1", [["phase", "p" * 5000], ["module", "1"]])]
    rows += [(DAY, "module_voltage", "1", [["phase", "1"], ["module", "é" * 33]])]  # 66 bytes
    rows += [(DAY, "phase_current", "1", [["phase", "x" * 64]])]  # 64 bytes: fine
    write_readings(tmp_path / "input/a.parquet", rows)
    summary = run_pipeline()
    reason = "malformed tag: phase or module value over 64 bytes"
    assert summary["rejects"] == {reason: 2}
    out = tmp_path / "output"
    assert (out / MODULE_FILE).exists()
    assert (out / f"phases/phase={'x' * 64}/date=2024-06-05/data_0.parquet").exists()
    rejected = duckdb.sql(
        f"select reason, count(*) from read_parquet('{out}/_rejects/**/*.parquet') group by reason"
    ).fetchall()
    assert rejected == [(reason, 2)]


def test_conflicting_readings_are_kept_and_counted(tmp_path, write_readings, run_pipeline):
    write_readings(
        tmp_path / "input/a.parquet",
        [
            (DAY, "module_voltage", "10", M11),
            (DAY, "module_voltage", "20", M11),
            (DAY, "module_voltage", "20", M11),  # a re-send: a duplicate, not a conflict
            (DAY + 1, "module_voltage", "30", M11),  # same bucket, another second: no conflict
            (DAY + 5, "system_state", "RUN", []),
            (DAY + 5, "system_state", "IDLE", []),
        ],
    )
    summary = run_pipeline()
    assert summary["run"]["conflicting"] == 4
    assert summary["totals"]["conflicting"] == 4
    out = tmp_path / "output"
    assert duckdb.sql(
        f"select module_voltage from read_parquet('{out}/{MODULE_FILE}') where module_voltage is not null"
    ).fetchall() == [(20.0,)]
    assert duckdb.sql(
        f"select system_state from read_parquet('{out}/system/**/*.parquet') where system_state is not null"
    ).fetchall() == [("RUN",)]


def two_days(tmp_path, write_readings):
    write_readings(tmp_path / "input/a.parquet", [(DAY, "module_voltage", "1", M11)])
    write_readings(tmp_path / "input/b.parquet", [(DAY + 86_400, "module_voltage", "2", M11)])
    write_readings(tmp_path / "input/c.parquet", [(DAY + 2 * 86_400, "module_voltage", "3", M11)])


def test_an_emptied_input_deletes_nothing_without_allow_removal(tmp_path, write_readings, run_pipeline):
    two_days(tmp_path, write_readings)
    run_pipeline()
    before = snapshot(tmp_path / "output")
    for path in (tmp_path / "input").iterdir():
        path.unlink()
    with pytest.raises(EtlError) as caught:
        run_pipeline()
    assert str(caught.value) == (
        f"3 of the 3 published days (2024-06-05, 2024-06-06, 2024-06-07) have no input file under "
        f"{tmp_path / 'input'} any more; nothing was deleted. Check --input, or pass --allow-removal to delete "
        "those days"
    )
    assert snapshot(tmp_path / "output") == before
    summary = run_pipeline(allow_removal=True)
    assert summary["run"]["days_removed"] == ["2024-06-05", "2024-06-06", "2024-06-07"]
    assert snapshot(tmp_path / "output") == {}


def test_a_wrong_input_holding_one_day_stops_and_a_minority_removal_is_reported(tmp_path, write_readings, capsys):
    two_days(tmp_path, write_readings)
    args = ["--output", str(tmp_path / "output"), "--threads", "2"]
    assert main(["--input", str(tmp_path / "input"), *args]) == 0
    assert main(["--input", str(tmp_path / "input/a.parquet"), *args]) == 1
    assert "2 of the 3 published days (2024-06-06, 2024-06-07) have no input file" in capsys.readouterr().err
    (tmp_path / "input/c.parquet").unlink()
    assert main(["--input", str(tmp_path / "input"), *args]) == 0
    line = capsys.readouterr().out
    assert "0 file(s) quarantined, 1 day(s) removed (2024-06-07), " in line


def test_an_input_without_files_warns_and_strict_makes_it_an_error(tmp_path, capsys):
    (tmp_path / "input").mkdir()
    args = ["--input", str(tmp_path / "input"), "--output", str(tmp_path / "output")]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert err == f"Warning: no input files under {tmp_path / 'input'} (use --strict to make this an error)\n"
    assert main([*args, "--strict"]) == 1
    assert capsys.readouterr().err == (
        f"Error: no input files under {tmp_path / 'input'} (looked for .parquet, .csv, .csv.gz, .json, .jsonl; "
        "--strict)\n"
    )


@pytest.mark.parametrize("broken", ["state", "journal"])
def test_full_refresh_recovers_from_a_broken_state(tmp_path, write_readings, run_pipeline, broken):
    two_days(tmp_path, write_readings)
    run_pipeline()
    work = tmp_path / "output/.telemetry"
    if broken == "state":
        (work / "state.json").write_text("{broken")
    else:
        entry = {"seq": 999, "day": "2024-06-05", "record": None}
        (work / "state.json.journal").write_text("{broken\n" + json.dumps(entry) + "\n")
    (tmp_path / "input/c.parquet").unlink()  # its day's files are now unknown to any state
    with pytest.raises(EtlError, match="delete it or run with --full-refresh"):
        run_pipeline()
    summary = run_pipeline(full_refresh=True)
    assert summary["run"]["days_written"] == ["2024-06-05", "2024-06-06"]
    fresh = run(Settings(input=tmp_path / "input", output=tmp_path / "fresh", quiet=True, threads=2))
    assert snapshot(tmp_path / "output") == snapshot(tmp_path / "fresh")
    assert summary["outputs"] == fresh["outputs"]
    kept = "state.json.broken" if broken == "state" else "state.json.journal.broken"
    assert (work / kept).read_text().startswith("{broken")
    assert run_pipeline()["run"]["days_written"] == []
