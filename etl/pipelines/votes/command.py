"""`votes ingest` and `votes outliers`: arguments -> Settings -> run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from etl.core.options import HelpFormatter, plural, settings_from
from etl.core.progress import say
from etl.pipelines.votes.pipeline import DEFAULT_DB, DEFAULT_INPUT, PIPELINE, Settings, run

ORDER = 50


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


def run_ingest(args: argparse.Namespace) -> int:
    summary = run(settings_from(args, Settings))
    counts: dict[str, Any] = summary["counts"]
    files = summary["inputs"]["files"]
    say(
        f"{plural(files, 'file')} ingested into {args.db}: {counts['loaded']:,} loaded, "
        f"{counts['present']:,} skipped as already present, {counts['rejected']:,} rejected",
        quiet=args.quiet,
    )
    if counts["rejected"]:
        say("rejected lines are in blog_analysis.votes_rejects (file, line_number, raw_text, reason)", quiet=args.quiet)
    return 0


def run_outliers(args: argparse.Namespace) -> int:
    summary = run(settings_from(args, Settings))
    rows = [(w["year"], w["week"], w["votes"]) for w in summary["weeks"]]
    say(format_table(("Year", "WeekNumber", "VoteCount"), rows), quiet=args.quiet)
    return 0


def format_table(header: tuple[str, ...], rows: list[tuple]) -> str:
    """Right-aligned plain columns: readable in a terminal, easy to diff."""
    cells = [header, *[tuple(str(v) for v in row) for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells)
