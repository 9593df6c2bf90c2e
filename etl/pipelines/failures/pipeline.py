"""`failures`: equipment failure logs, sensor CSV and equipment JSON into
PostgreSQL (or embedded DuckDB), then three reports as CSV.

Steps: discover the inputs; open the store; in ONE transaction create the
model, load equipment (.json), sensors (.csv) and readings (.log), each read
in chunks, parsed by DuckDB SQL and shipped to the store, where SQL flags
what cannot be stored and inserts the rest; then run the reports in the store
and write each as a CSV. See docs/failures.md for the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl.core.errors import EtlError
from etl.core.files import discover, relative_name, write_csv_atomic
from etl.core.locking import locked_output
from etl.core.paths import SAMPLES_DIR
from etl.core.progress import progress, say
from etl.core.summary import RunClock, check_balance, run_summary, write_summary
from etl.pipelines.failures.lines import read_line_chunks

if TYPE_CHECKING:
    import pyarrow as pa

    from etl.pipelines.failures.stores import Store

PIPELINE = "failures"
DEFAULT_INPUT = SAMPLES_DIR / "failures"
DEFAULT_CHUNK_SIZE = 100_000
DEFAULT_FROM = dt.datetime(2020, 1, 1)
DEFAULT_TO = dt.datetime(2020, 2, 1)
DUCKDB_FILE = "failures.duckdb"
LOCK_NAME = ".failures.lock"  # in the output folder, while a run writes there
STAGES = {".json": "stage_equipment", ".csv": "stage_sensors", ".log": "stage_lines"}
TABLES = {"stage_equipment": "equipment", "stage_sensors": "sensors", "stage_lines": "failure_readings"}

# The SQL files, folder by folder, in the order a run uses them.
# sql/failures: parse one chunk into its stage table (DuckDB).
PARSE_STEPS = {
    "stage_equipment": "01_read_equipment.sql",
    "stage_sensors": "02_parse_sensors.sql",
    "stage_lines": "03_parse_lines.sql",
}
SELECT_STAGE = "04_select_stage.sql"
COUNT_PARSED = "05_count_stage.sql"
# sql/failures/postgres: what only PostgreSQL needs.
POSTGRES_LOCK = "01_lock_load.sql"
POSTGRES_LOCK_HOLDER = "02_find_load_holder.sql"  # only when the lock is taken
POSTGRES_HSTORE = "03_create_hstore.sql"
POSTGRES_STAGE_TABLES = (
    "04_create_stage_equipment.sql",
    "05_create_stage_sensors.sql",
    "06_create_stage_lines.sql",
)
POSTGRES_CLEAR_STAGE = "07_clear_stage.sql"
# sql/failures/store: the model, then per chunk flag, insert, keep rejects, count.
SCHEMA_STEPS = (
    "01_create_equipment.sql",
    "02_create_sensors.sql",
    "03_create_failure_readings.sql",
    "04_create_readings_time_index.sql",
    "05_create_rejects.sql",
)
MERGE_STEPS = {
    "stage_equipment": ("11_flag_equipment.sql", "12_insert_equipment.sql"),
    "stage_sensors": ("13_flag_sensors.sql", "14_flag_remapped_sensors.sql", "15_insert_sensors.sql"),
    "stage_lines": ("16_flag_unknown_sensors.sql", "17_flag_stored_readings.sql", "18_insert_readings.sql"),
}
INSERT_REJECTS = "19_insert_rejects.sql"
COUNT_STAGE = "20_count_stage.sql"
COUNT_REJECTS = "21_count_rejects.sql"
# sql/failures/report: one CSV each.
REPORTS = {
    "01_total_failures.sql": "total_failures.csv",
    "02_top_equipment.sql": "top_equipment.csv",
    "03_group_averages.sql": "group_averages.csv",
}
STEPS = {
    PIPELINE: (*PARSE_STEPS.values(), SELECT_STAGE, COUNT_PARSED),
    f"{PIPELINE}/postgres": (
        POSTGRES_LOCK,
        POSTGRES_LOCK_HOLDER,
        POSTGRES_HSTORE,
        *POSTGRES_STAGE_TABLES,
        POSTGRES_CLEAR_STAGE,
    ),
    f"{PIPELINE}/store": (
        *SCHEMA_STEPS,
        *(name for steps in MERGE_STEPS.values() for name in steps),
        INSERT_REJECTS,
        COUNT_STAGE,
        COUNT_REJECTS,
    ),
    f"{PIPELINE}/report": tuple(REPORTS),
}


@dataclass
class Settings:
    """Load every .log, .csv and .json file under `input` into the store, then
    write the reports for [period_start, period_end) into `output`.

    The store is PostgreSQL when `dsn`, `DATABASE_URL`, the libpq environment
    or `env_file` name one, else the embedded DuckDB database `duckdb` (default
    `output`/failures.duckdb).
    """

    output: Path
    input: Path = DEFAULT_INPUT
    dsn: str | None = None
    env_file: Path = Path(".env")
    duckdb: Path | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    period_start: dt.datetime = DEFAULT_FROM
    period_end: dt.datetime = DEFAULT_TO
    threads: int | None = None
    memory_limit: str | None = None
    quiet: bool = True


def run(settings: Settings) -> dict[str, Any]:
    """Load, then report; returns the run summary, also written to `output`/_summary.json."""
    clock = RunClock()
    if settings.period_start >= settings.period_end:
        raise EtlError(f"--from {settings.period_start} must be before --to {settings.period_end}")
    root = Path(settings.input)
    files = discover(root, list(STAGES))
    if not files:
        raise EtlError(f"no .log, .csv or .json files in {root}")
    for path in files:
        check_not_empty(path)
    # One run at a time writes an output folder; on PostgreSQL, one load at a
    # time loads a database (the store's transaction holds its lock).
    with locked_output(Path(settings.output), LOCK_NAME) as output:
        store = open_store(settings)
        try:
            say(f"failures: storing in the {store.description}", quiet=settings.quiet)
            with store.transaction():
                store.create_schema(SCHEMA_STEPS)
                loaded = [load_file(store, root, path, settings.chunk_size, settings.quiet) for path in by_kind(files)]
            reports = write_reports(store, output, settings.period_start, settings.period_end)
        finally:
            store.close()
        summary = failures_summary(settings, clock, store.description, loaded, reports)
        write_summary(output, summary)
    return summary


def check_not_empty(path: Path) -> None:
    """A JSON file holds one array, so an empty one is not zero items but no
    equipment list at all: loading on would reject every sensor and reading
    for want of equipment. (An empty .log or .csv is simply zero lines.)"""
    if path.suffix.lower() != ".json":
        return
    with path.open("rb") as fh:
        while block := fh.read(1 << 16):
            if block.strip():
                return
    raise EtlError(f"{path}: the file is empty (expected a JSON array of {{equipment_id, code, group_name}} items)")


def failures_summary(
    settings: Settings, clock: RunClock, store: str, loaded: list[dict[str, Any]], reports: dict[str, int]
) -> dict[str, Any]:
    rows_out: dict[str, int] = {}
    rejects: dict[str, int] = {}
    for counts in loaded:
        rows_out[counts["table"]] = rows_out.get(counts["table"], 0) + counts["accepted"]
        for kind, n in counts["rejects"].items():
            rejects[kind] = rejects.get(kind, 0) + n
    lines = sum(c["lines"] for c in loaded)
    accounted = sum(c["accepted"] + c["rejected"] for c in loaded)
    return run_summary(
        PIPELINE,
        clock,
        settings,
        inputs=[{"path": c["file"], "rows": c["lines"]} for c in loaded],
        rows_out=rows_out,
        rejects=dict(sorted(rejects.items())),
        outputs=[{"path": name, "rows": n} for name, n in reports.items()],
        check=check_balance("lines parsed = stored + rejected", lines, accounted),
        store=store,
        period={"from": settings.period_start, "to": settings.period_end},
        files=[{k: v for k, v in c.items() if k not in ("table", "rejects")} for c in loaded],
        reports=reports,
    )


def open_store(settings: Settings) -> Store:
    """PostgreSQL when any setting names one; otherwise the embedded DuckDB database, said out loud."""
    # psycopg loads only when this pipeline runs, not on every CLI start.
    from etl.pipelines.failures.stores import DuckDbStore, PostgresStore, postgres_settings

    pg = postgres_settings(settings.dsn, Path(settings.env_file))
    if pg is not None:
        return PostgresStore(pg, threads=settings.threads, memory_limit=settings.memory_limit)
    path = Path(settings.duckdb) if settings.duckdb else Path(settings.output) / DUCKDB_FILE
    say(
        "failures: no PostgreSQL settings (--dsn, DATABASE_URL, PGHOST/PGUSER/PGDATABASE/..., .env): "
        "using the embedded DuckDB database instead",
        quiet=settings.quiet,
    )
    return DuckDbStore(path, threads=settings.threads, memory_limit=settings.memory_limit)


def by_kind(files: list[Path]) -> list[Path]:
    """Equipment first, then sensors, then logs: each kind's rows refer to the previous kind's."""
    order = list(STAGES)
    return sorted(files, key=lambda p: (order.index(p.suffix.lower()), p))


def load_file(store: Store, root: Path, path: Path, chunk_size: int, quiet: bool) -> dict[str, Any]:
    """Parse one file chunk by chunk in DuckDB, then flag and insert in the store.

    `lines` counts the lines parsed (a JSON array: its items, as DuckDB
    reads it whole); every one must come back stored or rejected. Only a
    sensor file's header line is read and not parsed.
    """
    stage = STAGES[path.suffix.lower()]
    params = {"source_file": relative_name(path, root), "path": path}
    counts: dict[str, Any] = {"file": params["source_file"], "lines": 0, "accepted": 0, "new": 0, "rejected": 0}
    rejects: dict[str, int] = {}
    for chunk in progress(chunks(path, chunk_size), desc=path.name, unit="chunk", quiet=quiet):
        if chunk is not None:
            store.parse_con.register("raw_lines", chunk)
        store.parse_sql.execute(PARSE_STEPS[stage], params)
        [(parsed,)] = store.parse_sql.fetch(COUNT_PARSED, stage=stage)
        if chunk is not None:
            header = int(stage == "stage_sensors" and chunk["line_no"][0].as_py() == 1 and chunk.num_rows > parsed)
            check_balance("lines read = header + lines parsed", chunk.num_rows, header + parsed, where=str(path))
        store.receive(stage)
        counts["new"] += merge(store, stage)
        _, [(accepted, rejected)] = store.query(store.store_sql, COUNT_STAGE, stage=stage)
        _, kinds = store.query(store.store_sql, COUNT_REJECTS, stage=stage)
        check_balance("lines parsed = stored + rejected", parsed, accepted + rejected, where=str(path))
        counts["accepted"] += accepted
        counts["rejected"] += rejected
        counts["lines"] += parsed
        for kind, n in kinds:
            rejects[kind] = rejects.get(kind, 0) + n
    return {**counts, "table": TABLES[stage], "rejects": rejects}


def chunks(path: Path, chunk_size: int) -> Iterator[pa.Table | None]:
    """Line-based files come as tables of at most `chunk_size` lines; a JSON array is read by DuckDB whole-stream."""
    if path.suffix.lower() == ".json":
        yield None
        return
    yield from read_line_chunks(path, chunk_size)


def merge(store: Store, stage: str) -> int:
    """Flag what the stored model contradicts, insert the rest, keep the rejects; returns rows inserted."""
    *flags, insert = MERGE_STEPS[stage]
    for name in flags:
        store.run(store.store_sql, name)
    inserted = store.run(store.store_sql, insert)
    store.run(store.store_sql, INSERT_REJECTS, stage=stage)
    return inserted


def write_reports(store: Store, output: Path, period_start: dt.datetime, period_end: dt.datetime) -> dict[str, int]:
    """Each report's rows as a CSV, written to a temp file and renamed: never half a file."""
    params = {"period_start": period_start, "period_end": period_end}
    written = {}
    for sql_name, csv_name in REPORTS.items():
        columns, rows = store.query(store.report_sql, sql_name, params)
        write_csv_atomic(output / csv_name, columns, rows)
        written[csv_name] = len(rows)
    return written
