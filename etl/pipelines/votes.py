"""The votes warehouse: `votes ingest` loads JSON-lines vote exports into
`blog_analysis.votes` without ever duplicating a vote, and `votes outliers`
(re)creates the view `blog_analysis.outlier_weeks` and prints it.

The two commands never run each other's steps: ingestion does not touch the
view, the outliers command does not load or create tables. All the logic
(parsing, validation, deduplication, the outlier rule) is in `sql/votes/`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import duckdb

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.files import discover
from etl.core.options import HelpFormatter
from etl.core.paths import PROJECT_ROOT, SAMPLES_DIR
from etl.core.progress import say

ORDER = 50
PIPELINE = "votes"
DEFAULT_DB = PROJECT_ROOT / "warehouse.db"
DEFAULT_INPUT = SAMPLES_DIR / "votes"
SUFFIXES = (".jsonl", ".ndjson")

CREATE_STEPS = ("01_create_schema.sql", "02_create_votes.sql", "03_create_rejects.sql")
LOAD_STEPS = ("04_stage_lines.sql", "05_classify_lines.sql", "06_insert_rejects.sql", "07_insert_votes.sql")


@dataclass(frozen=True)
class IngestCounts:
    """What one ingestion did with the input's non-blank lines."""

    loaded: int
    present: int
    rejected: int


def ingest(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> IngestCounts:
    """Load `paths` into the warehouse in one transaction.

    Either every file's new votes and rejects are committed together or,
    on any failure, nothing is: the warehouse stays as it was.
    """
    runner = SqlRunner(con, PIPELINE)
    params = {"paths": [str(p) for p in paths]}
    con.begin()
    try:
        for step in CREATE_STEPS:
            runner.execute(step)
        for step in LOAD_STEPS:
            runner.execute(step, params)
        [(loaded, present, rejected)] = runner.fetch("08_count_lines.sql")
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return IngestCounts(loaded=loaded, present=present, rejected=rejected)


def outlier_weeks(con: duckdb.DuckDBPyConnection, where: str = "the warehouse") -> list[tuple[int, int, int]]:
    """Recreate the view (so it always matches the shipped SQL) and read it.

    `where` names the warehouse in the error when it has no votes table.
    """
    runner = SqlRunner(con, PIPELINE)
    [(found,)] = runner.fetch("10_find_votes_table.sql")
    if not found:
        raise EtlError(f"{where} has no table blog_analysis.votes: run `votes ingest` first")
    runner.execute("11_create_outlier_weeks.sql")
    return runner.fetch("12_select_outlier_weeks.sql")


def input_files(root: Path) -> list[Path]:
    """The JSON-lines files to ingest, as absolute paths (the rejects table
    names them, and a file must be the same file whatever the working folder)."""
    files = discover(root, SUFFIXES)
    if not files:
        raise EtlError(f"no {' or '.join(SUFFIXES)} files under {root}")
    return [f.resolve() for f in files]


def run_ingest(args: argparse.Namespace) -> int:
    paths = input_files(args.input)
    db = Path(args.db)
    new_warehouse = not db.exists()
    con = connect(db, threads=args.threads, memory_limit=args.memory_limit)
    try:
        counts = ingest(con, paths)
    except BaseException:
        con.close()
        if new_warehouse:  # a failed first load leaves no empty warehouse behind
            for leftover in (db, db.with_name(db.name + ".wal")):
                leftover.unlink(missing_ok=True)
        raise
    con.close()
    files = "file" if len(paths) == 1 else "files"
    say(
        f"{len(paths)} {files} ingested into {args.db}: {counts.loaded} loaded, "
        f"{counts.present} skipped as already present, {counts.rejected} rejected",
        quiet=args.quiet,
    )
    if counts.rejected:
        say("rejected lines are in blog_analysis.votes_rejects (file, line_number, raw_text, reason)", quiet=args.quiet)
    return 0


def run_outliers(args: argparse.Namespace) -> int:
    if not Path(args.db).is_file():
        raise EtlError(f"warehouse not found: {args.db} (run `votes ingest` first)")
    con = connect(args.db, threads=args.threads, memory_limit=args.memory_limit)
    try:
        rows = outlier_weeks(con, str(args.db))
    finally:
        con.close()
    say(format_table(("Year", "WeekNumber", "VoteCount"), rows), quiet=args.quiet)
    return 0


def format_table(header: tuple[str, ...], rows: list[tuple]) -> str:
    """Right-aligned plain columns: readable in a terminal, easy to diff."""
    cells = [header, *[tuple(str(v) for v in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        PIPELINE,
        help="blog votes warehouse: ingest JSON lines, show outlier weeks",
        description=(
            "A DuckDB warehouse of blog votes (schema blog_analysis) without duplicates, and the\n"
            "view of the weeks whose vote count is an outlier. See docs/votes.md."
        ),
        epilog="examples:\n"
        "  python etl_process.py votes ingest --input ../shared/data/votes/votes.jsonl\n"
        "  python etl_process.py votes outliers",
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", title="actions", required=True)

    ingest_parser = actions.add_parser(
        "ingest",
        parents=[common],
        help="load JSON-lines vote files into blog_analysis.votes",
        description=(
            "Load one JSON-lines file, or every .jsonl/.ndjson file under a folder, into\n"
            "blog_analysis.votes in one transaction. A vote Id is stored once: a line whose Id\n"
            "is already present with the same content is skipped, with different content it is\n"
            "rejected. Malformed lines go to blog_analysis.votes_rejects with file, line number,\n"
            "raw text and reason. See docs/votes.md."
        ),
        epilog="examples:\n"
        "  python etl_process.py votes ingest\n"
        "  python etl_process.py votes ingest --input ../shared/data/votes/votes.jsonl --db warehouse.db",
        formatter_class=HelpFormatter,
    )
    ingest_parser.add_argument(
        "--input",
        type=Path,
        default=DEFAULT_INPUT,
        metavar="FILE_OR_FOLDER",
        help="a JSON-lines file or a folder of them",
    )
    add_db_option(ingest_parser)
    ingest_parser.set_defaults(func=run_ingest)

    outliers_parser = actions.add_parser(
        "outliers",
        parents=[common],
        help="recreate blog_analysis.outlier_weeks and print it",
        description=(
            "Recreate the view blog_analysis.outlier_weeks (the weeks whose vote count is more\n"
            "than 20 % away from the mean weekly count) and print its rows. Loads nothing.\n"
            "See docs/votes.md for the week convention."
        ),
        epilog="examples:\n"
        "  python etl_process.py votes outliers\n"
        "  python etl_process.py votes outliers --db /tmp/warehouse.db",
        formatter_class=HelpFormatter,
    )
    add_db_option(outliers_parser)
    outliers_parser.set_defaults(func=run_outliers)


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="FILE", help="the DuckDB warehouse file")
