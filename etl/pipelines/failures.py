"""`failures`: equipment failure logs, sensor CSV and equipment JSON into
PostgreSQL (or embedded DuckDB), then three reports as CSV.

Steps: discover the inputs; open the store; in ONE transaction create the
model, load equipment (.json), sensors (.csv) and readings (.log), each read
in chunks, parsed by DuckDB SQL and shipped to the store, where SQL flags
what cannot be stored and inserts the rest; then run the reports in the store
and write each as a CSV. See docs/failures.md for the rules.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from etl.core.errors import EtlError
from etl.core.files import discover, relative_name, write_csv_atomic, write_json_atomic
from etl.core.options import HelpFormatter, parse_local_time, positive_int
from etl.core.paths import SAMPLES_DIR
from etl.core.progress import progress, say

if TYPE_CHECKING:
    from etl.failures_store import Store

ORDER = 70
DEFAULT_INPUT = SAMPLES_DIR / "failures"
DEFAULT_CHUNK_SIZE = 100_000
DEFAULT_FROM = dt.datetime(2020, 1, 1)
DEFAULT_TO = dt.datetime(2020, 2, 1)
DUCKDB_FILE = "failures.duckdb"
REPORTS = {
    "01_total_failures.sql": "total_failures.csv",
    "02_top_equipment.sql": "top_equipment.csv",
    "03_group_averages.sql": "group_averages.csv",
}
STAGES = {".json": "stage_equipment", ".csv": "stage_sensors", ".log": "stage_lines"}

DESCRIPTION = """\
Load equipment failure logs (.log), sensor-to-equipment maps (.csv, `;`) and
equipment lists (.json) from --input into PostgreSQL, normalized (equipment,
sensors, failure_readings with an hstore of every measurement, rejects), then
write three reports for the period [--from, --to) as CSV files in --output.

PostgreSQL settings come from --dsn, the libpq environment (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE, ...) or a .env file in the current folder.
Without any, the same model and reports run on an embedded DuckDB database
(--duckdb). Re-running on the same files changes nothing; lines that cannot be
stored are kept in the rejects table with their file, line and reason.
"""

EPILOG = """\
examples:
  python etl_process.py failures --output output/failures
  python etl_process.py failures --input ../shared/data/failures --output output/failures \\
      --dsn "host=localhost dbname=plant user=etl"
  PGHOST=db PGDATABASE=plant python etl_process.py failures --input logs/ --output out/ \\
      --from 2020-02-01 --to 2020-03-01
