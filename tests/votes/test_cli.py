"""`votes ingest` and `votes outliers` through the command line, the warehouse
schema, the DuckDB shell, the bundled sample and the real export."""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from etl.cli import build_parser, main
from etl.core.engine import connect
from etl.core.paths import PROJECT_ROOT, SAMPLES_DIR
from etl.pipelines.votes.pipeline import outlier_weeks

SAMPLE = SAMPLES_DIR / "votes"
DUCKDB_SHELL = Path(sys.executable).parent / "duckdb"


def test_sample_ingest_then_outliers(tmp_path, capsys):
    db = tmp_path / "warehouse.db"

    assert main(["votes", "ingest", "--db", str(db)]) == 0
    assert main(["votes", "ingest", "--db", str(db)]) == 0
    assert main(["votes", "outliers", "--db", str(db)]) == 0

    rejected_note = "rejected lines are in blog_analysis.votes_rejects (file, line_number, raw_text, reason)\n"
    assert capsys.readouterr() == (
        f"2 files ingested into {db}: 964 loaded, 40 skipped as already present, 3 rejected\n"
        + rejected_note
        + f"2 files ingested into {db}: 0 loaded, 1,004 skipped as already present, 3 rejected\n"
        + rejected_note
        + "Year  WeekNumber  VoteCount\n"
        "2024           3         64\n"
        "2024           6        222\n"
        "2024          10         20\n",
        "",
    )
    con = connect(db, read_only=True)
    try:
        assert con.execute(
            "select line_number, reason from blog_analysis.votes_rejects order by line_number"
        ).fetchall() == [
            (11, "invalid JSON"),
            (12, 'Id is not an integer: "n/a"'),
            (13, 'CreationDate is not a timestamp: "2024-02-30T00:00:00.000"'),
        ]
    finally:
        con.close()


def test_quiet_ingest_prints_nothing(tmp_path, capsys):
    assert main(["votes", "ingest", "--quiet", "--db", str(tmp_path / "w.db")]) == 0
    assert capsys.readouterr() == ("", "")


