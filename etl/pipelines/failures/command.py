"""`failures`: arguments -> Settings -> run, and the run's report on stdout."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from etl.core.options import HelpFormatter, parse_local_time, plural, positive_int, settings_from
from etl.core.progress import say
from etl.pipelines.failures.pipeline import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_FROM,
    DEFAULT_INPUT,
    DEFAULT_TO,
    DUCKDB_FILE,
    Settings,
    run,
)

ORDER = 70

DESCRIPTION = """\
Load equipment failure logs (.log), sensor-to-equipment maps (.csv, `;`) and
equipment lists (.json) from --input into PostgreSQL, normalized (equipment,
sensors, failure_readings with an hstore of every measurement, rejects), then
write three reports for the period [--from, --to) as CSV files in --output.

PostgreSQL settings come from --dsn, the DATABASE_URL environment variable,
the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...) or
a .env file in the current folder (PG* keys or DATABASE_URL). Without any, the
same model and reports run on an embedded DuckDB database (--duckdb).
Re-running on the same files changes nothing; lines that cannot be stored are
kept in the rejects table with their file, line and reason. One load at a time
writes an output folder or a PostgreSQL database: a second one stops with an
error.
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
    p.add_argument(
        "--dsn",
        help="PostgreSQL connection string (libpq keywords or a postgresql:// URI; default: $DATABASE_URL)",
    )
    p.add_argument(
        "--env-file",
        type=Path,
        default=Path(".env"),
        help="file of PG* settings and DATABASE_URL, used when not in the environment",
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
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    summary = run(settings_from(args, Settings))
    say_summary(summary["files"], summary["reports"], args.quiet)
    return 0


def say_summary(loaded: list[dict[str, Any]], reports: dict[str, int], quiet: bool) -> None:
    for counts in loaded:
        say(
            f"  {counts['file']}: {plural(counts['lines'], 'line')}, {counts['accepted']:,} stored "
            f"({counts['new']:,} new), {counts['rejected']:,} rejected",
            quiet=quiet,
        )
    rejected = sum(c["rejected"] for c in loaded)
    if rejected:
        say(
            f"failures: {plural(rejected, 'line')} rejected: see the rejects table (file, line, text, reason)",
            quiet=quiet,
        )
    say("failures: wrote " + ", ".join(f"{name} ({plural(n, 'row')})" for name, n in reports.items()), quiet=quiet)
