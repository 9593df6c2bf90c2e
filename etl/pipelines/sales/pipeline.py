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

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.files import discover, relative_name, write_json_atomic
from etl.core.locking import locked_output
from etl.core.paths import OUTPUT_DIR, SAMPLES_DIR
from etl.core.progress import progress
from etl.core.summary import RunClock, check_balance, run_summary
from etl.pipelines.sales.tables import TABLES, TableSpec, TableStore, open_store

if TYPE_CHECKING:
    import pyarrow as pa

PIPELINE = "sales"
SALES_COLUMNS = ["invoice_no", "customer_id", "category", "quantity", "price", "invoice_date", "shopping_mall"]
CUSTOMER_COLUMNS = ["customer_id", "gender", "age", "payment_method"]
SUMMARY_NAME = "_summary.json"
LOCK_NAME = ".sales.lock"  # in OUTPUT/<format>/, while a run writes there
DEFAULT_INPUT = SAMPLES_DIR / PIPELINE
DEFAULT_OUTPUT = OUTPUT_DIR / PIPELINE


BUILD_STEPS = (
    "11_build_silver_customers.sql",
    "12_build_silver_sales.sql",
    "13_build_silver_quarantine.sql",
    "14_build_dim_customer.sql",
    "15_build_fact_sales.sql",
    "16_build_sales_by_segment.sql",
)
# The SQL files in the order a run uses them.
STEPS = {
    PIPELINE: (
        "01_create_text_macro.sql",
        "02_create_incoming_sales.sql",
        "03_create_incoming_customers.sql",
        "04_read_sales_file.sql",
        "05_read_customers_file.sql",
        "06_create_empty_bronze.sql",
        "07_merge_bronze.sql",
        "08_check_customers.sql",
        "09_check_sales.sql",
        "10_resolve_resends.sql",
        *BUILD_STEPS,
        "17_count_layers.sql",
        "18_count_quarantine_rules.sql",
        "19_count_files.sql",
        "20_build_changes.sql",
        "21_count_changes.sql",
        "22_select_touched_partitions.sql",
    )
}


@dataclass
class Settings:
    """Load the sales CSVs and customer Parquet files under `input` into the
    `format` lakehouse at `output`. `now` stamps the batch (default: the
    clock), so a test or a replay can fix it."""

    input: Path = DEFAULT_INPUT
    output: Path = DEFAULT_OUTPUT
    format: str = "delta"
    threads: int | None = None
    memory_limit: str | None = None
    now: dt.datetime | None = None
    quiet: bool = True


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


def run(settings: Settings) -> dict[str, Any]:
    """The whole pipeline; returns the run summary, also written to
    `output`/<format>/_summary.json.

    One run at a time per lakehouse and format: the lock is taken before the
    stored tables are read, so a second run stops with an error instead of
    building on the same old state and writing it again.
    """
    clock = RunClock()
    input_dir, output, table_format = Path(settings.input), Path(settings.output), settings.format
    batch = Batch.new(settings.now)
    batch.sales_files, batch.customer_files = find_inputs(input_dir)
    con = connect(threads=settings.threads, memory_limit=settings.memory_limit or "1GB")
    try:
        with locked_output(output / table_format, LOCK_NAME, what="lakehouse folder") as folder:
            runner = SqlRunner(con, PIPELINE)
            store = open_store(output, table_format)
            stage_inputs(runner, input_dir, batch, quiet=settings.quiet)
            merge_bronze(runner, store, batch)
            build_silver_and_gold(runner)
            counts, rules = count_layers(runner)
            by_file = runner.fetch("19_count_files.sql")
            tables, table_rows = write_tables(runner, store, quiet=settings.quiet)
            summary_file = folder / SUMMARY_NAME
            summary = sales_summary(
                settings, clock, batch, store, summary_file, by_file, counts, rules, tables, table_rows
            )
            write_json_atomic(summary_file, summary)
    finally:
        con.close()
    return summary


