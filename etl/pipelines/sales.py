"""`sales`: customers and sales into a bronze / silver / gold lakehouse in
Delta Lake or Iceberg.

DuckDB SQL (`sql/sales/`) stages the input, merges it into bronze, applies
every quality rule, and builds the gold models; it also works out, per table,
which rows are new, changed or gone. The table-format library then writes
only those rows (one MERGE or transaction per table), so a re-run on the same
input writes nothing and a correction touches exactly its rows. All input is
read and checked before the first table is touched: a bad file leaves every
table as it was.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.files import discover, relative_name, write_json_atomic
from etl.core.options import HelpFormatter
from etl.core.paths import OUTPUT_DIR, SAMPLES_DIR
from etl.core.progress import progress, say
from etl.sales_tables import FORMATS, TABLES, TableSpec, TableStore, open_store

ORDER = 40
PIPELINE = "sales"
SALES_COLUMNS = ["invoice_no", "customer_id", "category", "quantity", "price", "invoice_date", "shopping_mall"]
CUSTOMER_COLUMNS = ["customer_id", "gender", "age", "payment_method"]
SUMMARY_NAME = "last_run.json"

EPILOG = """\
examples:
  python etl_process.py sales
  python etl_process.py sales --input ../shared/data/sales --output output/sales
  python etl_process.py sales --input ../shared/data/sales --output output/sales --format iceberg
  python etl_process.py sales --input new_invoices/ --output output/sales   # an update run

Inputs: every *.csv under --input is a sales file (header invoice_no,
customer_id, category, quantity, price, invoice_date, shopping_mall) and every
*.parquet a customer file (customer_id, gender, age, payment_method). A file
is identified by its path relative to --input: sending the same name again
replaces that file's rows. Tables go to OUTPUT/delta/<layer>/<table> or the
Iceberg catalog OUTPUT/iceberg/catalog.db; the run summary to
OUTPUT/<format>/last_run.json. See docs/sales.md for every rule.
"""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        PIPELINE,
        parents=[common],
        help="customers and sales into bronze/silver/gold Delta or Iceberg tables",
        description=(
            "Load customer (Parquet) and sales (CSV) exports into a lakehouse: bronze keeps the rows as "
            "received, silver the typed rows that pass every quality rule (the rest go to quarantine with "
            "the rule), gold a customer dimension, a sales fact and a gender x age band report. Tables are "
            "upserted by key: a re-run changes nothing, a correction changes only its rows."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--input", type=Path, default=SAMPLES_DIR / PIPELINE, metavar="DIR", help="folder of input files")
    p.add_argument("--output", type=Path, default=OUTPUT_DIR / PIPELINE, metavar="DIR", help="lakehouse folder")
    p.add_argument("--format", choices=FORMATS, default="delta", help="open table format to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    summary = load_sales(
        args.input,
        args.output,
        args.format,
        threads=args.threads,
        memory_limit=args.memory_limit,
        quiet=args.quiet,
    )
    for source, counts in summary["counts"].items():
        say(
            f"{source}: {counts['bronze_rows']} rows in bronze = {counts['silver_rows']} in silver"
            f" + {counts['quarantined_rows']} quarantined",
            quiet=args.quiet,
        )
    for label, table in summary["tables"].items():
        say(
            f"{label}: {table['inserted']} inserted, {table['updated']} updated, {table['deleted']} deleted"
            f" (version {table['previous_version']} -> {table['version']})",
            quiet=args.quiet,
        )
    say(f"summary: {summary['summary_file']}", quiet=args.quiet)
    return 0


@dataclass
class Batch:
    """One run's identity, stamped on every bronze row it brings in."""

    batch_id: str
    ingested_at: dt.datetime
    sales_files: list[Path] = field(default_factory=list)
    customer_files: list[Path] = field(default_factory=list)

    @classmethod
    def new(cls, now: dt.datetime | None = None) -> Batch:
        now = now or dt.datetime.now(dt.UTC)
        return cls(batch_id=now.strftime("%Y%m%dT%H%M%S%fZ"), ingested_at=now)


def load_sales(
    input_dir: Path,
    output: Path,
    table_format: str = "delta",
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    now: dt.datetime | None = None,
    quiet: bool = True,
) -> dict[str, Any]:
    """The whole pipeline; returns (and writes) the run summary."""
    input_dir, output = Path(input_dir), Path(output)
    batch = Batch.new(now)
    batch.sales_files, batch.customer_files = find_inputs(input_dir)
    con = connect(threads=threads, memory_limit=memory_limit or "1GB")
    try:
        runner = SqlRunner(con, PIPELINE)
        store = open_store(output, table_format)
        stage_inputs(runner, input_dir, batch, quiet=quiet)
        merge_bronze(runner, store, batch)
        build_silver_and_gold(runner)
        counts, rules = count_layers(runner)
        tables = write_tables(runner, store, quiet=quiet)
    finally:
        con.close()
    summary_file = output / table_format / SUMMARY_NAME
    summary = {
        "format": table_format,
        "batch_id": batch.batch_id,
        "ingested_at": batch.ingested_at.isoformat(),
        "input": str(input_dir),
        "files": {
            "sales": [relative_name(p, input_dir) for p in batch.sales_files],
            "customers": [relative_name(p, input_dir) for p in batch.customer_files],
        },
        "counts": counts,
        "quarantined_by_rule": rules,
        "tables": tables,
        "summary_file": str(summary_file),
    }
    write_json_atomic(summary_file, summary)
    return summary


