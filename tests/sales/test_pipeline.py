"""The sales pipeline end to end on the bundled sample, in both formats:
idempotent re-runs, an update run, time travel, other engines reading the
tables back, bad input leaving the tables untouched, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from etl.cli import main
from etl.core.errors import EtlError
from etl.core.paths import PROJECT_ROOT
from etl.pipelines.sales import Settings, run
from etl.pipelines.sales.tables import TABLES, open_store

FORMATS = ["delta", "iceberg"]
LABELS = [spec.label for spec in TABLES]


def load_sales(input_dir, output, table_format="delta", now=None) -> dict:
    return run(Settings(input=input_dir, output=output, format=table_format, now=now))


def snapshot(output: Path, table_format: str) -> dict[str, list[dict]]:
    """Every table's rows, in key order, as plain Python."""
    store = open_store(output, table_format)
    return {
        spec.label: sorted(store.read(spec).to_pylist(), key=lambda r: [r[k] for k in spec.keys]) for spec in TABLES
    }


def changes(summary: dict) -> dict[str, tuple[int, int, int]]:
    return {label: (t["inserted"], t["updated"], t["deleted"]) for label, t in summary["tables"].items()}


@pytest.mark.parametrize("table_format", FORMATS)
def test_first_run_on_the_sample(sample_input, tmp_path, table_format):
    summary = load_sales(sample_input, tmp_path / "out", table_format)
    assert summary["counts"] == {
        "customers": {"bronze_rows": 200, "silver_rows": 200, "quarantined_rows": 0},
        "sales": {"bronze_rows": 405, "silver_rows": 385, "quarantined_rows": 20},
    }
    assert summary["quarantined_by_rule"] == {
        "customers": {},
        "sales": {
            "duplicate_invoice": 3,
            "invalid_customer_id": 2,
            "invalid_invoice_date": 4,
            "invalid_price": 2,
            "line_total_mismatch": 2,
            "missing_customer_id": 3,
            "non_positive_price": 2,
            "non_positive_quantity": 2,
        },
    }
    assert changes(summary) == {
        "bronze.sales": (405, 0, 0),
        "bronze.customers": (200, 0, 0),
        "silver.customers": (200, 0, 0),
        "silver.sales": (385, 0, 0),
        "silver.quarantine": (20, 0, 0),
        "gold.dim_customer": (200, 0, 0),
        "gold.fact_sales": (385, 0, 0),
        "gold.sales_by_segment": (14, 0, 0),
    }
    tables = snapshot(tmp_path / "out", table_format)
    assert {label: len(rows) for label, rows in tables.items()} == {
        "bronze.sales": 405,
        "bronze.customers": 200,
        "silver.customers": 200,
        "silver.sales": 385,
        "silver.quarantine": 20,
        "gold.dim_customer": 200,
        "gold.fact_sales": 385,
        "gold.sales_by_segment": 14,
    }
    assert (tmp_path / "out" / table_format / "_summary.json").is_file()


