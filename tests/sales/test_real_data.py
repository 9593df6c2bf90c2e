"""Both table formats end to end on the real export in ../shared/data/sales,
with the exact counts the defects in it produce."""

from __future__ import annotations

from decimal import Decimal

import pytest

from etl.pipelines.sales import Settings, run
from etl.pipelines.sales.tables import TABLES, open_store

pytestmark = pytest.mark.slow

REAL_RULES = {
    "customers": {},
    "sales": {
        "duplicate_invoice": 152,  # the same line sent twice
        "invalid_customer_id": 30,  # C123456X
        "invalid_invoice_date": 20,  # 31/02/2022, 2022-13-01, 2022-08-05, 5-8-2022, empty
        "invalid_price": 8,  # empty
        "line_total_mismatch": 13,  # re-sent invoices whose quantity was changed, not the total
        "missing_customer_id": 40,
        "non_positive_price": 12,  # 0 and -15.15
        "non_positive_quantity": 25,  # 0 and -1
    },
}


def load_sales(input_dir, output, table_format="delta", now=None) -> dict:
    return run(Settings(input=input_dir, output=output, format=table_format, now=now))


@pytest.mark.parametrize("table_format", ["delta", "iceberg"])
def test_real_export_end_to_end(shared_data, tmp_path, table_format):
    folder = shared_data("sales", "sales_data.csv").parent
    out = tmp_path / "out"
    summary = load_sales(folder, out, table_format)
    assert summary["counts"] == {
        "customers": {"bronze_rows": 99457, "silver_rows": 99457, "quarantined_rows": 0},
        "sales": {"bronze_rows": 99622, "silver_rows": 99322, "quarantined_rows": 300},
    }
    assert summary["quarantined_by_rule"] == REAL_RULES
    store = open_store(out, table_format)
    rows = {spec.label: store.read(spec).num_rows for spec in TABLES}
    assert rows == {
        "bronze.sales": 99622,
        "bronze.customers": 99457,
        "silver.customers": 99457,
        "silver.sales": 99322,
        "silver.quarantine": 300,
        "gold.dim_customer": 99457,
        "gold.fact_sales": 99322,
        "gold.sales_by_segment": 14,
    }
    segments = store.read(TABLES[-1]).to_pylist()
    assert sum(s["invoices"] for s in segments) == 99322
    assert sum(s["revenue"] for s in segments) == REVENUE
    if table_format == "delta":  # the idempotency claim on the real export, once
        again = load_sales(folder, out, table_format)
        assert {t["inserted"] + t["updated"] + t["deleted"] for t in again["tables"].values()} == {0}


REVENUE = Decimal("68079656.70")
