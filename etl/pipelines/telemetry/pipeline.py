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
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from etl.core.engine import SqlRunner, connect, parse_size
from etl.core.errors import EtlError
from etl.core.progress import progress
from etl.pipelines.telemetry.days import (
    DATASETS,
    GRID_ROWS_PER_DAY,
    GRID_ROWS_PER_HOUR,
    SECONDS_PER_DAY,
    BuiltDay,
    DayBrokenFiles,
    DayJob,
    checked_stats,
    day_name,
    natural_key,
)
from etl.pipelines.telemetry.indexing import bad_message, index_inputs, quarantine
from etl.pipelines.telemetry.inputs import (
    BadFile,
    find_unreadable,
)
from etl.pipelines.telemetry.patching import patch_plan, patched_stats, published_by_dataset
from etl.pipelines.telemetry.publishing import (
    delete_outputs,
    publish_day,
    write_views,
)
from etl.pipelines.telemetry.state import WORK_DIR, OutputLock, State, clean_scratch
from etl.pipelines.telemetry.summary import RunReport, save_summary, telemetry_summary

BROKEN_VALUE = "non-numeric value"

UNKNOWN_SIGNAL = "unknown signal"

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


def build_day(
    runner: SqlRunner,
    job: DayJob,
    settings: Settings,
    output: Path,
    scratch: Path,
    retune: Callable[[], None] = lambda: None,
) -> BuiltDay:
    """Place the day's readings and write its files into the scratch folder.

    `retune` runs before each big step: it lets the day take more threads
    when other days finish.
    """
    retune()
    date = job.date
    bounds = {"day_start": job.day * SECONDS_PER_DAY, "day_end": (job.day + 1) * SECONDS_PER_DAY}
    patch = job.patch
    if patch:
        window = {"day_start": patch["window_start"], "day_end": bounds["day_end"]}
        before = (
            day_stats(place_day(runner, job.entries, patch["old_inputs"], window, settings))
            if patch["old_inputs"]
            else None
        )
        stats = patched_stats(
            job.published["stats"],
            before,
            day_stats(place_day(runner, job.entries, patch["inputs"], window, settings)),
        )
    else:
        stats = day_stats(place_day(runner, job.entries, list(job.inputs), bounds, settings))

    day_dir = scratch / date
    if day_dir.exists():
        shutil.rmtree(day_dir)
    day_dir.mkdir(parents=True)
    columns: dict[str, list[dict[str, Any]]] = {}
    series: dict[str, int] = {}
    for dataset, signal_id, signal, is_text, readings, count in runner.fetch("12_list_signals.sql"):
        columns.setdefault(dataset, []).append(
            {"id": signal_id, "name": signal, "is_text": bool(is_text), "old": False, "readings": readings}
        )
        series[dataset] = count
    published: dict[str, list[str]] = {}
    if patch:
        published = published_by_dataset(runner, output, job.published["outputs"], columns)
    for dataset, keys in DATASETS.items():
        if dataset not in columns:
            continue
        hourly = settings.layout == "hourly" and dataset == "modules"
        files = published.get(dataset, [])
        retune()
        runner.execute(
            "13_build_grid.sql",
            {"day_start": bounds["day_start"], "max_gap": settings.max_gap, **(patch or {}), "published": files},
            dataset=dataset,
            keys=list(keys),
            columns=sorted(columns[dataset], key=lambda c: natural_key(c["name"])),
            groups=pivot_groups(columns[dataset], series.get(dataset, 0) * GRID_ROWS_PER_DAY),
            fill=settings.fill == "forward",
            hourly=hourly,
            patch=bool(patch),
            kept=bool(files),
        )
        write_grid(runner, day_dir / dataset, dataset, list(keys), "hour" if hourly else "date", keyed=bool(patch))
    if stats["rejected_total"]:
        old_rejects = f"_rejects/date={date}/rejects.parquet"
        kept = bool(patch) and old_rejects in job.published["outputs"]
        runner.execute(
            "14_write_rejects.sql",
            {**(patch or {}), "published": str(output / old_rejects)},
            target=str(day_dir / "_rejects.parquet"),
            kept=kept,
        )

    written = published_names(day_dir, date, settings.layout)
    rows = row_counts(runner, written)
    check_grid(written, rows, settings.layout)
    return BuiltDay(job, written, rows, stats)