def find_inputs(input_dir: Path) -> tuple[list[Path], list[Path]]:
    """Sales CSVs and customer Parquet files under --input; at least one."""
    files = discover(input_dir, [".csv", ".parquet"])
    sales = [p for p in files if p.name.lower().endswith(".csv")]
    customers = [p for p in files if p.name.lower().endswith(".parquet")]
    if not files:
        raise EtlError(f"no input in {input_dir}: expected sales *.csv and/or customer *.parquet files")
    return sales, customers


def stage_inputs(runner: SqlRunner, input_dir: Path, batch: Batch, *, quiet: bool = True) -> None:
    """Read every input file into the staging tables, failing on the first bad one."""
    for step in ("01_create_text_macro.sql", "02_create_incoming_sales.sql", "03_create_incoming_customers.sql"):
        runner.execute(step)
    files = [(p, "sales") for p in batch.sales_files] + [(p, "customers") for p in batch.customer_files]
    for path, kind in progress(files, desc="reading", unit="file", quiet=quiet):
        params = {"path": path, "source_file": relative_name(path, input_dir)}
        try:
            if kind == "sales":
                check_sales_header(path)
                runner.execute("04_read_sales_file.sql", params)
            else:
                runner.execute("05_read_customers_file.sql", params)
        except EtlError as exc:
            reason = str(exc).split(" Possible fixes:")[0]
            raise EtlError(f"{path}: cannot read this {kind} file: {reason}") from exc


def check_sales_header(path: Path) -> None:
    """The CSV's first line must name exactly the expected columns, in order:
    the data read then trusts positions, so a reordered export cannot slip in."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise EtlError(f"cannot read the header: {exc}") from exc
    if header != SALES_COLUMNS:
        raise EtlError(f"header is {','.join(header)!r}, expected {','.join(SALES_COLUMNS)!r}")


def merge_bronze(runner: SqlRunner, store: TableStore, batch: Batch) -> None:
    """bronze_sales / bronze_customers: the stored bronze plus this batch."""
    params = {"ingested_at": batch.ingested_at, "batch_id": batch.batch_id}
    for source, columns in (("sales", SALES_COLUMNS), ("customers", CUSTOMER_COLUMNS)):
        spec = spec_for("bronze", source)
        stored = store.read(spec)
        if stored is None:
            runner.execute("06_create_empty_bronze.sql", source=source)
        else:
            runner.con.register(f"stored_{spec.sql_name}", stored)
        runner.execute("07_merge_bronze.sql", params, source=source, columns=columns)


def build_silver_and_gold(runner: SqlRunner) -> None:
    """Quality rules, silver, quarantine and the gold models, all in SQL."""
    runner.execute("08_check_customers.sql")
    runner.execute("09_check_sales.sql")
    runner.execute("10_resolve_resends.sql", {"entity": "customer"}, source="customers", key="customer_id")
    runner.execute("10_resolve_resends.sql", {"entity": "invoice"}, source="sales", key="invoice_no")
    for step in (
        "11_build_silver_customers.sql",
        "12_build_silver_sales.sql",
        "13_build_silver_quarantine.sql",
        "14_build_dim_customer.sql",
        "15_build_fact_sales.sql",
        "16_build_sales_by_segment.sql",
    ):
        runner.execute(step)


def count_layers(runner: SqlRunner) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Rows per layer and quarantine rules; bronze must equal silver + quarantine."""
    counts = {}
    for source, bronze, silver, quarantined in runner.fetch("18_count_layers.sql"):
        if bronze != silver + quarantined:
            raise EtlError(f"{source}: {bronze} bronze rows but {silver} silver + {quarantined} quarantined")
        counts[source] = {"bronze_rows": bronze, "silver_rows": silver, "quarantined_rows": quarantined}
    rules: dict[str, dict[str, int]] = {"customers": {}, "sales": {}}
    for source, rule, n in runner.fetch("19_count_quarantine_rules.sql"):
        rules[source][rule] = n
    return counts, rules


def write_tables(runner: SqlRunner, store: TableStore, *, quiet: bool = True) -> dict[str, dict[str, Any]]:
    """Bring each stored table to what SQL computed, writing only the changes."""
    report = {}
    for spec in progress(TABLES, desc="writing", unit="table", quiet=quiet):
        report[spec.label] = write_table(runner, store, spec)
    return report


def write_table(runner: SqlRunner, store: TableStore, spec: TableSpec) -> dict[str, Any]:
    desired = runner.con.table(spec.sql_name)
    previous = store.version(spec)
    stored_name = f"stored_{spec.sql_name}"
    if spec.layer != "bronze":  # bronze was read back (or made empty) in merge_bronze
        stored = store.read(spec)
        runner.con.register(stored_name, stored if stored is not None else desired.limit(0).to_arrow_table())
    runner.execute(
        "17_build_changes.sql",
        desired=spec.sql_name,
        stored=stored_name,
        columns=desired.columns,
        keys=list(spec.keys),
    )
    [(inserted, updated, deleted)] = runner.fetch("20_count_changes.sql")
    result: dict[str, Any] = {"previous_version": previous}
    result.update(inserted=inserted, updated=updated, deleted=deleted)
    if previous is None:
        store.create(spec, desired.to_arrow_table())
    elif inserted or updated or deleted:
        store.apply(spec, changes_table(runner.con))
    if previous is None or inserted or updated or deleted:
        touched = []
        if spec.partition_by:
            touched = [r[0] for r in runner.fetch("21_select_touched_partitions.sql", partition_by=spec.partition_by)]
        result["maintenance"] = store.maintain(spec, touched)
    result["version"] = store.version(spec)
    return result


def changes_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.table("changes").to_arrow_table()


def spec_for(layer: str, name: str) -> TableSpec:
    return next(s for s in TABLES if s.layer == layer and s.name == name)
