"""`plot`: draw the PNG plots of a telemetry output folder (see etl/plots.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from etl.core.options import HelpFormatter, parse_date
from etl.core.progress import say

ORDER = 20

EXAMPLES = """\
examples:
  python etl_process.py plot --output output/
  python etl_process.py plot --output output/ --date 2024-06-05
  python etl_process.py plot --output output/ --phase 1 --module 2 --date 2024-06-05
  python etl_process.py --input data/ --output output/ --plots   (run the ETL, then plot)

Writes output/plots/<date>/module_p<phase>_m<module>.png (voltages, current,
state of charge, temperatures and cell voltages of one module over one UTC
day), and per day overview_soc.png (every module's state of charge) and
phase_currents.png. --phase/--module draw only those module figures (the
per-day figures show every module, so they are skipped); --date narrows all.
The plots read the hive layout only (not --layout hourly).
"""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "plot",
        parents=[common],
        help="PNG plots of the telemetry outputs: per module and day, SoC overview, phase currents",
        description=(
            "Draw the plots of a telemetry output folder from its parquet day files (never\n"
            "the raw input): one figure per phase/module and day, and per day a heat map of\n"
            "every module's state of charge and the phase currents."
        ),
        epilog=EXAMPLES,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--output", type=Path, default=Path("output"), help="the telemetry output folder")
    p.add_argument("--phase", help="only this phase's module figures (the value in phase=P)")
    p.add_argument("--module", help="only this module's figures (the value in module=M)")
    p.add_argument("--date", type=parse_date, help="only this UTC day (YYYY-MM-DD)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from etl.plots import plot_all

    made = plot_all(
        args.output,
        phase=args.phase,
        module=args.module,
        date=args.date.isoformat() if args.date else None,
        quiet=args.quiet,
        threads=args.threads,
        memory_limit=args.memory_limit,
    )
    say(f"plot: {len(made)} file(s) in {args.output / 'plots'}", quiet=args.quiet)
    return 0
