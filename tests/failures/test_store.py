"""The load into PostgreSQL (a server the tests start) and into embedded DuckDB:
schema, chunking, re-runs, rollback, rejects, reports and connection errors."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb
import psycopg
import pytest

import etl.pipelines.failures.pipeline as failures
from etl.cli import main
from etl.core.paths import PROJECT_ROOT

NOT_A_READING_KIND = 'not a reading line: expected "[YYYY-MM-DD hh:mm:ss] LEVEL sensor[N]: (name value, ...)"'
JAN = ["--from", "2020-01-01", "--to", "2020-02-01"]


def load(dsn: str, input_dir: Path, output: Path, *extra: str) -> int:
    return main(["failures", "--input", str(input_dir), "--output", str(output), "--dsn", dsn, "--quiet", *extra])


def test_schema_keys_and_constraints(pg_database: str, tmp_path: Path, kit: SimpleNamespace) -> None:
    assert load(pg_database, kit.write_inputs(tmp_path / "in"), tmp_path / "out") == 0
    with psycopg.connect(pg_database) as conn:
        constraints = conn.execute(
            "select conrelid::regclass::text, contype, pg_get_constraintdef(oid) from pg_constraint"
            " where connamespace = 'public'::regnamespace order by 1, 2, 3"
        ).fetchall()
        types = conn.execute(
            "select column_name, udt_name from information_schema.columns"
            " where table_name = 'failure_readings' and column_name = 'measurements'"
        ).fetchall()
    assert constraints == [
        ("equipment", "c", "CHECK (((code)::text <> ''::text))"),
        ("equipment", "c", "CHECK (((group_name)::text <> ''::text))"),
        ("equipment", "c", "CHECK ((equipment_id > 0))"),
        ("equipment", "p", "PRIMARY KEY (equipment_id)"),
        ("equipment", "u", "UNIQUE (code)"),
        ("failure_readings", "c", "CHECK ((((level)::text <> ''::text) AND ((level)::text = upper((level)::text))))"),
        ("failure_readings", "c", "CHECK ((line_no > 0))"),
        ("failure_readings", "f", "FOREIGN KEY (sensor_id) REFERENCES sensors(sensor_id)"),
        ("failure_readings", "p", "PRIMARY KEY (sensor_id, logged_at, level)"),
        ("failure_readings", "u", "UNIQUE (source_file, line_no)"),
        ("rejects", "c", "CHECK ((line_no > 0))"),
        ("rejects", "p", "PRIMARY KEY (source_file, line_no)"),
        ("sensors", "c", "CHECK ((sensor_id >= 0))"),
        ("sensors", "f", "FOREIGN KEY (equipment_id) REFERENCES equipment(equipment_id)"),
        ("sensors", "p", "PRIMARY KEY (sensor_id)"),
    ]
    assert types == [("measurements", "hstore")]
    with psycopg.connect(pg_database) as conn, pytest.raises(psycopg.errors.ForeignKeyViolation):
        conn.execute("insert into failure_readings values (12345, '2020-01-01', 'ERROR', 1, 1, '', 'x', 1)")


def test_load_rows_rejects_and_reports(pg_database: str, tmp_path: Path, kit: SimpleNamespace) -> None:
    out = tmp_path / "out"
    assert load(pg_database, kit.write_inputs(tmp_path / "in"), out, *JAN) == 0
    tables = kit.pg_snapshot(pg_database)
    assert tables["equipment"] == [(1, "AAA", "G1"), (2, "BBB", "G1"), (3, "CCC", "G2")]
    assert tables["sensors"] == [(10, 1), (11, 1), (20, 2), (30, 3)]
    t = dt.datetime
    tv = {"temperature": "1", "vibration": "1"}
    assert tables["failure_readings"] == [
        (10, t(2020, 1, 1), "ERROR", 1.5, -2.25, {"temperature": "1.5", "vibration": "-2.25"}, "failures.log", 1),
        (11, t(2020, 1, 15, 12), "ERROR", 3.0, -4.0, {"temperature": "3", "vibration": "-4", "pressure": "7"},
         "failures.log", 2),
        (20, t(2019, 12, 31, 23, 59, 59), "ERROR", 1.0, 1.0, tv, "failures.log", 9),
        (20, t(2020, 1, 20, 8), "ERROR", 5.0, 6.0, {"temperature": "5", "vibration": "6"}, "failures.log", 3),
        (30, t(2020, 1, 10), "INFO", 1.0, 1.0, tv, "failures.log", 6),
        (30, t(2020, 1, 31, 23, 59, 59), "ERROR", 7.0, 8.0, {"temperature": "7", "vibration": "8"}, "failures.log", 4),
        (30, t(2020, 2, 1), "ERROR", 9.0, 10.0, {"temperature": "9", "vibration": "10"}, "failures.log", 5),
    ]  # fmt: skip
    assert tables["rejects"] == kit.EXPECTED_REJECTS
    assert kit.read_csvs(out) == {
        "group_averages.csv": "group_name,equipment_count,failures,avg_failures_per_equipment\n"
        "G2,1,1,1.00\nG1,2,3,1.50\n",
        "top_equipment.csv": "equipment_code,failures\nAAA,2\n",
        "total_failures.csv": "period_start,period_end,failures\n2020-01-01 00:00:00,2020-02-01 00:00:00,4\n",
    }


def test_reports_ties_and_empty_period(pg_database: str, tmp_path: Path, kit: SimpleNamespace) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    assert load(pg_database, inputs, tmp_path / "tie", "--from", "2020-01-20", "--to", "2020-02-01") == 0
    assert (tmp_path / "tie" / "top_equipment.csv").read_text() == "equipment_code,failures\nBBB,1\nCCC,1\n"
    assert load(pg_database, inputs, tmp_path / "none", "--from", "2021-01-01", "--to", "2021-02-01") == 0
    assert kit.read_csvs(tmp_path / "none") == {
        "group_averages.csv": "group_name,equipment_count,failures,avg_failures_per_equipment\n"
        "G1,2,0,0.00\nG2,1,0,0.00\n",
        "top_equipment.csv": "equipment_code,failures\n",
        "total_failures.csv": "period_start,period_end,failures\n2021-01-01 00:00:00,2021-02-01 00:00:00,0\n",
    }


def test_small_chunks_and_rerun_change_nothing(
    pg_server, pg_database: str, tmp_path: Path, kit: SimpleNamespace
) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    assert load(pg_database, inputs, tmp_path / "a") == 0
    first = kit.pg_snapshot(pg_database)
    assert load(pg_database, inputs, tmp_path / "b", "--chunk-size", "2") == 0
    assert kit.pg_snapshot(pg_database) == first
    with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
        conn.execute("create database chunked")
    try:
        chunked = pg_server.dsn("chunked")
        assert load(chunked, inputs, tmp_path / "c", "--chunk-size", "2") == 0
        assert kit.pg_snapshot(chunked) == first
    finally:
        with psycopg.connect(pg_server.dsn("postgres"), autocommit=True) as conn:
            conn.execute("drop database chunked with (force)")


def test_failure_mid_load_leaves_database_unchanged(
    pg_database: str, tmp_path: Path, kit: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    inputs = kit.write_inputs(tmp_path / "in", kit.LOG_LINES[:3])
    assert load(pg_database, inputs, tmp_path / "a") == 0
    before = kit.pg_snapshot(pg_database)
    kit.write_inputs(inputs)  # the full log: 7 more lines to load
    real_merge, calls = failures.merge, []

    def failing_merge(store, stage):
        calls.append(stage)
        if calls.count("stage_lines") == 2:
            raise RuntimeError("disk full")
        return real_merge(store, stage)

    monkeypatch.setattr(failures, "merge", failing_merge)
    assert load(pg_database, inputs, tmp_path / "b", "--chunk-size", "3") == 1
    assert "Error: RuntimeError: disk full" in capsys.readouterr().err
    assert kit.pg_snapshot(pg_database) == before
    assert not (tmp_path / "b").exists()


def test_real_files_and_both_backends_agree(
    pg_database: str, tmp_path: Path, kit: SimpleNamespace, shared_data, no_pg_env: Path
) -> None:
    real = shared_data("failures")
    assert load(pg_database, real, tmp_path / "pg") == 0
    code = main(["failures", "--input", str(real), "--output", str(tmp_path / "duck"), "--quiet"])
    assert code == 0
    csvs = kit.read_csvs(tmp_path / "pg")
    assert csvs == kit.read_csvs(tmp_path / "duck")
    assert csvs == {
        "group_averages.csv": "group_name,equipment_count,failures,avg_failures_per_equipment\n"
        "VAPQY59S,3,1666,555.33\nPA92NCXZ,2,1715,857.50\n9N127Z5P,2,1732,866.00\n"
        "NQWPA8D3,2,1747,873.50\nFGHQWR2Q,4,3624,906.00\nZ9K1SAP4,1,1161,1161.00\n",
        "top_equipment.csv": "equipment_code,failures\nE1AD07D4,1377\n",
        "total_failures.csv": "period_start,period_end,failures\n2020-01-01 00:00:00,2020-02-01 00:00:00,11645\n",
    }
    pg, duck = kit.pg_snapshot(pg_database), kit.duckdb_snapshot(tmp_path / "duck" / "failures.duckdb")
    assert [len(pg[t]) for t in kit.TABLES] == [14, 100, 36979, 0]
    assert pg == duck


def test_duckdb_fallback_says_so_and_matches_postgres(
    pg_database: str, tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path, capsys
) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    assert load(pg_database, inputs, tmp_path / "pg") == 0
    capsys.readouterr()
    assert main(["failures", "--input", str(inputs), "--output", str(tmp_path / "duck"), "--chunk-size", "4"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [
        "failures: no PostgreSQL settings (--dsn, DATABASE_URL, PGHOST/PGUSER/PGDATABASE/..., .env): "
        "using the embedded DuckDB database instead",
        f"failures: storing in the embedded DuckDB database {tmp_path / 'duck' / 'failures.duckdb'}",
    ]
    assert kit.read_csvs(tmp_path / "duck") == kit.read_csvs(tmp_path / "pg")
    assert kit.duckdb_snapshot(tmp_path / "duck" / "failures.duckdb") == kit.pg_snapshot(pg_database)


def test_env_file_and_libpq_environment(
    pg_server, pg_database: str, tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path, monkeypatch
) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    dbname = psycopg.conninfo.conninfo_to_dict(pg_database)["dbname"]
    (no_pg_env / ".env").write_text(
        f"# test server\nPGHOST=127.0.0.1\nexport PGPORT={pg_server.port}\nPGUSER=postgres\n"
        f"PGPASSWORD='{pg_server.password}'\nPGDATABASE={dbname}\n"
    )
    args = ["failures", "--input", str(inputs), "--output", str(tmp_path / "out")]
    assert main(args) == 0
    assert len(kit.pg_snapshot(pg_database)["failure_readings"]) == 7
    monkeypatch.setenv("PGPASSWORD", "wrong")  # the environment wins over .env
    assert main([*args, "--quiet"]) == 1


def test_unreachable_server(tmp_path: Path, kit: SimpleNamespace, capsys) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    assert load("host=127.0.0.1 port=1 dbname=x user=x connect_timeout=3", inputs, tmp_path / "out") == 1
    assert capsys.readouterr().err == (
        'Error: cannot reach PostgreSQL: connection failed: connection to server at "127.0.0.1", port 1 failed: '
        "Connection refused Is the server running on that host and accepting TCP/IP connections? "
        "(check that the server is up and that PGHOST and PGPORT, --dsn or .env name it)\n"
    )


def test_wrong_password(pg_server, tmp_path: Path, kit: SimpleNamespace, capsys) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    assert load(pg_server.dsn("postgres", password="nope"), inputs, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert err == (
        f'Error: PostgreSQL refused the login: connection failed: connection to server at "127.0.0.1", port '
        f'{pg_server.port} failed: FATAL: password authentication failed for user "postgres". '
        "Check PGUSER and PGPASSWORD (or --dsn, or .env).\n"
    )
    assert "nope" not in err


def test_hstore_missing_and_not_allowed(pg_server, pg_database: str, tmp_path: Path, kit, capsys) -> None:
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute("create role etl_reader login password 'pw'")
    try:
        dsn = psycopg.conninfo.make_conninfo(pg_database, user="etl_reader", password="pw")
        dbname = psycopg.conninfo.conninfo_to_dict(pg_database)["dbname"]
        assert load(dsn, kit.write_inputs(tmp_path / "in"), tmp_path / "out") == 1
        assert capsys.readouterr().err == (
            f"Error: the hstore extension is missing in database {dbname} and user etl_reader may not create "
            f"it: a superuser or the database owner must run `CREATE EXTENSION hstore;` in database {dbname} once\n"
        )
    finally:
        with psycopg.connect(pg_database, autocommit=True) as conn:
            conn.execute("drop role etl_reader")


def test_cli_subprocess_and_help(tmp_path: Path, kit: SimpleNamespace, pg_database: str) -> None:
    inputs = kit.write_inputs(tmp_path / "in")
    proc = subprocess.run(
        [sys.executable, "etl_process.py", "failures", "--input", str(inputs), "--output", str(tmp_path / "o"),
         "--dsn", pg_database],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1:] == [
        "  equipment.json: 3 lines, 3 stored (3 new), 0 rejected",
        "  equipment_sensors.csv: 5 lines, 4 stored (4 new), 1 rejected",
        "  failures.log: 10 lines, 7 stored (7 new), 3 rejected",
        "failures: 4 lines rejected: see the rejects table (file, line, text, reason)",
        "failures: wrote total_failures.csv (1 row), top_equipment.csv (1 row), group_averages.csv (2 rows)",
    ]
    bad = subprocess.run(
        [sys.executable, "etl_process.py", "failures", "--output", str(tmp_path / "x"), "--from", "2020-02-01",
         "--to", "2020-01-01"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (bad.returncode, bad.stderr) == (
        1,
        "Error: --from 2020-02-01 00:00:00 must be before --to 2020-01-01 00:00:00\n",
    )
    usage = subprocess.run(
        [sys.executable, "etl_process.py", "failures", "--output", "x", "--from", "January"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert usage.returncode == 2
    assert "not a date or time: 'January'" in usage.stderr


def test_bundled_sample_on_embedded_duckdb(tmp_path: Path, no_pg_env: Path) -> None:
    """The default --input (the generated sample) runs without any server; its bad lines land in rejects."""
    assert main(["failures", "--output", str(tmp_path), "--quiet"]) == 0
    assert (tmp_path / "top_equipment.csv").read_text() == "equipment_code,failures\nF80B0653,174\n"
    assert (tmp_path / "total_failures.csv").read_text().splitlines()[
        1
    ] == "2020-01-01 00:00:00,2020-02-01 00:00:00,771"
    with duckdb.connect(str(tmp_path / "failures.duckdb"), read_only=True) as con:
        rejects = con.execute("select line_no, reason from rejects order by line_no").fetchall()
    assert rejects == [
        (11, 'not a reading line: expected "[YYYY-MM-DD hh:mm:ss] LEVEL sensor[N]: (name value, ...)"'),
        (21, "sensor 99 maps to no equipment"),
        (1502, "duplicate of equipment_failure_sensors.log line 6"),
    ]


def test_the_run_summary(tmp_path: Path, kit: SimpleNamespace, no_pg_env: Path) -> None:
    from etl.pipelines.failures import Settings, run

    inputs = kit.write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    returned = run(Settings(input=inputs, output=out))

    written = json.loads((out / "_summary.json").read_text())
    assert written == json.loads(json.dumps(returned, default=str))
    assert written["pipeline"] == "failures"
    assert written["store"] == f"embedded DuckDB database {out / 'failures.duckdb'}"
    assert written["inputs"] == {
        "files": 3,
        "rows": 18,
        "by_file": [
            {"path": "equipment.json", "rows": 3},
            {"path": "equipment_sensors.csv", "rows": 5},
            {"path": "failures.log", "rows": 10},
        ],
    }
    assert written["rows_out"] == {"equipment": 3, "sensors": 4, "failure_readings": 7}
    assert written["rejects"] == {
        "duplicate of an earlier reading": 1,
        NOT_A_READING_KIND: 1,
        "sensor maps to equipment that is not in equipment": 1,
        "sensor maps to no equipment": 1,
    }
    assert written["outputs"] == [
        {"path": "total_failures.csv", "rows": 1},
        {"path": "top_equipment.csv", "rows": 1},
        {"path": "group_averages.csv", "rows": 2},
    ]
    assert written["check"] == {"rule": "lines parsed = stored + rejected", "left": 18, "right": 18}
    assert written["period"] == {"from": "2020-01-01 00:00:00", "to": "2020-02-01 00:00:00"}
    assert [f["rejected"] for f in written["files"]] == [0, 1, 3]
