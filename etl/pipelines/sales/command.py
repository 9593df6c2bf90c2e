"""`sales`: arguments -> Settings -> run, and the run's report on stdout."""

from __future__ import annotations

import argparse
from pathlib import Path

from etl.core.options import HelpFormatter, plural, settings_from
from etl.core.progress import say
from etl.pipelines.sales.pipeline import DEFAULT_INPUT, DEFAULT_OUTPUT, PIPELINE, Settings, run
from etl.pipelines.sales.tables import FORMATS

ORDER = 40

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
OUTPUT/<format>/_summary.json. See docs/sales.md for every rule.
"""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        PIPELINE,
        parents=[common],
        help="customers and sales into bronze/silver/gold Delta or Iceberg tables",
        description=(
            "Load customer (Parquet) and sales (CSV) exports into a lakehouse: bronze keeps the rows\n"
            "as received, silver the typed rows that pass every quality rule (the rest go to quarantine\n"
            "with the rule), gold a customer dimension, a sales fact and a gender x age band report.\n"
            "Tables are upserted by key: a re-run changes nothing, a correction changes only its rows."
        ),
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--input", type=Path, default=DEFAULT_INPUT, metavar="DIR", help="folder of input files")
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="DIR", help="lakehouse folder")
    p.add_argument("--format", choices=FORMATS, default="delta", help="open table format to write")
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    summary = run(settings_from(args, Settings))
    for source, counts in summary["counts"].items():
        say(
            f"{source}: {plural(counts['bronze_rows'], 'row')} in bronze = {counts['silver_rows']:,} in silver"
            f" + {counts['quarantined_rows']:,} quarantined",
            quiet=args.quiet,
        )
    for label, table in summary["tables"].items():
        say(
            f"{label}: {table['inserted']:,} inserted, {table['updated']:,} updated, {table['deleted']:,} deleted"
            f" (version {table['previous_version']} -> {table['version']})",
            quiet=args.quiet,
        )
    say(f"summary: {summary['summary_file']}", quiet=args.quiet)
    return 0
