"""Fixtures for the plot tests: tiny telemetry output folders made by running
the real telemetry pipeline on tiny inputs written from inline rows."""

from __future__ import annotations

import struct
from pathlib import Path

import duckdb
import pytest

from etl.core.engine import quote_literal
from etl.pipelines.telemetry.pipeline import Settings, run

DAY = 1_717_545_600  # 2024-06-05T00:00:00Z
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def tags(phase: str | None = None, module: str | None = None, **more: str) -> list[list[str]]:
    pairs = [["phase", phase], ["module", module], *([k, v] for k, v in more.items())]
    return [[k, v] for k, v in pairs if v is not None] + [["message_source", "master"]]


def write_readings(path: Path, rows: list[tuple]) -> Path:
    """(epoch seconds, payload_type, value, tags) rows as an exporter-like parquet file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("create table r (timestamp bigint, payload_type varchar, value varchar, tags varchar[][])")
    con.executemany("insert into r values (?, ?, ?, ?)", rows)
    con.execute(f"copy r to {quote_literal(str(path))} (format parquet)")
    con.close()
    return path


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (signature, then the IHDR chunk)."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def make_output(folder: Path, rows: list[tuple], **settings) -> Path:
    """Write the rows as one input file under `folder`, run the telemetry pipeline, return its output."""
    write_readings(folder / "input" / "day.parquet", rows)
    output = folder / "output"
    run(Settings(input=folder / "input", output=output, quiet=True, threads=1, **settings))
    return output


@pytest.fixture
def telemetry_output(tmp_path):
    """`make_output` in this test's tmp_path."""

    def _make(rows: list[tuple], **settings) -> Path:
        return make_output(tmp_path, rows, **settings)

    return _make