@pytest.mark.parametrize("table_format", FORMATS)
def test_a_rerun_on_the_same_input_changes_nothing(sample_input, tmp_path, table_format):
    out = tmp_path / "out"
    first = load_sales(sample_input, out, table_format)
    before = snapshot(out, table_format)
    second = load_sales(sample_input, out, table_format, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert changes(second) == dict.fromkeys(LABELS, (0, 0, 0))
    assert {k: t["version"] for k, t in second["tables"].items()} == {
        k: t["version"] for k, t in first["tables"].items()
    }
    assert snapshot(out, table_format) == before


UPDATE_CSV = """\
invoice_no,customer_id,category,quantity,price,invoice_date,shopping_mall
I812762,C796439,Technology,3,3150,08-07-2022,Metropol AVM
I000001,C796439,Books,1,15.15,01-03-2023,Kanyon
I579652,C572536,Technology,5,5250,08-06-2022,Metrocity
"""


@pytest.mark.parametrize("table_format", FORMATS)
def test_an_update_run_changes_exactly_the_new_and_corrected_invoices(sample_input, tmp_path, table_format):
    out = tmp_path / "out"
    load_sales(sample_input, out, table_format)
    before = snapshot(out, table_format)
    update = tmp_path / "update"
    update.mkdir()
    (update / "sales_2023-03-09.csv").write_text(UPDATE_CSV)

    summary = load_sales(update, out, table_format)

    assert changes(summary) == {
        "bronze.sales": (3, 0, 0),
        "bronze.customers": (0, 0, 0),
        "silver.customers": (0, 0, 0),
        "silver.sales": (1, 1, 0),  # I000001 new, I812762 corrected
        "silver.quarantine": (2, 0, 0),  # the superseded I812762 line, the identical re-send of I579652
        "gold.dim_customer": (0, 0, 0),
        "gold.fact_sales": (1, 1, 0),
        "gold.sales_by_segment": (0, 1, 0),  # C796439's segment
    }
    after = snapshot(out, table_format)
    fact = {r["invoice_no"]: r for r in after["gold.fact_sales"]}
    assert (fact["I812762"]["quantity"], fact["I812762"]["line_total"]) == (3, Decimal("3150.00"))
    assert fact["I000001"]["invoice_month"] == "2023-03"
    old_fact = {r["invoice_no"]: r for r in before["gold.fact_sales"]}
    assert {k for k in fact if fact[k] != old_fact.get(k)} == {"I812762", "I000001"}
    quarantined = {(r["record_id"], r["rule"]) for r in after["silver.quarantine"]}
    assert quarantined - {(r["record_id"], r["rule"]) for r in before["silver.quarantine"]} == {
        ("sales_data.csv#1", "superseded_invoice"),
        ("sales_2023-03-09.csv#3", "duplicate_invoice"),
    }
    assert summary["counts"]["sales"] == {"bronze_rows": 408, "silver_rows": 386, "quarantined_rows": 22}

    # Time travel: the version before this run still reads as it was.
    store = open_store(out, table_format)
    for spec in TABLES:
        previous = summary["tables"][spec.label]["previous_version"]
        old = sorted(store.read(spec, version=previous).to_pylist(), key=lambda r: [r[k] for k in spec.keys])
        assert old == before[spec.label], spec.label


def test_a_resent_file_with_the_same_name_replaces_its_rows(sample_input, tmp_path):
    out = tmp_path / "out"
    load_sales(sample_input, out, "delta")
    lines = (sample_input / "sales_data.csv").read_text().splitlines(keepends=True)
    (sample_input / "sales_data.csv").write_text("".join(lines[:-1]))  # the last line is withdrawn
    summary = load_sales(sample_input, out, "delta")
    assert summary["tables"]["bronze.sales"] | {"version": None, "maintenance": None} == {
        "previous_version": 0,
        "inserted": 0,
        "updated": 0,
        "deleted": 1,
        "version": None,
        "maintenance": None,
    }
    assert summary["counts"]["sales"]["bronze_rows"] == 404


@pytest.mark.parametrize("table_format", FORMATS)
def test_other_engines_read_the_tables(sample_input, tmp_path, table_format, monkeypatch):
    monkeypatch.setenv("POLARS_ICEBERG_PLANNER", "pyiceberg")
    out = tmp_path / "out"
    load_sales(sample_input, out, table_format)
    if table_format == "delta":
        from deltalake import DeltaTable

        fact_path = out / "delta" / "gold" / "fact_sales"
        dataset = DeltaTable(str(fact_path)).to_pyarrow_dataset()
        by_polars = pl.read_delta(str(fact_path))
        by_pandas = DeltaTable(str(out / "delta" / "gold" / "sales_by_segment")).to_pandas()
    else:
        from pyiceberg.catalog.sql import SqlCatalog

        catalog = SqlCatalog(
            "sales",
            uri=f"sqlite:///{out / 'iceberg' / 'catalog.db'}",
            warehouse=(out / "iceberg" / "warehouse").as_uri(),
        )
        dataset = catalog.load_table("gold.fact_sales").scan().to_arrow()
        by_polars = pl.scan_iceberg(catalog.load_table("gold.fact_sales")).collect()
        by_pandas = catalog.load_table("gold.sales_by_segment").scan().to_pandas()

    con = duckdb.connect()
    con.register("fact", dataset)
    duck = con.execute("select count(*), sum(quantity), sum(line_total) from fact").fetchone()
    polars_totals = by_polars.select(pl.len(), pl.col("quantity").sum(), pl.col("line_total").sum()).row(0)
    assert duck == polars_totals
    assert duck[0] == 385
    assert isinstance(by_pandas, pd.DataFrame)
    assert (int(by_pandas["invoices"].sum()), by_pandas["revenue"].sum()) == (385, duck[2])
    one_month = con.execute("select count(*) from fact where invoice_month = '2022-08'").fetchone()[0]
    assert one_month == by_polars.filter(pl.col("invoice_month") == "2022-08").height > 0


RAGGED_CSV = """\
invoice_no,customer_id,category,quantity,price,invoice_date,shopping_mall
I1,C1,Books,1,15.15,01-01-2022,Kanyon
I2,C1,Books,1,15.15,01-01-2022,Kanyon,extra
"""


@pytest.mark.parametrize("table_format", FORMATS)
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("late.csv", RAGGED_CSV, "late.csv: cannot read this sales file: "),
        (
            "late.csv",
            "invoice,customer\nI1,C1\n",
            "late.csv: cannot read this sales file: header is 'invoice,customer'",
        ),
        ("late.parquet", "not a parquet file", "late.parquet: cannot read this customers file: "),
    ],
)
def test_a_bad_input_file_fails_and_leaves_the_tables_as_they_were(
    sample_input, tmp_path, table_format, name, content, message
):
    out = tmp_path / "out"
    first = load_sales(sample_input, out, table_format)
    before = snapshot(out, table_format)
    (sample_input / name).write_text(content)
    with pytest.raises(EtlError) as caught:
        load_sales(sample_input, out, table_format)
    assert str(caught.value).startswith(f"{sample_input / name}: {message.split(': ', 1)[1]}")
    store = open_store(out, table_format)
    assert {spec.label: store.version(spec) for spec in TABLES} == {k: t["version"] for k, t in first["tables"].items()}
    assert snapshot(out, table_format) == before


