"""Fixtures for the votes tests: JSON-lines files written into tmp_path and a
fresh warehouse per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from etl.core.engine import connect


@pytest.fixture
def write_lines(tmp_path: Path) -> Callable[..., Path]:
    """`write_lines("a.jsonl", [line, ...])` -> the resolved path; lines end with \\n."""

    def write(name: str, lines: list[str], *, end: str = "\n") -> Path:
        path = tmp_path / "input" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes("".join(line + end for line in lines).encode("utf-8"))
        return path.resolve()

    return write


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path / "warehouse.db")
    yield con
    con.close()
