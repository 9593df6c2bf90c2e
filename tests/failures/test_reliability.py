"""Concurrent loads, DATABASE_URL, empty and non-finite input, output folders
that cannot be made, and the report's wording."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest

from etl.cli import main
from etl.core.locking import OutputLock
from etl.core.paths import PROJECT_ROOT
from etl.pipelines.failures.pipeline import LOCK_NAME
from etl.pipelines.failures.stores import LOAD_LOCK

EMPTY_TABLES = {"equipment": [], "sensors": [], "failure_readings": [], "rejects": []}


def load(dsn: str, input_dir: Path, output: Path, *extra: str) -> int:
    return main(["failures", "--input", str(input_dir), "--output", str(output), "--dsn", dsn, "--quiet", *extra])


def tables_in(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("select tablename from pg_tables where schemaname = 'public' order by 1").fetchall()
    return [name for (name,) in rows]


def test_a_load_while_another_loads_into_the_same_database_stops_and_writes_nothing(
    pg_database: str, tmp_path: Path, kit: SimpleNamespace, capsys
) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    info = psycopg.conninfo.conninfo_to_dict(pg_database)
    with psycopg.connect(pg_database, autocommit=True) as holder:
        holder.execute("select pg_advisory_lock(%s, %s)", LOAD_LOCK)
        assert load(pg_database, inputs, tmp_path / "out") == 1
        assert capsys.readouterr().err == (
            f"Error: another run is loading into PostgreSQL database {info['dbname']} on {info['host']}:"
            f"{info['port']} (server process {holder.info.backend_pid}); wait for it to finish\n"
        )
    assert tables_in(pg_database) == []
    assert not (tmp_path / "out").exists()
    assert load(pg_database, inputs, tmp_path / "out") == 0


def test_two_loads_at_once_into_one_database(pg_database: str, tmp_path: Path, kit: SimpleNamespace) -> None:
    """Before the lock, two first loads ended with raw `duplicate key` or
    `deadlock detected` errors from PostgreSQL."""
    inputs = kit.write_inputs(tmp_path / "in")
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    runs = [
        subprocess.Popen(
            [sys.executable, "etl_process.py", "failures", "--input", str(inputs), "--output", str(tmp_path / name),
             "--dsn", pg_database, "--quiet"],
            cwd=PROJECT_ROOT, **pipes,
        )
        for name in ("a", "b")
    ]  # fmt: skip
    errors = [run.communicate()[1] for run in runs]
    for run, err in zip(runs, errors, strict=True):
        assert run.returncode == 0 or (run.returncode == 1 and "another run is loading into" in err), err
    assert any(run.returncode == 0 for run in runs)
    assert len(kit.pg_snapshot(pg_database)["failure_readings"]) == 7


def test_a_run_while_another_writes_the_same_output_stops(tmp_path: Path, kit: SimpleNamespace, no_pg_env, capsys):
    inputs = kit.write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    with OutputLock(out / LOCK_NAME, out):
        assert main(["failures", "--input", str(inputs), "--output", str(out), "--quiet"]) == 1
        assert capsys.readouterr() == (
            "",
            f"Error: another run is writing to {out} (pid {os.getpid()}); wait for it to finish\n",
        )
        assert [p.name for p in out.iterdir()] == [LOCK_NAME]


def test_database_url_alone_names_the_postgresql_database(
    pg_database: str, tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path, monkeypatch, capsys
) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    info = psycopg.conninfo.conninfo_to_dict(pg_database)
    url = f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}/{info['dbname']}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["failures", "--input", str(inputs), "--output", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"failures: storing in the PostgreSQL database {info['dbname']} on {info['host']}:{info['port']}"
        f" as {info['user']}"
    )
    assert len(kit.pg_snapshot(pg_database)["failure_readings"]) == 7
    assert not (tmp_path / "out" / "failures.duckdb").exists()


def test_dsn_wins_over_database_url_and_dotenv(
    pg_database: str, tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path, monkeypatch
) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    (no_pg_env / ".env").write_text("PGDATABASE=nothing\nPGPORT=1\nDATABASE_URL=postgresql://x@127.0.0.1:1/y\n")
    assert load(pg_database, inputs, tmp_path / "out") == 0
    assert len(kit.pg_snapshot(pg_database)["failure_readings"]) == 7


def test_database_url_in_the_env_file(pg_database: str, tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path) -> None:
    info = psycopg.conninfo.conninfo_to_dict(pg_database)
    url = f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}/{info['dbname']}"
    (no_pg_env / ".env").write_text(f"DATABASE_URL={url}\n")
    inputs = kit.write_inputs(tmp_path / "in")
    assert main(["failures", "--input", str(inputs), "--output", str(tmp_path / "out"), "--quiet"]) == 0
    assert len(kit.pg_snapshot(pg_database)["failure_readings"]) == 7


def test_the_help_says_database_url_is_read(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["failures", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "PostgreSQL settings come from --dsn, the DATABASE_URL environment variable," in text
    assert (
        "--dsn DSN PostgreSQL connection string (libpq keywords or a postgresql:// URI; default: $DATABASE_URL)" in text
    )


@pytest.mark.parametrize("content", [b"", b"  \r\n\t\n"])
def test_an_empty_equipment_file_is_an_error_naming_it(
    tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path, capsys, content: bytes
) -> None:
    """It exited 0, with every sensor and reading rejected for want of equipment."""
    inputs = kit.write_inputs(tmp_path / "in")
    (inputs / "equipment.json").write_bytes(content)
    assert main(["failures", "--input", str(inputs), "--output", str(tmp_path / "out"), "--quiet"]) == 1
    assert capsys.readouterr() == (
        "",
        f"Error: {inputs / 'equipment.json'}: the file is empty"
        " (expected a JSON array of {equipment_id, code, group_name} items)\n",
    )
    assert not (tmp_path / "out").exists()


def test_non_finite_measurements_are_rejected_and_counted(
    tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path
) -> None:
    from etl.pipelines.failures import Settings, run

    lines = [
        "[2020-01-01 00:00:00]\tERROR\tsensor[10]:\t(temperature\tNaN, vibration\t1)",
        "[2020-01-01 00:00:01]\tERROR\tsensor[10]:\t(temperature\t1, vibration\t-inf)",
        "[2020-01-01 00:00:02]\tERROR\tsensor[10]:\t(temperature\t1e999, vibration\t1)",
        "[2020-01-01 00:00:03]\tERROR\tsensor[10]:\t(temperature\t1, vibration\t1, pressure\tInfinity)",
        "[2020-01-01 00:00:04]\tERROR\tsensor[10]:\t(temperature\t1, vibration\t1, note\tnan-free)",
    ]
    summary = run(Settings(input=kit.write_inputs(tmp_path / "in", lines), output=tmp_path / "out"))
    with __import__("duckdb").connect(str(tmp_path / "out" / "failures.duckdb"), read_only=True) as con:
        rejects = con.execute("select line_no, reason from rejects where source_file = 'failures.log'").fetchall()
        stored = con.execute("select temperature, vibration from failure_readings").fetchall()
    assert sorted(rejects) == [
        (1, 'temperature "NaN" is not a finite number'),
        (2, 'vibration "-inf" is not a finite number'),
        (3, 'temperature "1e999" is not a finite number'),
        (4, 'pressure "Infinity" is not a finite number'),
    ]
    assert stored == [(1.0, 1.0)]
    assert summary["rejects"]["measurement is not a finite number"] == 4


@pytest.mark.parametrize(
    ("output", "error"),
    [
        ("afile", "output folder {tmp}/afile exists and is not a folder"),
        ("/proc/x", "cannot create output folder /proc/x: No such file or directory"),
    ],
)
def test_an_output_that_cannot_be_a_folder(tmp_path, kit, no_pg_env, capsys, output, error) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    (tmp_path / "afile").write_text("not a folder")
    target = output if output.startswith("/") else str(tmp_path / output)
    assert main(["failures", "--input", str(inputs), "--output", target, "--quiet"]) == 1
    assert capsys.readouterr() == ("", f"Error: {error.format(tmp=tmp_path)}\n")


def test_the_report_says_1_row_and_1_line(tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path, capsys) -> None:
    lines = ["[2020-01-01 00:00:00]\tERROR\tsensor[10]:\t(temperature\t1.5, vibration\t-2.25)", "garbage"]
    inputs = kit.write_inputs(tmp_path / "in", lines)
    (inputs / "equipment_sensors.csv").write_bytes(b"equipment_id;sensor_id\r\n1;10\r\n")
    assert main(["failures", "--input", str(inputs), "--output", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.splitlines()[2:] == [
        "  equipment.json: 3 lines, 3 stored (3 new), 0 rejected",
        "  equipment_sensors.csv: 1 line, 1 stored (1 new), 0 rejected",
        "  failures.log: 2 lines, 1 stored (1 new), 1 rejected",
        "failures: 1 line rejected: see the rejects table (file, line, text, reason)",
        "failures: wrote total_failures.csv (1 row), top_equipment.csv (1 row), group_averages.csv (2 rows)",
    ]