def sales_summary(
    settings: Settings,
    clock: RunClock,
    batch: Batch,
    store: TableStore,
    summary_file: Path,
    by_file: list[tuple],
    counts: dict[str, dict[str, int]],
    rules: dict[str, dict[str, int]],
    tables: dict[str, dict[str, Any]],
    table_rows: dict[str, int],
) -> dict[str, Any]:
    input_dir = Path(settings.input)
    return run_summary(
        PIPELINE,
        clock,
        settings,
        inputs=[{"path": name, "rows": n} for _, name, n in by_file],
        rows_out=table_rows,
        rejects={f"{source}: {rule}": n for source, by_rule in rules.items() for rule, n in by_rule.items()},
        outputs=[
            {"path": path, "table": spec.label, "rows": rows} for spec in TABLES for path, rows in store.files(spec)
        ],
        check=check_balance(
            "bronze rows = silver rows + quarantined rows",
            sum(c["bronze_rows"] for c in counts.values()),
            sum(c["silver_rows"] + c["quarantined_rows"] for c in counts.values()),
        ),
        format=settings.format,
        batch_id=batch.batch_id,
        ingested_at=batch.ingested_at.isoformat(),
        input=str(input_dir),
        files={
            "sales": [relative_name(p, input_dir) for p in batch.sales_files],
            "customers": [relative_name(p, input_dir) for p in batch.customer_files],
        },
        counts=counts,
        quarantined_by_rule=rules,
        tables=tables,
        summary_file=str(summary_file),
    )


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
    for step in BUILD_STEPS:
        runner.execute(step)


def count_layers(runner: SqlRunner) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Rows per layer and quarantine rules; bronze must equal silver + quarantine."""
    counts = {}
    for source, bronze, silver, quarantined in runner.fetch("17_count_layers.sql"):
        if bronze != silver + quarantined:
            raise EtlError(f"{source}: {bronze} bronze rows but {silver} silver + {quarantined} quarantined")
        counts[source] = {"bronze_rows": bronze, "silver_rows": silver, "quarantined_rows": quarantined}
    rules: dict[str, dict[str, int]] = {"customers": {}, "sales": {}}
    for source, rule, n in runner.fetch("18_count_quarantine_rules.sql"):
        rules[source][rule] = n
    return counts, rules


def write_tables(
    runner: SqlRunner, store: TableStore, *, quiet: bool = True
) -> tuple[dict[str, dict[str, Any]], dict[str, int]]:
    """Bring each stored table to what SQL computed, writing only the changes;
    what each write did, and the rows each table holds now."""
    report, rows = {}, {}
    for spec in progress(TABLES, desc="writing", unit="table", quiet=quiet):
        report[spec.label], rows[spec.label] = write_table(runner, store, spec)
    return report, rows


def write_table(runner: SqlRunner, store: TableStore, spec: TableSpec) -> tuple[dict[str, Any], int]:
    desired = runner.con.table(spec.sql_name)
    previous = store.version(spec)
    stored_name = f"stored_{spec.sql_name}"
    if spec.layer != "bronze":  # bronze was read back (or made empty) in merge_bronze
        stored = store.read(spec)
        runner.con.register(stored_name, stored if stored is not None else desired.limit(0).to_arrow_table())
    runner.execute(
        "20_build_changes.sql",
        desired=spec.sql_name,
        stored=stored_name,
        columns=desired.columns,
        keys=list(spec.keys),
    )
    [(inserted, updated, deleted, rows)] = runner.fetch("21_count_changes.sql", desired=spec.sql_name)
    result: dict[str, Any] = {"previous_version": previous}
    result.update(inserted=inserted, updated=updated, deleted=deleted)
    if previous is None:
        store.create(spec, desired.to_arrow_table())
    elif inserted or updated or deleted:
        store.apply(spec, changes_table(runner.con))
    if previous is None or inserted or updated or deleted:
        touched = []
        if spec.partition_by:
            touched = [r[0] for r in runner.fetch("22_select_touched_partitions.sql", partition_by=spec.partition_by)]
        result["maintenance"] = store.maintain(spec, touched)
    result["version"] = store.version(spec)
    stored_rows = sum(n for _, n in store.files(spec))
    check_balance("rows the table must hold = rows in its data files", rows, stored_rows, where=spec.label)
    return result, rows


def changes_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.table("changes").to_arrow_table()


def spec_for(layer: str, name: str) -> TableSpec:
    return next(s for s in TABLES if s.layer == layer and s.name == name)