def test_a_ragged_line_is_named(sample_input, tmp_path):
    (sample_input / "late.csv").write_text(RAGGED_CSV)
    with pytest.raises(EtlError, match=r"late\.csv: cannot read this sales file: .*[Ll]ine.*3"):
        load_sales(sample_input, tmp_path / "out", "delta")


def test_missing_or_empty_input(tmp_path, capsys):
    assert main(["sales", "--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == f"Error: input not found: {tmp_path / 'nope'}\n"
    (tmp_path / "empty").mkdir()
    assert main(["sales", "--input", str(tmp_path / "empty"), "--output", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err == (
        f"Error: no input in {tmp_path / 'empty'}: expected sales *.csv and/or customer *.parquet files\n"
    )
    assert not (tmp_path / "out").exists()


def test_cli_main(sample_input, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sales", "--input", str(sample_input), "--output", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [
        "customers: 200 rows in bronze = 200 in silver + 0 quarantined",
        "sales: 405 rows in bronze = 385 in silver + 20 quarantined",
        "bronze.sales: 405 inserted, 0 updated, 0 deleted (version None -> 0)",
    ]
    assert lines[-1] == f"summary: {out / 'delta' / '_summary.json'}"
    assert main(["sales", "--input", str(sample_input), "--output", str(out), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    with pytest.raises(SystemExit) as exit_info:
        main(["sales", "--format", "hudi"])
    assert exit_info.value.code == 2


def test_cli_subprocess(tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "etl_process.py", "sales", "--output", str(out), "--format", "iceberg", "--quiet"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert (out / "iceberg" / "catalog.db").is_file()
    help_text = subprocess.run(
        [sys.executable, "etl_process.py", "sales", "--help"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout
    assert "examples:\n  python etl_process.py sales\n" in help_text


@pytest.mark.parametrize("table_format", ["delta", "iceberg"])
def test_the_run_summary(sample_input, tmp_path, table_format):
    out = tmp_path / "out"
    returned = load_sales(sample_input, out, table_format)

    written = json.loads((out / table_format / "_summary.json").read_text())
    assert written == json.loads(json.dumps(returned, default=str))
    assert written["pipeline"] == "sales"
    assert written["inputs"] == {
        "files": 2,
        "rows": 605,
        "by_file": [{"path": "sales_data.csv", "rows": 405}, {"path": "customer_data.parquet", "rows": 200}],
    }
    assert written["rows_out"] == {
        "bronze.sales": 405,
        "bronze.customers": 200,
        "silver.customers": 200,
        "silver.sales": 385,
        "silver.quarantine": 20,
        "gold.dim_customer": 200,
        "gold.fact_sales": 385,
        "gold.sales_by_segment": 14,
    }
    assert written["rejects"] == {
        "sales: duplicate_invoice": 3,
        "sales: invalid_customer_id": 2,
        "sales: invalid_invoice_date": 4,
        "sales: invalid_price": 2,
        "sales: line_total_mismatch": 2,
        "sales: missing_customer_id": 3,
        "sales: non_positive_price": 2,
        "sales: non_positive_quantity": 2,
    }
    per_table: dict[str, int] = {}
    for item in written["outputs"]:
        assert (out / item["path"]).is_file()
        per_table[item["table"]] = per_table.get(item["table"], 0) + item["rows"]
    assert per_table == written["rows_out"]
    assert written["check"] == {"rule": "bronze rows = silver rows + quarantined rows", "left": 605, "right": 605}
