"""`telemetry` (the default command), `generate-telemetry` and `plot`:
arguments -> Settings -> run, and the one-line reports."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from etl.core.errors import EtlError
from etl.core.files import ensure_folder
from etl.core.options import (
    HelpFormatter,
    location,
    parse_date,
    parse_duration,
    plural,
    positive_int,
    settings_from,
)
from etl.core.progress import say
from etl.core.storage import is_remote
from etl.pipelines.telemetry.days import date_span, step_problem

ORDER = 10

RUN_EXAMPLES = """\
examples:
  python etl_process.py --input data/ --output output/
  python etl_process.py telemetry --input data/ --output output/ --layout hourly
  python etl_process.py telemetry --input data/ --output output/ --fill forward --max-gap 30s
  python etl_process.py telemetry --input data/ --output output/ --every 1m --fill linear --max-gap 5m
  python etl_process.py telemetry --input data/ --output output/ --on-bad-file skip --full-refresh
  python etl_process.py --input data/ --output output/ --cluster local:2
  python etl_process.py --input s3://raw/system-0001/ --output s3://clean/system-0001/ --cluster tcp://sched:8786
  python etl_process.py --input s3://raw/fleet/ --output s3://clean/fleet/ --fleet --cluster tcp://sched:8786

Outputs: output/modules/phase=P/module=M/date=YYYY-MM-DD/data_0.parquet,
output/phases/phase=P/date=.../, output/system/date=.../, rejected readings in
output/_rejects/, data quality per series and signal in output/_quality/, the
run summary in output/_summary.json. Re-running only
recomputes the days whose input files changed. In an s3:// output each file
is an object named after its build (data_0.<build>.parquet) and the day's
state record says which: read them with telemetry-files. S3 takes the AWS_*
variables (AWS_ENDPOINT_URL for any S3-compatible store); see docs/scale.md.
"""

FILES_EXAMPLES = """\
examples:
  python etl_process.py telemetry-files --output output/ --dataset modules --date 2024-06-05
  python etl_process.py telemetry-files --output s3://fleet-data/out/system-0001/
"""

GENERATE_EXAMPLES = """\
examples:
  python etl_process.py generate-telemetry --output data/
  python etl_process.py generate-telemetry --output /tmp/full --days 78 --preset full
"""

PLOT_EXAMPLES = """\
examples:
  python etl_process.py plot --output output/
  python etl_process.py plot --output output/ --date 2024-06-05
  python etl_process.py plot --output output/ --phase 1 --module 2 --date 2024-06-05
  python etl_process.py plot --output output/ --date 2024-06-05 --whole-day
  python etl_process.py --input data/ --output output/ --plots   (run the ETL, then plot)

