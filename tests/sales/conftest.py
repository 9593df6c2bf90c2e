"""Fixtures for the sales pipeline tests: tiny inline bronze rows run through
the real SQL, and small input folders written into tmp_path."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pytest

from etl.core.engine import SqlRunner, connect
from etl.core.paths import SAMPLES_DIR
from etl.pipelines.sales.pipeline import CUSTOMER_COLUMNS, SALES_COLUMNS, build_silver_and_gold

T0 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

GOOD_SALE = {
    "invoice_no": "I100001",
    "customer_id": "C100001",
    "category": "Books",
    "quantity": "2",
    "price": "30.3",
    "invoice_date": "05-08-2022",
    "shopping_mall": "Kanyon",
}
GOOD_CUSTOMER = {"customer_id": "C100001", "gender": "Female", "age": "30", "payment_method": "Cash"}


def bronze_table(rows: list[dict], columns: list[str], source_file: str) -> pa.Table:
    """Bronze rows as the pipeline stores them; `_file`/`_at` override lineage."""
    records = []
    for n, row in enumerate(rows, start=1):
        file = row.get("_file", source_file)
        records.append(
            {
                "record_id": f"{file}#{n}",
                "source_file": file,
                "source_row": n,
                **{c: row.get(c) for c in columns},
                "ingested_at": row.get("_at", T0),
                "batch_id": "b1",
            }
        )
    schema = pa.schema(
        [("record_id", pa.string()), ("source_file", pa.string()), ("source_row", pa.int64())]
        + [(c, pa.string()) for c in columns]
        + [("ingested_at", pa.timestamp("us", tz="UTC")), ("batch_id", pa.string())]
    )
    return pa.Table.from_pylist(records, schema=schema)


@pytest.fixture
def run_rules() -> Callable[..., SqlRunner]:
    """Run the silver and gold SQL on inline bronze rows; returns the runner."""
    cons = []

    def run(sales: list[dict], customers: list[dict] | None = None) -> SqlRunner:
        con = connect()
        cons.append(con)
        runner = SqlRunner(con, "sales")
        runner.execute("01_create_text_macro.sql")
        customers = [GOOD_CUSTOMER] if customers is None else customers
        con.register("bronze_sales", bronze_table(sales, SALES_COLUMNS, "s.csv"))
        con.register("bronze_customers", bronze_table(customers, CUSTOMER_COLUMNS, "c.parquet"))
        build_silver_and_gold(runner)
        return runner

    yield run
    for con in cons:
        con.close()


@pytest.fixture
def sample_input(tmp_path: Path) -> Path:
    """A private copy of the bundled sample (tests may add or break files)."""
    folder = tmp_path / "input"
    folder.mkdir()
    for name in ("customer_data.parquet", "sales_data.csv"):
        shutil.copy(SAMPLES_DIR / "sales" / name, folder / name)
    return folder