def pivot_groups(columns: list[dict[str, Any]], grid_rows: int) -> list[list[dict[str, Any]]]:
    """The columns to pivot from the day's readings, as one group or as two:
    the frequent signals, then the sparse ones.

    A pivot evaluates every column's FILTER on every reading it reads, so
    its cost goes with readings x columns. Module days have four signals
    read every few seconds (nine tenths of the readings) beside sixteen read
    every few minutes; pivoting them apart cuts that product by three
    quarters. The second group costs one more join onto the grid, a probe
    per grid row, so the split is made only when it saves more than that.
    A third group saved nothing measurable.
    """
    pivoted = [c for c in columns if c["id"] is not None]
    if len(pivoted) < 2:
        return [pivoted] if pivoted else []
    top = max(c["readings"] for c in pivoted)
    frequent = [c for c in pivoted if c["readings"] * 4 >= top]
    sparse = [c for c in pivoted if c["readings"] * 4 < top]

    def cost(group: list[dict[str, Any]]) -> int:
        return sum(c["readings"] for c in group) * len(group)

    if not sparse or cost(pivoted) - cost(frequent) - cost(sparse) <= grid_rows:
        return [pivoted]
    return [frequent, sparse]


def write_grid(
    runner: SqlRunner, target: Path, dataset: str, keys: list[str], partition: str, *, keyed: bool = False
) -> None:
    """Write day_grid as hive-partitioned parquet under `target`, one file per
    series and partition (`<key>=<value>/.../<partition>=<value>/data_0.parquet`),
    each in time order. Values are URL-encoded in paths, as DuckDB does.
    `keyed`: day_grid carries the series' key columns (a patch).
    """
    drop = [*(keys if keyed else []), partition, "series", "slot"]
    listed = runner.fetch("22_list_grid_files.sql", dataset=dataset, keys=keys, partition=partition, keyed=keyed)
    for series, values, part, first, last in listed:
        folder = target.joinpath(
            *(f"{key}={quote(value, safe='')}" for key, value in zip(keys, values, strict=True)),
            f"{partition}={quote(part, safe='')}",
        )
        folder.mkdir(parents=True, exist_ok=True)
        runner.execute(
            "23_write_grid_file.sql",
            {"series": series, "first_slot": first, "last_slot": last},
            drop=drop,
            target=str(folder / "data_0.parquet"),
        )


def place_day(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], rels: list[str], bounds: dict[str, int], settings: Settings
) -> list[tuple]:
    """Dedupe, route and place the readings of `rels` within `bounds`; their counts.

    Once the worker knows signals, the day is deduplicated and placed in one
    statement; a reading of a signal it does not know sends the day the long
    way: dedupe into day_readings, learn the new signals, route and name
    every known signal, place. Leaves day_tags, day_signals and day_placed
    for the writing steps. Raises DayBrokenFiles for unreadable files and
    non-numeric values.
    """
    entries = {rel: entries[rel] for rel in rels}
    files = [e["read_path"] for e in entries.values()]
    params = {"files": files, **bounds}
    counts = None
    [(known,)] = runner.fetch("26_count_known_signals.sql")
    if known:
        _read_day(runner, entries, "10_place_readings.sql", params, one_pass=True)
        counts = runner.fetch("11_count_readings.sql")
        if _has_problem(counts, UNKNOWN_SIGNAL):
            counts = None
    if counts is None:
        _read_day(runner, entries, "05_dedupe_day.sql", params)
        learn_signals(runner, files, bounds)
        runner.execute("08_route_tags.sql")
        runner.execute("09_name_signals.sql", {"text_signals": list(settings.text_signals)})
        runner.execute("10_place_readings.sql", one_pass=False)
        counts = runner.fetch("11_count_readings.sql")
        if _has_problem(counts, UNKNOWN_SIGNAL):
            raise EtlError("internal check failed: a learnt signal is missing from day_signals")
    if _has_problem(counts, BROKEN_VALUE):
        raise DayBrokenFiles(locate_broken(runner, entries, files, bounds))
    return counts


def _has_problem(counts: list[tuple], problem: str) -> bool:
    """Whether the counts of 11_count_readings.sql hold readings with `problem`."""
    return any(row_problem == problem for _, row_problem, _, _ in counts)


def _read_day(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], name: str, params: dict[str, Any], **context: Any
) -> None:
    """Run a statement that reads the day's files; a failure names the broken ones."""
    try:
        runner.execute(name, params, **context)
    except EtlError:
        broken = find_unreadable(runner, entries)
        if broken:
            raise DayBrokenFiles(broken) from None
        raise


