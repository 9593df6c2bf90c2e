"""Fixtures for the spending pipeline's tests: inline raw tables in an in-memory DuckDB."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from etl.core.engine import SqlRunner, connect, quote_identifier
from etl.pipelines.spending.pipeline import CUSTOMERS, PURCHASES, InputFile

Rows = Sequence[Sequence[str | None]]


def fill_raw(runner: SqlRunner, spec: InputFile, rows: Rows) -> None:
    """Make the raw table 01_read_csv.sql would make: every column text, rows in file order."""
    columns = ", ".join(f"{quote_identifier(c)} varchar" for c in spec.required)
    table = quote_identifier(spec.table)
    runner.con.execute(f"create or replace table {table} ({columns})")
    if rows:
        marks = ", ".join("?" for _ in spec.required)
        runner.con.executemany(f"insert into {table} values ({marks})", [list(r) for r in rows])


@pytest.fixture
def raw_tables() -> Callable[[Rows, Rows], SqlRunner]:
    """Call with customer rows (id, first, last, email, age) and purchase rows (id, product, price).

    Each call gives a fresh in-memory database, so a Hypothesis test can call
    it once per example; every connection is closed at the end of the test.
    """
    opened: list[SqlRunner] = []

    def make(customers: Rows, purchases: Rows) -> SqlRunner:
        runner = SqlRunner(connect(threads=1), "spending")
        opened.append(runner)
        fill_raw(runner, CUSTOMERS, customers)
        fill_raw(runner, PURCHASES, purchases)
        return runner

    yield make
    for runner in opened:
        runner.con.close()
