"""The telemetry pipeline: raw long-format day files in, one parquet day file
per phase/module (and per phase, and for the system) on a 5-second grid out.

The steps, each a SQL file in `sql/telemetry/`:
  1. index the input files (footers, or a staged copy for CSV/JSON),
  2. decide which UTC days changed since the last run,
  3. for each such day: dedupe, learn and route tags, number the signals,
     place readings, count them, write every dataset on the grid (one
     pivot per dataset), write the rejects; a day that only gained files
     with readings late in the day is patched from its published files,
  4. publish the day's files atomically and remember what made them,
  5. write the run summary and check that every row is accounted for.
Memory grows with one day's data, never with the history.
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.core.engine import SqlRunner, connect, parse_size
from etl.core.errors import EtlError
from etl.core.progress import progress
from etl.pipelines.telemetry.building import (
    build_day,
)
from etl.pipelines.telemetry.days import (
    BuiltDay,
    DayBrokenFiles,
    DayJob,
    day_name,
)
from etl.pipelines.telemetry.indexing import bad_message, index_inputs, quarantine
from etl.pipelines.telemetry.patching import patch_plan
from etl.pipelines.telemetry.publishing import (
    delete_outputs,
    publish_day,
    write_views,
)
from etl.pipelines.telemetry.state import WORK_DIR, OutputLock, State, clean_scratch
from etl.pipelines.telemetry.summary import RunReport, save_summary, telemetry_summary

MIN_WORKER_MEMORY = 256 * 2**20
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
                [(threads, memory)] = runner.fetch("24_read_limits.sql")
            finally:
                con.close()
            budget = parse_size(settings.memory_limit or memory)
            build_days(state, settings, output, work, scratch, report, threads, budget)
            state.fold_journal()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        write_views(output, state, settings)
        summary = telemetry_summary(state, settings, report, started_at, time.monotonic() - started)
        save_summary(output / "_summary.json", summary)
    return summary


def reset_if_needed(state: State, settings: Settings, input_root: Path, output: Path) -> None:
    """Forget what made each day when the inputs' root or the settings change."""
    fingerprint = settings.fingerprint()
    if settings.full_refresh or state.settings != fingerprint or state.input_root != str(input_root):
        state.files.clear()
        state.quarantined.clear()
        for record in state.days.values():
            record["inputs"] = None
        if state.settings.get("layout") not in (None, settings.layout):
            for record in state.days.values():
                delete_outputs(output, record.get("outputs", []))
                record["outputs"] = []
    state.settings = fingerprint
    state.input_root = str(input_root)


def day_inputs(state: State) -> dict[int, dict[str, list[int]]]:
    plan: dict[int, dict[str, list[int]]] = {}
    for rel, entry in state.files.items():
        for day in entry["days"]:
            plan.setdefault(day, {})[rel] = [entry["size"], entry["mtime_ns"]]
    return plan


class ThreadShare:
    """The run's threads shared out between the days being built right now.

    While days wait, each building day takes an even share. Once none wait,
    a core a finished worker leaves would stay idle, so the last days take
    every thread (briefly more threads than cores while two overlap). A day
    takes its share when it starts and again before each big step.
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.building = 0
        self.waiting = 0
        self._lock = threading.Lock()

    def start(self, waiting: int) -> None:
        with self._lock:
            self.building += 1
            self.waiting = waiting

    def stop(self) -> None:
        with self._lock:
            self.building -= 1

    def replan(self, waiting: int) -> None:
        with self._lock:
            self.waiting = waiting

    def each(self) -> int:
        with self._lock:
            if not self.waiting:
                return self.threads
            return max(1, self.threads // max(1, self.building))


class DayWorker:
    """A DuckDB database of its own that builds days one at a time.

    Several build days at once, each with its share of the threads and of the
    memory limit. Most of a day's statements gain little from a second
    thread (the pivots, one COPY per small file), and a day on one thread
    takes less CPU than on two, so the cores go further on separate days.
    """

    def __init__(self, share: ThreadShare, memory_bytes: int, spill: Path) -> None:
        self.share = share
        self.threads = 1
        self.con = connect(threads=self.threads, memory_limit=f"{memory_bytes}B", temp_directory=spill)
        self.runner = SqlRunner(self.con, "telemetry")
        self.runner.execute("04_create_known_signals.sql")

    def build(self, job: DayJob, settings: Settings, output: Path, scratch: Path) -> BuiltDay:
        try:
            return build_day(self.runner, job, settings, output, scratch, self.retune)
        finally:
            self.share.stop()

    def retune(self) -> None:
        """Take this day's share of the threads, if it changed."""
        threads = self.share.each()
        if threads != self.threads:
            self.runner.execute("25_set_threads.sql", threads=threads)
            self.threads = threads

    def close(self) -> None:
        self.con.close()