Writes output/plots/<date>/module_p<phase>_m<module>.png (voltages, current,
state of charge, temperatures and cell voltages of one module over one UTC
day), per day overview_soc.png (every module's state of charge),
phase_currents.png and coverage.png (every signal's coverage per 15 minutes,
against its normal cadence), and output/plots/overview.png (every module by
day: coverage and cell voltage spread). The figures are drawn on every core
(--threads N worker processes); a figure whose inputs did not change since it
was drawn is not drawn again (delete output/plots/.drawn.json to force it).
--phase/--module draw only those module figures (the per-day figures show
every module, so they are skipped); --date narrows all.
The time axis is zoomed to the readings, with hours without any cut out and
marked; --whole-day draws 00:00-24:00 UTC. Currents: positive = discharging.
The plots read the hive layout only (not --layout hourly).
"""


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "telemetry",
        parents=[common],
        help="raw telemetry day files -> phase/module 5-second day files (the default command)",
        description=(
            "Turn raw long-format telemetry (parquet, CSV, JSON) into one parquet day file per\n"
            "phase/module, per phase and for the system, on a strict 5-second UTC grid."
        ),
        epilog=RUN_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    p.add_argument(
        "--input",
        type=location,
        default=Path("data"),
        metavar="DIR_OR_S3",
        help="folder (or s3://bucket/prefix/) of raw day files, searched recursively",
    )
    p.add_argument(
        "--output", type=location, default=Path("output"), metavar="DIR_OR_S3", help="output folder or s3:// prefix"
    )
    p.add_argument(
        "--layout",
        choices=("hive", "hourly"),
        default="hive",
        help="hive: modules/phase=P/module=M/date=D/; hourly: {phase}_{module}/YYYY/MM/DD/HH.parquet",
    )
    p.add_argument(
        "--every",
        type=grid_step,
        default=dt.timedelta(seconds=5),
        metavar="DURATION",
        help="the grid step: any whole number of seconds dividing a day (1s, 10s, 1m, 15m, 1h)",
    )
    p.add_argument(
        "--fill",
        choices=("none", "forward", "linear"),
        default="none",
        help="none: empty buckets stay NULL; forward: carry the last non-empty bucket's value; linear: the "
        "straight line between the non-empty buckets either side (text signals carry forward); both at most "
        "--max-gap from the non-empty bucket's start",
    )
    p.add_argument(
        "--max-gap",
        type=parse_duration,
        default=dt.timedelta(seconds=30),
        metavar="DURATION",
        help="with --fill, the longest distance between a non-empty bucket's start and a bucket it fills "
        "(forward), or between the two buckets a line joins (linear), e.g. 30s, 2m",
    )
    p.add_argument(
        "--text-signals",
        default="system_state",
        metavar="NAMES",
        help="comma-separated payload types whose values are text (last value per bucket)",
    )
    p.add_argument(
        "--on-bad-file",
        choices=("fail", "skip"),
        default="fail",
        help="fail: stop at a bad input file; skip: quarantine it, list it in the summary, go on",
    )
    p.add_argument("--full-refresh", action="store_true", help="rebuild every day, not only the changed ones")
    p.add_argument(
        "--allow-removal",
        action="store_true",
        help="let a run delete all or most published days when their input files are gone (without it, "
        "the run stops: a wrong --input or an emptied folder deletes nothing)",
    )
    p.add_argument("--strict", action="store_true", help="an input without any input file is an error, not a warning")
    p.add_argument("--plots", action="store_true", help="make the plots right after the run (a local output)")
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="build the days on the Dask scheduler at ADDRESS (tcp://host:8786), or on a local cluster of N "
        "worker processes started for the run (local[:N]; default: this machine's threads)",
    )
    p.add_argument(
        "--fleet",
        action="store_true",
        help="the input holds one folder per system (<input>/<system_id>/YYYY/MM/DD/...): "
        "each gets <output>/<system_id>/ with its own state; all days in one queue",
    )
    p.set_defaults(func=run_command, memory_default="600MB", parser=p)

    f = subparsers.add_parser(
        "telemetry-files",
        parents=[common],
        help="list the published day files of a telemetry output (local or s3://), through its state",
        description=(
            "Print where every published day file of a telemetry output is, one per line, read\n"
            "from the output's state: for an s3:// output, the objects each day points to now,\n"
            "so a reader never mixes two builds of a day. Filter by dataset and day."
        ),
        epilog=FILES_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    f.add_argument("--output", type=location, default=Path("output"), metavar="DIR_OR_S3", help="the telemetry output")
    f.add_argument(
        "--dataset", choices=("modules", "phases", "system", "_rejects", "_quality"), help="only this dataset's files"
    )
    f.add_argument("--date", type=parse_date, help="only this UTC day (YYYY-MM-DD)")
    f.set_defaults(func=files_command)

    g = subparsers.add_parser(
        "generate-telemetry",
        parents=[common],
        help="write realistic raw telemetry day files (the bundled sample, benchmarks)",
        description=(
            "Write raw telemetry day files like the real exporter's: the long schema, the real\n"
            "cadences, exact duplicates from re-sends, gaps, and a second exporter on some days."
        ),
        epilog=GENERATE_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    g.add_argument("--output", type=Path, required=True, help="folder to write YYYY/MM/DD/*.parquet into")
    g.add_argument("--start", type=parse_date, default=dt.date(2024, 6, 5), help="first day (UTC)")
    g.add_argument("--days", type=positive_int, default=2, help="number of days")
    g.add_argument(
        "--preset",
        choices=("sample", "full"),
        default="sample",
        help="sample: 2 phases x 2 modules, a few hours a day; full: 3 x 8 modules, the export's volume",
    )
    g.add_argument("--seed", type=int, default=7, help="random seed (same seed, same files)")
    g.set_defaults(func=generate_command)

    p = subparsers.add_parser(
        "plot",
        parents=[common],
        help="PNG plots of the telemetry outputs: per module and day, SoC overview, phase currents, coverage",
        description=(
            "Draw the plots of a telemetry output folder from its parquet day files (never\n"
            "the raw input): one figure per phase/module and day, and per day a heat map of\n"
            "every module's state of charge and the phase currents."
        ),
        epilog=PLOT_EXAMPLES,
        formatter_class=HelpFormatter,
    )
    p.add_argument("--output", type=Path, default=Path("output"), help="the telemetry output folder")
    p.add_argument("--phase", help="only this phase's module figures (the value in phase=P)")
    p.add_argument("--module", help="only this module's figures (the value in module=M)")
    p.add_argument("--date", type=parse_date, help="only this UTC day (YYYY-MM-DD)")
    p.add_argument(
        "--whole-day",
        action="store_true",
        help="a time axis from 00:00 to 24:00 UTC (default: zoomed to the readings, hours without any cut out)",
    )
    p.set_defaults(func=plot_command)


def grid_step(text: str) -> dt.timedelta:
    step = parse_duration(text)
    problem = step_problem(step.total_seconds())
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r}: {problem}")
    return step


def run_command(args: argparse.Namespace) -> int:
    from etl.pipelines.telemetry.pipeline import Settings, run

    problem = step_problem(args.every.total_seconds(), hourly=args.layout == "hourly")
    if problem:
        args.parser.error(f"argument --every: {problem}")

    settings = settings_from(
        args,
        Settings,
        text_signals=tuple(s.strip() for s in args.text_signals.split(",") if s.strip()),
        memory_limit=args.memory_limit or args.memory_default,
    )
    if args.plots and is_remote(args.output):
        raise EtlError("--plots reads a local output folder; plot a downloaded copy of an s3:// output")
    summary = run(settings)
    if args.fleet:
        say_fleet(summary, args)
        if args.plots:
            from etl.pipelines.telemetry.plots import plot_all

            for name in summary["systems"]:
                plot_all(args.output / name, quiet=args.quiet)
        return 0
    run_part = summary["run"]
    if not summary["inputs"]["files"] and not summary["quarantined"]:
        print(f"Warning: no input files under {args.input} (use --strict to make this an error)", file=sys.stderr)
    patched = f" ({len(run_part['days_patched'])} patched)" if run_part["days_patched"] else ""
    conflicting = f", {run_part['conflicting']:,} conflicting (kept)" if run_part["conflicting"] else ""
    gone = run_part["days_removed"]
    removed = f", {len(gone)} day(s) removed ({date_span(gone)})" if gone else ""
    say(
        f"telemetry: {len(run_part['days_written'])} day(s) written{patched}, {run_part['days_unchanged']} unchanged, "
        f"{plural(run_part['rows_read'], 'row')} read, {plural(run_part['duplicates_removed'], 'duplicate')} removed, "
        f"{run_part['rejected']:,} rejected{conflicting}, {len(summary['quarantined'])} file(s) quarantined{removed}, "
        f"{summary['wall_seconds']:.1f} s -> {args.output}",
        quiet=args.quiet,
    )
    if args.plots:
        from etl.pipelines.telemetry.plots import plot_all

        made = plot_all(args.output, quiet=args.quiet)
        say(f"plots: {plot_counts(made)} in {args.output / 'plots'}", quiet=args.quiet)
    return 0


def say_fleet(summary: dict[str, Any], args: argparse.Namespace) -> None:
    systems = summary["systems"].values()
    written = sum(len(s["days_written"]) for s in systems)
    unchanged = sum(s["days_unchanged"] for s in systems)
    say(
        f"telemetry: {len(summary['systems'])} system(s), {written} day(s) written, {unchanged} unchanged, "
        f"{sum(s['rows_read'] for s in systems):,} rows read, {sum(s['quarantined'] for s in systems)} file(s) "
        f"quarantined, {summary['wall_seconds']:.1f} s -> {args.output}",
        quiet=args.quiet,
    )


def files_command(args: argparse.Namespace) -> int:
    from etl.pipelines.telemetry.publishing import list_published

    for place in list_published(args.output, dataset=args.dataset, date=args.date.isoformat() if args.date else None):
        print(place)
    return 0


def generate_command(args: argparse.Namespace) -> int:
    from etl.pipelines.telemetry.generator import generate

    ensure_folder(args.output)
    written = generate(args.output, start=args.start, days=args.days, preset=args.preset, seed=args.seed)
    say(
        f"generate-telemetry: {written['files']} file(s), {plural(written['rows'], 'row')} -> {args.output}",
        quiet=args.quiet,
    )
    return 0


def plot_command(args: argparse.Namespace) -> int:
    from etl.pipelines.telemetry.plots import plot_all

    made = plot_all(
        args.output,
        phase=args.phase,
        module=args.module,
        date=args.date.isoformat() if args.date else None,
        quiet=args.quiet,
        threads=args.threads,
        memory_limit=args.memory_limit,
        whole_day=args.whole_day,
    )
    say(f"plot: {plot_counts(made)} in {args.output / 'plots'}", quiet=args.quiet)
    return 0


def plot_counts(made: Any) -> str:
    removed = f", {len(made.removed)} removed" if made.removed else ""
    return f"{len(made.drawn)} drawn, {len(made.unchanged)} unchanged{removed}"