def learn_signals(runner: SqlRunner, files: list[str], bounds: dict[str, int]) -> None:
    """Teach known_signals the day's new signals, reading as few files as it takes.

    Batches double (4, 8, 16, ... files) and are spread over the day: one
    file holds most signals, but some are only logged part of the day (cell
    voltages may start hours after midnight), so the first batch takes the
    first, middle and quarter files, not the first four.
    """
    files = spread(files)
    start, size = 0, 4
    while start < len(files):
        if not runner.fetch("06_list_new_signals.sql"):
            return
        runner.execute("07_learn_signals.sql", {"files": files[start : start + size], **bounds})
        start, size = start + size, size * 2
    if runner.fetch("06_list_new_signals.sql"):
        raise EtlError("internal check failed: a signal hash of the day was found in none of its files")


def spread(items: list[str]) -> list[str]:
    """`items` reordered so that every prefix covers the list evenly: the
    first, then the middle, then the quarters, and so on."""
    order: list[int] = []
    taken = [False] * len(items)
    step = 1 << max(0, (len(items) - 1).bit_length())
    while step:
        for i in range(0, len(items), step):
            if not taken[i]:
                taken[i] = True
                order.append(i)
        step //= 2
    return [items[i] for i in order]


def locate_broken(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], files: list[str], bounds: dict[str, int]
) -> list[BadFile]:
    rel_of = {e["read_path"]: rel for rel, e in entries.items()}
    rows = runner.fetch(
        "15_locate_broken_values.sql",
        {"files": files, **bounds},
        has_staged=any(e["staged"] for e in entries.values()),
    )
    bad = []
    for file, readings, line, payload_type, value in rows:
        rel = rel_of.get(file, file)
        unit = "line" if entries.get(rel, {}).get("staged") else "row"
        bad.append(
            BadFile(
                rel,
                f"{readings} non-numeric value(s) in numeric signals, first at {unit} {line}: "
                f"{payload_type} = {value!r} (a text signal? add it with --text-signals)",
            )
        )
    return bad


def day_stats(counts: list[tuple]) -> dict[str, Any]:
    placed: dict[str, int] = {name: 0 for name in DATASETS}
    rejected: dict[str, int] = {}
    rows_read = 0
    distinct = 0
    for dataset, problem, readings, copies in counts:
        rows_read += copies
        distinct += readings
        if problem is None:
            placed[dataset] += readings
        else:
            rejected[problem] = rejected.get(problem, 0) + readings
    return checked_stats(rows_read, rows_read - distinct, placed, rejected)


def published_names(day_dir: Path, date: str, layout: str) -> dict[Path, str]:
    """Where each file written for the day goes, relative to the output folder."""
    yyyy, mm, dd = date.split("-")
    names: dict[Path, str] = {}
    for path in sorted(day_dir.rglob("*.parquet")):
        rel = path.relative_to(day_dir)
        parts = rel.parts
        if parts[0] == "_rejects.parquet":
            names[path] = f"_rejects/date={date}/rejects.parquet"
        elif parts[0] == "modules" and layout == "hourly":
            values = dict(p.split("=", 1) for p in parts[1:-1])
            names[path] = f"{values['phase']}_{values['module']}/{yyyy}/{mm}/{dd}/{values['hour']}.parquet"
        else:
            names[path] = rel.as_posix()
    if len(set(names.values())) != len(names):
        raise EtlError(f"internal check failed: a partition of {date} was written as several files")
    return names


def row_counts(runner: SqlRunner, written: dict[Path, str]) -> dict[Path, int]:
    if not written:
        return {}
    rows = runner.fetch("20_count_output_rows.sql", {"files": [str(p) for p in written]})
    return {Path(name): int(n) for name, n in rows}


def check_grid(written: dict[Path, str], rows: dict[Path, int], layout: str) -> None:
    for path, name in written.items():
        if name.startswith("_rejects/"):
            continue
        hourly = layout == "hourly" and not name.startswith(("phases/", "system/"))
        expected = GRID_ROWS_PER_HOUR if hourly else GRID_ROWS_PER_DAY
        if rows[path] != expected:
            raise EtlError(f"internal check failed: {name} has {rows[path]} rows, expected {expected}")