def build_days(
    state: State,
    settings: Settings,
    output: Path,
    work: Path,
    scratch: Path,
    report: RunReport,
    threads: int,
    memory_bytes: int,
) -> None:
    """Build every day whose inputs changed, on up to `threads` workers.

    The main thread plans each day, publishes what the workers built and
    keeps the state; a file quarantined on the way changes the plan, and
    every day it touched (built, building or waiting) is built again.
    """
    plan = day_inputs(state)
    remove_days(state, output, plan, set(), report)
    todo = dirty_days(state, plan, set())
    report.days_unchanged = len(plan) - len(todo)
    if not todo:
        return
    count = worker_count(threads, len(todo), memory_bytes)
    share = ThreadShare(threads)
    workers = [DayWorker(share, memory_bytes // count, work / "spill" / str(k)) for k in range(count)]
    idle = list(workers)
    running: dict[Future[BuiltDay], tuple[DayWorker, int]] = {}
    replan = False
    bar = progress(total=len(todo), desc="telemetry days", unit="day", quiet=settings.quiet)
    started = time.monotonic()
    try:
        with ThreadPoolExecutor(count, thread_name_prefix="telemetry-day") as pool:
            try:
                while todo or running:
                    while todo and idle:
                        day = todo.pop(0)
                        worker = idle.pop()
                        job = day_job(state, settings, output, day, plan[day])
                        share.start(waiting=len(todo))
                        future = pool.submit(worker.build, job, settings, output, scratch)
                        running[future] = (worker, day)
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=lambda f: running[f][1]):
                        worker, day = running.pop(future)
                        idle.append(worker)
                        try:
                            built = future.result()
                        except DayBrokenFiles as exc:
                            if settings.on_bad_file == "fail":
                                raise EtlError(bad_message(exc.bad, settings.input)) from None
                            for item in exc.bad:
                                if item.rel not in state.quarantined:
                                    quarantine(state, item, Path(state.input_root) / item.rel, report)
                            state.save()
                            replan = True
                            continue
                        publish_day(state, output, built, report)
                        bar.update(1)
                        elapsed = max(time.monotonic() - started, 1e-9)
                        bar.set_postfix_str(f"{report.rows_read / elapsed:,.0f} rows/s")
                    if replan:
                        # Days built from a file since quarantined are dirty now.
                        plan = day_inputs(state)
                        busy = {day for _, day in running.values()}
                        remove_days(state, output, plan, busy, report)
                        todo = dirty_days(state, plan, busy)
                        share.replan(len(todo))
                        bar.total = bar.n + len(todo) + len(running)
            except BaseException:
                for worker, _ in running.values():
                    worker.con.interrupt()
                raise
    finally:
        bar.close()
        for worker in workers:
            worker.close()
    report.days_removed.sort()


def worker_count(threads: int, days: int, memory_bytes: int) -> int:
    """How many days to build at once: one per thread, no more than there are
    days, and each with at least MIN_WORKER_MEMORY of the memory limit (a
    generated day, 5 million rows, runs as fast in 300 MB as in 2 GB; far
    less would spill). The threads left over go to the days being built."""
    return max(1, min(threads, days, memory_bytes // MIN_WORKER_MEMORY))


def dirty_days(state: State, plan: dict[int, dict[str, list[int]]], busy: set[int]) -> list[int]:
    """The days to build, biggest first: the workers then finish close together."""
    dirty = [d for d in plan if d not in busy and state.days.get(day_name(d), {}).get("inputs") != plan[d]]
    size = {d: sum(state.files[rel]["rows"] / len(state.files[rel]["days"]) for rel in plan[d]) for d in dirty}
    return sorted(dirty, key=lambda d: (-size[d], d))


def remove_days(
    state: State, output: Path, plan: dict[int, dict[str, list[int]]], busy: set[int], report: RunReport
) -> None:
    """Delete the outputs of days that no input holds any more."""
    kept = {day_name(d) for d in plan} | {day_name(d) for d in busy}
    for date in sorted(d for d in state.days if d not in kept):
        delete_outputs(output, state.days[date].get("outputs", []))
        del state.days[date]
        state.save_day(date)
        report.built.pop(date, None)
        if date not in report.days_removed:
            report.days_removed.append(date)


def day_job(state: State, settings: Settings, output: Path, day: int, inputs: dict[str, list[int]]) -> DayJob:
    patch = patch_plan(state, settings, output, day, inputs)
    published = None
    if patch:
        record = state.days[day_name(day)]
        published = {"stats": record["stats"], "outputs": list(record["outputs"])}
    entries = {rel: dict(state.files[rel]) for rel in inputs}
    return DayJob(day, dict(inputs), entries, patch, published)
