"""The telemetry pipeline: raw long-format day files in, one parquet day file
per phase/module (and per phase, and for the system) on a 5-second grid out.

`run` reads top to bottom as the pipeline; each step is a module:
  1. index the input files into the run state (indexing.py, inputs.py),
  2. plan the UTC days whose inputs changed (planning.py),
  3. build each such day on the day builds (scheduling.py): place its
     readings (placing.py), pivot every dataset onto the grid and write its
     files (building.py), or patch a day that only gained late files
     (patching.py),
  4. publish each day's files atomically and remember what made them, then
     the DuckDB views (publishing.py),
  5. write the run summary, checking that every row is accounted for
     (summary.py).
Memory grows with one day's data, never with the history.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.core.engine import SqlRunner, connect, parse_size
from etl.core.errors import EtlError
from etl.core.storage import ObjectStore, is_remote
from etl.core.summary import RunClock
from etl.pipelines.telemetry.days import DEFAULT_STEP, step_problem
from etl.pipelines.telemetry.fleet import fleet_summary, fleet_systems
from etl.pipelines.telemetry.indexing import index_inputs
from etl.pipelines.telemetry.locations import LocalInputs, ObjectInputs
from etl.pipelines.telemetry.planning import SystemRun, build_days, reset_if_needed
from etl.pipelines.telemetry.publishing import open_output
from etl.pipelines.telemetry.scheduling import DayBuilds, LocalDays
from etl.pipelines.telemetry.state import clean_scratch
from etl.pipelines.telemetry.summary import RunReport, telemetry_summary

# The SQL files, folder by folder, numbered in the order of their first use
# in a run. A day whose signals the worker knows skips 11-15 and places in
# one pass (16); 03 and 06 come back later, to read a patched day's
# published files and to name a file a day cannot read.
STEPS = {
    "telemetry": (
        # indexing the inputs (inputs.py), then the run's limits
        "01_inspect_parquet.sql",
        "02_list_parquet_schemas.sql",
        "03_describe_parquet.sql",
        "04_stage_file.sql",
        "05_scan_file.sql",
        "06_read_every_column.sql",
        "07_read_limits.sql",
        # a worker, then a day: placing its readings (placing.py)
        "08_create_known_signals.sql",
        "09_set_threads.sql",
        "10_count_known_signals.sql",
        "11_dedupe_day.sql",
        "12_list_new_signals.sql",
        "13_learn_signals.sql",
        "14_route_tags.sql",
        "15_name_signals.sql",
        "16_place_readings.sql",
        "17_count_readings.sql",
        "18_locate_broken_values.sql",
        # the day's grid files (building.py)
        "19_list_signals.sql",
        "20_build_grid.sql",
        "21_list_grid_files.sql",
        "22_write_grid_file.sql",
        "23_write_rejects.sql",
        "24_measure_quality.sql",
        "25_write_quality_cells.sql",
        "26_write_quality.sql",
        "27_count_output_rows.sql",
        # the views over the outputs (publishing.py)
        "28_set_file_search_path.sql",
        "29_create_view.sql",
    ),
    "telemetry/generate": ("01_telemetry_day.sql", "02_shift_day.sql", "03_list_files.sql", "04_write_file.sql"),
    "telemetry/plots": (
        "01_list_files.sql",
        "02_stage_module_day.sql",
        "03_stage_phase_currents.sql",
        "04_select_soc_overview.sql",
        "05_select_points.sql",
        "06_read_grid_step.sql",
        # the data-quality figures (plot_quality.py)
        "07_stage_coverage.sql",
        "08_select_coverage_map.sql",
        "09_select_module_coverage.sql",
        "10_select_cell_spread.sql",
    ),
}
# Bumped when the outputs a given input makes change, so old days are rebuilt.
PIPELINE_VERSION = 3


@dataclass
class Settings:
    """One run. `input` and `output` are local folders or `s3://bucket/prefix`
    locations; `cluster` is a Dask scheduler address or `local[:N]` (None:
    build on this machine's threads); `fleet` reads one input folder per
    system into one output folder per system."""

    input: Path | str
    output: Path | str
    layout: str = "hive"
    fill: str = "none"
    max_gap: dt.timedelta = dt.timedelta(seconds=30)
    # The grid step (a bucket is [t, t + every)).
    every: dt.timedelta = dt.timedelta(seconds=DEFAULT_STEP)
    text_signals: tuple[str, ...] = ("system_state",)
    on_bad_file: str = "fail"
    full_refresh: bool = False
    threads: int | None = None
    memory_limit: str | None = "600MB"
    quiet: bool = False
    cluster: str | None = None
    fleet: bool = False
    # Delete all or most published days when their inputs are gone (planning.check_removal).
    allow_removal: bool = False
    # An input without any input file is an error, not a warning.
    strict: bool = False

    @property
    def step(self) -> int:
        """The grid step in whole seconds."""
        return int(self.every.total_seconds())

    def check(self) -> None:
        """Settings the command line rules out, checked for callers from Python."""
        problem = step_problem(self.every.total_seconds(), hourly=self.layout == "hourly")
        if problem:
            raise EtlError(problem)
        if self.fill not in ("none", "forward", "linear"):
            raise EtlError(f"fill must be none, forward or linear, not {self.fill!r}")

    def fingerprint(self) -> dict[str, Any]:
        """The settings that shape the outputs: a change rebuilds every day."""
        return {
            "pipeline_version": PIPELINE_VERSION,
            "layout": self.layout,
            "fill": self.fill,
            "max_gap_seconds": self.max_gap.total_seconds(),
            "every_seconds": self.step,
            "text_signals": sorted(self.text_signals),
        }


def run(settings: Settings) -> dict[str, Any]:
    """Run the pipeline; returns the run summary (also written to `_summary.json`).

    With `fleet`, the input holds one folder per system and every system
    gets its own output folder, state and summary; the summary returned
    (and written at the top of the output) covers them all.
    """
    clock = RunClock()
    settings.check()
    targets = fleet_systems(settings) if settings.fleet else [("", settings)]
    with ExitStack() as stack:
        local = stack.enter_context(tempfile.TemporaryDirectory(prefix="etl-telemetry-"))
        systems = [open_system(name, each, Path(local) / (name or "_"), stack) for name, each in targets]
        work = systems[0].output.local if not settings.fleet else Path(local) / "_fleet"
        con = connect(threads=settings.threads, memory_limit=settings.memory_limit, temp_directory=work / "spill")
        try:
            runner = SqlRunner(con, "telemetry")
            for system in systems:
                source = open_source(place(system.settings.input), Path(local) / (system.name or "_") / "cache")
                index_inputs(runner, system.state, system.settings, source, system.output.staging(), system.report)
            [(threads, memory)] = runner.fetch("07_read_limits.sql")
        finally:
            con.close()
        budget = parse_size(settings.memory_limit or memory)
        engine = stack.enter_context(open_engine(settings, work, threads, budget))
        try:
            build_days(systems, engine, quiet=settings.quiet)
            for system in systems:
                system.state.fold_journal()
        finally:
            for system in systems:
                if system.output.scratch:
                    shutil.rmtree(system.output.scratch, ignore_errors=True)
        summaries = {}
        for system in systems:
            system.output.finish(system.state, system.settings)
            summary = telemetry_summary(system.state, system.settings, system.report, clock.started_at, clock.seconds())
            system.output.save_summary(summary)
            summaries[system.name] = summary
    if not settings.fleet:
        return summaries[""]
    return fleet_summary(settings, clock, summaries)


def place(location: Path | str) -> Path | str:
    """A local location made absolute; an s3:// location as a URL without a trailing slash."""
    return str(location).rstrip("/") if is_remote(location) else Path(location).resolve()


def open_system(name: str, settings: Settings, local: Path, stack: ExitStack) -> SystemRun:
    """Lock one system's output, load its state, and check its input is there."""
    input_root, output_root = place(settings.input), place(settings.output)
    if not is_remote(input_root) and not Path(input_root).exists():
        raise EtlError(f"input folder not found: {settings.input}")
    output = open_output(output_root, local)
    output.prepare()
    stack.enter_context(output.lock())
    if output.scratch:
        clean_scratch(Path(output.scratch))
    state = output.load_state(recover=settings.full_refresh)
    reset_if_needed(state, settings, str(input_root), output)
    return SystemRun(name, settings, output, state, RunReport())


def open_source(location: Path | str, cache: Path) -> LocalInputs | ObjectInputs:
    if is_remote(location):
        return ObjectInputs(ObjectStore(str(location)), cache)
    return LocalInputs(Path(location))


@contextmanager
def open_engine(settings: Settings, work: Path, threads: int, budget: int) -> Iterator[Callable[[int], DayBuilds]]:
    """The day builds' engine: worker threads here, or a Dask cluster with `cluster`."""
    if not settings.cluster:

        def local_days(days: int) -> DayBuilds:
            return LocalDays(settings, work / "spill", threads, budget, days)

        yield local_days
        return
    # Dask loads only when a run asks for a cluster.
    from etl.pipelines.telemetry.cluster import dask_days

    with dask_days(settings, budget) as start:
        yield start
