"""`spending`: arguments -> Settings -> run, and the run's report on stdout."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from etl.core.options import HelpFormatter, plural, settings_from
from etl.core.progress import say
from etl.pipelines.spending.pipeline import (
    CHART_PNG,
    COMBINED_CSV,
    DEFAULT_INPUT,
    DEFAULT_OUTPUT,
    PIPELINE,
    SUMMARY_CSV,
    Settings,
    run,
)

ORDER = 60


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        PIPELINE,
        parents=[common],
        help="age-group spending report from customers.csv and purchases.csv",
        description=(
            "Join customers.csv and purchases.csv on customer_id (nothing dropped: customers\n"
            "without purchases and purchases without a customer are kept), group every row\n"
            "by age (Under 18, Young 18-29, Middle-aged 30-44, Senior 45+, Unknown age,\n"
            "No customer record) and write combined_data.csv, age_group_spending.csv and\n"
            "total_spending_by_age_group.png. See docs/spending.md."
        ),
        epilog=(
            "examples:\n"
            "  python etl_process.py spending --output output/spending/\n"
            "  python etl_process.py spending --input ../shared/data/spending --output output/spending/\n"
            "  python etl_process.py spending --input ../shared/data/spending --output out/ --currency USD"
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--input",
        type=Path,
        default=DEFAULT_INPUT,
        metavar="DIR",
        help="folder holding customers.csv and purchases.csv (default: the bundled sample, samples/spending/)",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help="folder for the three outputs (default: output/spending/)",
    )
    p.add_argument(
        "--currency",
        metavar="UNIT",
        help="currency of the price column, shown on the chart's axis (the data does not say; default: not stated)",
    )
    p.set_defaults(func=run_command)


def run_command(args: argparse.Namespace) -> int:
    summary = run(settings_from(args, Settings))
    counts = summary["counts"]
    say(
        f"spending: {plural(counts['customers'], 'customer')}, {plural(counts['purchases'], 'purchase')}"
        f" -> {plural(counts['combined_rows'], 'combined row')}",
        quiet=args.quiet,
    )
    repeats = counts["duplicate_purchase_rows"]
    say(
        f"  {plural(counts['customers_without_purchases'], 'customer')} without purchases,"
        f" {plural(counts['purchases_without_customer'], 'purchase')} without a customer,"
        f" {plural(repeats, 'purchase row')} that exactly {'repeats' if repeats == 1 else 'repeat'}"
        " an earlier one (kept)",
        quiet=args.quiet,
    )
    say(f"  total spending {counts['report_total']:,} (= the sum of every price)", quiet=args.quiet)
    say(f"wrote {COMBINED_CSV}, {SUMMARY_CSV}, {CHART_PNG} to {args.output}", quiet=args.quiet)
    return 0