"""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "failures",
        parents=[common],
        help="equipment failure logs into PostgreSQL, with reports",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--input", type=Path, default=DEFAULT_INPUT, help="folder (or file) of .log, .csv and .json files")
    p.add_argument("--output", type=Path, required=True, help="folder for the report CSVs and the run summary")
    p.add_argument("--dsn", help="PostgreSQL connection string (libpq keywords or a postgresql:// URI)")
    p.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="file of PG* settings used when not in the environment"
    )
    p.add_argument(
        "--duckdb", type=Path, help=f"embedded database when no PostgreSQL is set (default: OUTPUT/{DUCKDB_FILE})"
    )
    p.add_argument(
        "--chunk-size", type=positive_int, default=DEFAULT_CHUNK_SIZE, metavar="N", help="lines read per chunk"
    )
    p.add_argument(
        "--from",
        dest="period_start",
        type=parse_local_time,
        default=DEFAULT_FROM,
        metavar="TIME",
        help="start of the report period, included (YYYY-MM-DD or YYYY-MM-DD hh:mm:ss)",
    )
    p.add_argument(
        "--to",
        dest="period_end",
        type=parse_local_time,
        default=DEFAULT_TO,
        metavar="TIME",
        help="end of the report period, excluded",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.period_start >= args.period_end:
        raise EtlError(f"--from {args.period_start} must be before --to {args.period_end}")
    files = discover(args.input, list(STAGES))
    if not files:
        raise EtlError(f"no .log, .csv or .json files in {args.input}")
    store = open_store(args)
    try:
        say(f"failures: storing in the {store.description}", quiet=args.quiet)
        with store.transaction():
            store.create_schema()
            loaded = [load_file(store, args.input, path, args.chunk_size, args.quiet) for path in by_kind(files)]
        reports = write_reports(store, args.output, args.period_start, args.period_end)
    finally:
        store.close()
    summary = {
        "store": store.description,
        "period": {"from": args.period_start, "to": args.period_end},
        "files": loaded,
        "reports": reports,
    }
    write_json_atomic(args.output / "failures_summary.json", summary)
    say_summary(loaded, reports, args.quiet)
    return 0


def open_store(args: argparse.Namespace) -> Store:
    """PostgreSQL when any setting names one; otherwise the embedded DuckDB database, said out loud."""
    # psycopg loads only when this command runs, not on every CLI start.
    from etl.failures_store import DuckDbStore, PostgresStore, postgres_settings

    settings = postgres_settings(args.dsn, args.env_file)
    if settings is not None:
        return PostgresStore(settings, threads=args.threads, memory_limit=args.memory_limit)
    path = args.duckdb or args.output / DUCKDB_FILE
    say(
        "failures: no PostgreSQL settings (--dsn, PGHOST/PGUSER/PGDATABASE/..., .env): "
        "using the embedded DuckDB database instead",
        quiet=args.quiet,
    )
    return DuckDbStore(path, threads=args.threads, memory_limit=args.memory_limit)


def by_kind(files: list[Path]) -> list[Path]:
    """Equipment first, then sensors, then logs: each kind's rows refer to the previous kind's."""
    order = list(STAGES)
    return sorted(files, key=lambda p: (order.index(p.suffix.lower()), p))


def load_file(store: Store, root: Path, path: Path, chunk_size: int, quiet: bool) -> dict[str, Any]:
    """Parse one file chunk by chunk in DuckDB, then flag and insert in the store."""
    stage = STAGES[path.suffix.lower()]
    params = {"source_file": relative_name(path, root), "path": path}
    counts = {"file": params["source_file"], "lines": 0, "accepted": 0, "new": 0, "rejected": 0}
    for chunk in progress(chunks(store, path, chunk_size), desc=path.name, unit="chunk", quiet=quiet):
        if chunk is not None:
            store.parse_con.register("raw_lines", chunk)
        store.parse_sql.execute(PARSE_STEPS[stage], params)
        store.receive(stage)
        counts["new"] += merge(store, stage)
        _, [(accepted, rejected)] = store.query(store.store_sql, "20_count_stage.sql", stage=stage)
        counts["accepted"] += accepted
        counts["rejected"] += rejected
        counts["lines"] += accepted + rejected
    return counts


PARSE_STEPS = {
    "stage_equipment": "01_read_equipment.sql",
    "stage_sensors": "02_parse_sensors.sql",
    "stage_lines": "03_parse_lines.sql",
}
MERGE_STEPS = {
    "stage_equipment": ["11_flag_equipment.sql", "12_insert_equipment.sql"],
    "stage_sensors": ["13_flag_sensors.sql", "14_flag_remapped_sensors.sql", "15_insert_sensors.sql"],
    "stage_lines": ["16_flag_unknown_sensors.sql", "17_flag_stored_readings.sql", "18_insert_readings.sql"],
}


def merge(store: Store, stage: str) -> int:
    """Flag what the stored model contradicts, insert the rest, keep the rejects; returns rows inserted."""
    *flags, insert = MERGE_STEPS[stage]
    for name in flags:
        store.run(store.store_sql, name)
    inserted = store.run(store.store_sql, insert)
    store.run(store.store_sql, "19_insert_rejects.sql", stage=stage)
    return inserted


def chunks(store: Store, path: Path, chunk_size: int) -> Iterator[pa.Table | None]:
    """Line-based files come as tables of at most `chunk_size` lines; a JSON array is read by DuckDB whole-stream."""
    if path.suffix.lower() == ".json":
        yield None
        return
    yield from read_line_chunks(path, chunk_size)


def read_line_chunks(path: Path, chunk_size: int) -> Iterator[pa.Table]:
    """(line_no, raw, decode_error) tables of at most `chunk_size` lines: memory stays flat.

    Only the `\\n` is taken off: the SQL strips a CR, so CRLF and LF files
    parse alike. Bytes that are not UTF-8 (or a NUL, which PostgreSQL text
    cannot hold) do not stop the load: the line is kept, readable, with a
    decode_error that makes it a reject.
    """
    line_nos: list[int] = []
    raws: list[str] = []
    errors: list[str | None] = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            raw, error = decode_line(line.removesuffix(b"\n"), first=number == 1)
            line_nos.append(number)
            raws.append(raw)
            errors.append(error)
            if len(line_nos) == chunk_size:
                yield line_table(line_nos, raws, errors)
                line_nos, raws, errors = [], [], []
    if line_nos:
        yield line_table(line_nos, raws, errors)


def decode_line(data: bytes, *, first: bool) -> tuple[str, str | None]:
    if first:
        data = data.removeprefix(b"\xef\xbb\xbf")
    error = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", "backslashreplace")
        error = f"not valid UTF-8 (byte {exc.start + 1})"
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
        error = error or "contains a NUL byte"
    return text, error


def line_table(line_nos: list[int], raws: list[str], errors: list[str | None]) -> pa.Table:
    return pa.table(
        {
            "line_no": pa.array(line_nos, pa.int64()),
            "raw": pa.array(raws, pa.string()),
            "decode_error": pa.array(errors, pa.string()),
        }
    )


def write_reports(store: Store, output: Path, period_start: dt.datetime, period_end: dt.datetime) -> dict[str, int]:
    """Each report's rows as a CSV, written to a temp file and renamed: never half a file."""
    params = {"period_start": period_start, "period_end": period_end}
    written = {}
    for sql_name, csv_name in REPORTS.items():
        columns, rows = store.query(store.report_sql, sql_name, params)
        write_csv_atomic(output / csv_name, columns, rows)
        written[csv_name] = len(rows)
    return written


def say_summary(loaded: list[dict[str, Any]], reports: dict[str, int], quiet: bool) -> None:
    for counts in loaded:
        say(
            f"  {counts['file']}: {counts['lines']:,} lines, {counts['accepted']:,} stored "
            f"({counts['new']:,} new), {counts['rejected']:,} rejected",
            quiet=quiet,
        )
    rejected = sum(c["rejected"] for c in loaded)
    if rejected:
        say(f"failures: {rejected:,} lines rejected: see the rejects table (file, line, text, reason)", quiet=quiet)
    say("failures: wrote " + ", ".join(f"{name} ({n} rows)" for name, n in reports.items()), quiet=quiet)
