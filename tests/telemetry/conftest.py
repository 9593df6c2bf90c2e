"""Fixtures for the telemetry tests: tiny input files written from inline rows."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from etl.pipelines.telemetry.pipeline import Settings, run


def _write_readings(path: Path, rows: list[tuple], fmt: str = "parquet") -> Path:
    """Write (timestamp, payload_type, value, tags) rows as parquet, csv or jsonl."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        con = duckdb.connect()
        con.execute(
            "create table r (timestamp bigint, payload_type varchar, value varchar, tags varchar[][], "
            "__index_level_0__ bigint)"
        )
        con.executemany("insert into r values (?, ?, ?, ?, ?)", [(*row, i) for i, row in enumerate(rows)])
        con.execute(f"copy r to '{path}' (format parquet)")
        con.close()
    elif fmt == "csv":
        lines = ["timestamp,payload_type,value,tags"]
        for ts, payload, value, tags in rows:
            tags_text = json.dumps(tags).replace('"', '""')
            lines.append(f'{ts},{payload},{"" if value is None else value},"{tags_text}"')
        path.write_text("\n".join(lines) + "\n")
    elif fmt == "jsonl":
        path.write_text(
            "".join(
                json.dumps({"timestamp": ts, "payload_type": p, "value": v, "tags": t}) + "\n" for ts, p, v, t in rows
            )
        )
    else:
        raise ValueError(fmt)
    return path


def _read_output(path: Path) -> list[tuple]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con.execute(f"select * from read_parquet('{path}') order by 1").fetchall()


@pytest.fixture
def run_pipeline(tmp_path):
    """Run the pipeline on tmp_path/input into tmp_path/output with extra settings."""

    def _run(**overrides):
        settings = Settings(input=tmp_path / "input", output=tmp_path / "output", quiet=True, threads=2)
        for key, value in overrides.items():
            setattr(settings, key, value)
        return run(settings)

    return _run


@pytest.fixture
def write_readings():
    return _write_readings


@pytest.fixture
def read_output():
    return _read_output


def _misordered_files(root: Path) -> dict[str, int]:
    """Grid files under root whose rows do not step by 5 s in file order:
    file name -> how many steps are wrong. Empty when every file is in order."""
    con = duckdb.connect()
    skipped = {"_rejects", ".telemetry"}
    files = [str(p) for p in sorted(root.rglob("*.parquet")) if not skipped & set(p.relative_to(root).parts)]
    rows = con.execute(
        """
        with steps as (
            select
                filename,
                epoch(timestamp) - lag(epoch(timestamp)) over (partition by filename order by file_row_number) as step
            from read_parquet($files, filename = true, file_row_number = true, hive_partitioning = false)
        )
        select filename, count(*) filter (where step <> 5)
        from steps
        group by filename
        """,
        {"files": files},
    ).fetchall()
    assert len(rows) == len(files)
    return {Path(name).relative_to(root).as_posix(): n for name, n in rows if n}


@pytest.fixture
def misordered_files():
    return _misordered_files
