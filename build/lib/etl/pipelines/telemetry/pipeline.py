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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.core.engine import SqlRunner, connect, parse_size
from etl.core.errors import EtlError
from etl.pipelines.telemetry.indexing import index_inputs
from etl.pipelines.telemetry.planning import build_days, reset_if_needed
from etl.pipelines.telemetry.publishing import write_views
from etl.pipelines.telemetry.scheduling import DayBuilds, LocalDays
from etl.pipelines.telemetry.state import WORK_DIR, OutputLock, State, clean_scratch
from etl.pipelines.telemetry.summary import RunReport, save_summary, telemetry_summary

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
        "24_count_output_rows.sql",
        # the views over the outputs (publishing.py)
        "25_set_file_search_path.sql",
        "26_create_view.sql",
    ),
    "telemetry/generate": ("01_telemetry_day.sql", "02_shift_day.sql", "03_list_files.sql", "04_write_file.sql"),
    "telemetry/plots": (
        "01_list_files.sql",
        "02_stage_module_day.sql",
        "03_stage_phase_currents.sql",
        "04_select_soc_overview.sql",
        "05_select_points.sql",
    ),
}
# Bumped when the outputs a given input makes change, so old days are rebuilt.
PIPELINE_VERSION = 1


@dataclass
class Settings:
    input: Path
    output: Path
    layout: str = "hive"
    fill: str = "none"
    max_gap: dt.timedelta = dt.timedelta(seconds=30)
    text_signals: tuple[str, ...] = ("system_state",)
    on_bad_file: str = "fail"
    full_refresh: bool = False
    threads: int | None = None
    memory_limit: str | None = "600MB"
    quiet: bool = False

    def fingerprint(self) -> dict[str, Any]:
        """The settings that shape the outputs: a change rebuilds every day."""
        return {
            "pipeline_version": PIPELINE_VERSION,
            "layout": self.layout,
            "fill": self.fill,
            "max_gap_seconds": self.max_gap.total_seconds(),
            "text_signals": sorted(self.text_signals),
        }


def run(settings: Settings) -> dict[str, Any]:
    """Run the pipeline; returns the run summary (also written to `_summary.json`)."""
    started = time.monotonic()
    started_at = dt.datetime.now(dt.UTC)
    output = settings.output.resolve()
    input_root = settings.input.resolve()
    if not input_root.exists():
        raise EtlError(f"input folder not found: {settings.input}")
    output.mkdir(parents=True, exist_ok=True)
    work = output / WORK_DIR
    with OutputLock(output):
        scratch = work / "tmp"
        clean_scratch(scratch)
        state = State.load(work / "state.json")
        reset_if_needed(state, settings, input_root, output)
        report = RunReport()
        try:
            con = connect(threads=settings.threads, memory_limit=settings.memory_limit, temp_directory=work / "spill")
            try:
                runner = SqlRunner(con, "telemetry")
                index_inputs(runner, state, settings, input_root, work / "staged", report)
                [(threads, memory)] = runner.fetch("07_read_limits.sql")
            finally:
                con.close()
            budget = parse_size(settings.memory_limit or memory)

            def start_builds(days: int) -> DayBuilds:
                return LocalDays(settings, output, scratch, work / "spill", threads, budget, days)

            build_days(state, settings, output, report, start_builds)
            state.fold_journal()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        write_views(output, state, settings)
        summary = telemetry_summary(state, settings, report, started_at, time.monotonic() - started)
        save_summary(output / "_summary.json", summary)
    return summary