def test_warehouse_schema_and_types(tmp_path):
    db = tmp_path / "warehouse.db"
    assert main(["votes", "ingest", "--quiet", "--db", str(db)]) == 0

    con = connect(db, read_only=True)
    try:
        columns = con.execute(
            "select table_name, column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'blog_analysis' order by table_name, ordinal_position"
        ).fetchall()
        tables = con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'blog_analysis' order by table_name"
        ).fetchall()
        keys = con.execute(
            "select table_name, constraint_type, constraint_column_names from duckdb_constraints() "
            "where schema_name = 'blog_analysis' and constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    finally:
        con.close()

    assert columns == [
        ("votes", "Id", "BIGINT", "NO"),
        ("votes", "PostId", "BIGINT", "NO"),
        ("votes", "VoteTypeId", "INTEGER", "NO"),
        ("votes", "CreationDate", "TIMESTAMP", "NO"),
        ("votes", "UserId", "BIGINT", "YES"),
        ("votes", "BountyAmount", "INTEGER", "YES"),
        ("votes_rejects", "file", "VARCHAR", "NO"),
        ("votes_rejects", "line_number", "BIGINT", "NO"),
        ("votes_rejects", "raw_text", "VARCHAR", "NO"),
        ("votes_rejects", "reason", "VARCHAR", "NO"),
        ("votes_rejects", "rejected_at", "TIMESTAMP", "NO"),
    ]
    assert tables == [("votes", "BASE TABLE"), ("votes_rejects", "BASE TABLE")]
    assert keys == [("votes", "PRIMARY KEY", ["Id"])]


def test_the_warehouse_opens_in_the_duckdb_shell(tmp_path):
    db = tmp_path / "warehouse.db"
    assert main(["votes", "ingest", "--quiet", "--db", str(db)]) == 0
    assert main(["votes", "outliers", "--quiet", "--db", str(db)]) == 0

    shell = subprocess.run(
        [
            str(DUCKDB_SHELL),
            "-readonly",
            "-csv",
            str(db),
            "-c",
            "select count(*) as votes, count(distinct Id) as ids from blog_analysis.votes",
            "-c",
            "select * from blog_analysis.outlier_weeks",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert (shell.returncode, shell.stderr) == (0, "")
    assert shell.stdout == "votes,ids\n964,964\nYear,WeekNumber,VoteCount\n2024,3,64\n2024,6,222\n2024,10,20\n"


def test_as_a_subprocess(tmp_path):
    db = tmp_path / "w.db"
    ingest = subprocess.run(
        [sys.executable, "etl_process.py", "votes", "ingest", "--db", str(db), "--input", str(SAMPLE)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    missing = subprocess.run(
        [sys.executable, "etl_process.py", "votes", "ingest", "--db", str(db), "--input", str(tmp_path / "no.jsonl")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert (ingest.returncode, ingest.stderr) == (0, "")
    assert ingest.stdout.startswith(
        f"2 files ingested into {db}: 964 loaded, 40 skipped as already present, 3 rejected"
    )
    assert (missing.returncode, missing.stdout, missing.stderr) == (
        1,
        "",
        f"Error: input not found: {tmp_path / 'no.jsonl'}\n",
    )


def test_a_missing_input_is_an_error_and_creates_no_warehouse(tmp_path, capsys):
    db = tmp_path / "w.db"

    assert main(["votes", "ingest", "--input", str(tmp_path / "nope.jsonl"), "--db", str(db)]) == 1
    assert capsys.readouterr() == ("", f"Error: input not found: {tmp_path / 'nope.jsonl'}\n")
    assert not db.exists()


def test_a_folder_without_jsonl_files_is_an_error(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")

    assert main(["votes", "ingest", "--input", str(tmp_path), "--db", str(tmp_path / "w.db")]) == 1
    assert capsys.readouterr() == ("", f"Error: no .jsonl or .ndjson files under {tmp_path}\n")


def test_a_failed_first_ingest_leaves_no_warehouse(tmp_path, capsys):
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"Id":"1","note":"caf\xe9"}\n')
    db = tmp_path / "w.db"

    assert main(["votes", "ingest", "--input", str(bad), "--db", str(db)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: sql/votes/04_stage_lines.sql: Invalid Input Error: read_text: could not read")
    assert str(bad) in err
    assert "valid UTF-8" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latin1.jsonl"]


def test_outliers_on_a_missing_warehouse_is_an_error_and_creates_nothing(tmp_path, capsys):
    db = tmp_path / "w.db"

    assert main(["votes", "outliers", "--db", str(db)]) == 1
    assert capsys.readouterr() == ("", f"Error: warehouse not found: {db} (run `votes ingest` first)\n")
    assert not db.exists()


def test_outliers_on_a_warehouse_without_votes_is_an_error(tmp_path, capsys):
    db = tmp_path / "other.db"
    connect(db).close()

    assert main(["votes", "outliers", "--db", str(db)]) == 1
    assert capsys.readouterr() == ("", f"Error: {db} has no table blog_analysis.votes: run `votes ingest` first\n")


def test_votes_without_an_action_is_bad_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["votes"])
    assert exit_info.value.code == 2
    assert "the following arguments are required: ACTION" in capsys.readouterr().err


def subparsers_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


@pytest.mark.parametrize("path", [["votes"], ["votes", "ingest"], ["votes", "outliers"]])
def test_every_command_has_a_description_and_an_example(path):
    parser = build_parser()
    for name in path:
        parser = subparsers_of(parser)[name]

    assert parser.description
    assert parser.epilog.startswith("examples:\n  python etl_process.py votes")


def test_the_bundled_sample_is_what_the_generator_makes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("votes_sample_generator", SAMPLE / "generate.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    monkeypatch.setattr(generator, "HERE", tmp_path)

    generator.main()

    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == ["votes-2024-01.jsonl", "votes-2024-03.jsonl"]
    for name in made:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


@pytest.mark.slow
def test_the_full_export(tmp_path, shared_data, capsys):
    path = shared_data("votes", "votes.jsonl")
    db = tmp_path / "warehouse.db"

    assert main(["votes", "ingest", "--input", str(path), "--db", str(db)]) == 0
    assert main(["votes", "ingest", "--input", str(path), "--db", str(db)]) == 0
    assert capsys.readouterr().out == (
        f"1 file ingested into {db}: 40,299 loaded, 0 skipped as already present, 0 rejected\n"
        f"1 file ingested into {db}: 0 loaded, 40,299 skipped as already present, 0 rejected\n"
    )

    con = connect(db)
    try:
        summary = con.execute(
            "select count(*), count(distinct Id), min(CreationDate)::varchar, max(CreationDate)::varchar, "
            "count(UserId), count(BountyAmount), sum(BountyAmount) from blog_analysis.votes"
        ).fetchall()
        rows = outlier_weeks(con)
        weeks = con.execute(
            "select count(distinct (year(CreationDate), strftime(CreationDate, '%W'))) from blog_analysis.votes"
        ).fetchall()
    finally:
        con.close()

    assert summary == [(40299, 40299, "2017-02-28 00:00:00", "2021-09-04 00:00:00", 2576, 116, 7075)]
    assert weeks == [(239,)]  # no week of the span is empty: the mean is 40299 / 239
    assert len(rows) == 162
    assert sum(row[2] for row in rows) == 28053
    assert rows[:3] == [(2017, 9, 1561), (2017, 10, 1001), (2017, 11, 451)]
    assert rows[-3:] == [(2021, 33, 84), (2021, 34, 95), (2021, 35, 120)]
    assert rows == sorted(rows)
