"""Building one day: place its readings (placing.py), pivot every dataset
onto the grid (5 s unless --every says otherwise), write one parquet file per series and partition
into the scratch folder, and check each file's rows. Runs on a worker; it
never reads or writes the run state."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl.core.engine import SqlRunner
from etl.core.errors import EtlError
from etl.core.storage import is_remote
from etl.pipelines.telemetry.days import (
    DATASETS,
    SECONDS_PER_DAY,
    BuiltDay,
    DayJob,
    cell_seconds,
    check_columns,
    column_name,
    grid_file,
    natural_key,
)
from etl.pipelines.telemetry.patching import patched_stats, published_by_dataset, write_patched_grid
from etl.pipelines.telemetry.placing import day_stats, place_day, place_patch
from etl.pipelines.telemetry.transfer import deliver, local_entries, published_files, scratch_root

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


def build_day(
    runner: SqlRunner,
    job: DayJob,
    settings: Settings,
    retune: Callable[[], None] = lambda: None,
) -> BuiltDay:
    """Build the day in a folder of its own under the scratch folder, and
    hand its files over (transfer.deliver).

    Each attempt has its own folder, so a day built again elsewhere (a lost
    worker) never meets the files of an earlier attempt. `retune` runs
    before each big step: it lets the day take more threads when other days
    finish.
    """
    work = scratch_root(job) / f"{job.system + '-' if job.system else ''}{job.date}.{uuid.uuid4().hex[:8]}"
    try:
        built = _build(runner, job, settings, retune, work)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(work / "in", ignore_errors=True)
    if is_remote(job.output):
        shutil.rmtree(work, ignore_errors=True)
    return built


def _build(runner: SqlRunner, job: DayJob, settings: Settings, retune: Callable[[], None], work: Path) -> BuiltDay:
    retune()
    date = job.date
    entries = local_entries(job, work / "in" / "inputs")
    published_path = published_files(job, work / "in" / "published")
    bounds = {"day_start": job.day * SECONDS_PER_DAY, "day_end": (job.day + 1) * SECONDS_PER_DAY}
    patch = job.patch
    if patch:
        window = {"day_start": patch["window_start"], "day_end": bounds["day_end"]}
        before, after = place_patch(runner, entries, patch["old_inputs"], patch["inputs"], window, settings)
        stats = patched_stats(
            job.published["stats"], day_stats(before) if before is not None else None, day_stats(after)
        )
    else:
        stats = day_stats(place_day(runner, entries, list(job.inputs), bounds, settings))

    day_dir = work / "out"
    day_dir.mkdir(parents=True)
    columns: dict[str, list[dict[str, Any]]] = {}
    series: dict[str, int] = {}
    names = []
    for dataset, signal_id, signal, is_text, readings, count in runner.fetch("19_list_signals.sql"):
        names.append({"dataset": dataset, "id": signal_id, "name": column_name(signal)})
        if not readings:
            continue  # every reading rejected: no column, a quality row
        columns.setdefault(dataset, []).append(
            {"id": signal_id, "name": column_name(signal), "is_text": bool(is_text), "old": False, "readings": readings}
        )
        series[dataset] = count
    for dataset, found in columns.items():
        check_columns(dataset, date, [c["name"] for c in found])
    published: dict[str, dict[str, str]] = {}
    if patch:
        published = published_by_dataset(runner, published_path, job.published["outputs"], columns)
    step = settings.step
    rows_per_day = SECONDS_PER_DAY // step
    for dataset, keys in DATASETS.items():
        if dataset not in columns:
            continue
        hourly = settings.layout == "hourly" and dataset == "modules"
        ordered = sorted(columns[dataset], key=lambda c: natural_key(c["name"]))
        retune()
        runner.execute(
            "20_build_grid.sql",
            {
                "day_start": bounds["day_start"],
                "step": step,
                "max_gap_seconds": settings.max_gap.total_seconds(),
                **({k: patch[k] for k in ("from_slot", "grid_from", "grid_to")} if patch else {}),
            },
            dataset=dataset,
            keys=list(keys),
            columns=ordered,
            groups=pivot_groups(columns[dataset], series.get(dataset, 0) * rows_per_day),
            fill=settings.fill,
            rows_per_day=rows_per_day,
            rows_per_hour=3_600 // step,
            hourly=hourly,
            patch=bool(patch),
        )
        if patch:
            files = published.get(dataset, {})
            write_patched_grid(runner, day_dir / dataset, list(keys), ordered, files, patch, bounds["day_start"], step)
        else:
            slots = 3_600 // step if hourly else rows_per_day
            write_grid(runner, day_dir / dataset, dataset, list(keys), "hour" if hourly else "date", slots)
    if stats["rejected_total"]:
        old_rejects = f"_rejects/date={date}/rejects.parquet"
        kept = bool(patch) and old_rejects in job.published["outputs"]
        runner.execute(
            "23_write_rejects.sql",
            {**(patch or {}), "published": published_path(old_rejects) if kept else ""},
            target=str(day_dir / "_rejects.parquet"),
            kept=kept,
        )

    write_quality(runner, day_dir, job, settings, names, columns, published_path)

    written = published_names(day_dir, date, settings.layout)
    rows = row_counts(runner, written)
    check_grid(written, rows, settings.layout, step)
    delivered = deliver(job, written)
    location = {name: place for place, name in delivered.items()}
    return BuiltDay(job, delivered, {location[written[path]]: n for path, n in rows.items()}, stats)


def write_quality(
    runner: SqlRunner,
    day_dir: Path,
    job: DayJob,
    settings: Settings,
    names: list[dict[str, Any]],
    columns: dict[str, list[dict[str, Any]]],
    published_path: Callable[[str], str],
) -> None:
    """The day's quality cells and per-signal quality (24-26); a patch
    measures the cells from its window on and keeps the earlier ones."""
    step = settings.step
    patch = job.patch
    params: dict[str, Any] = {"day_start": job.day * SECONDS_PER_DAY, "step": step}
    if patch:
        params |= {"quality_from": patch["quality_from"], "published": published_path(quality_cells_name(job.date))}
    runner.execute(
        "24_measure_quality.sql", params, cell_buckets=cell_seconds(step) // step, names=names, patch=bool(patch)
    )
    runner.execute("25_write_quality_cells.sql", target=str(day_dir / "_quality_cells.parquet"))
    runner.execute(
        "26_write_quality.sql",
        {"day_start": job.day * SECONDS_PER_DAY, "step": step},
        target=str(day_dir / "_quality.parquet"),
        rows_per_day=SECONDS_PER_DAY // step,
        columns=[(dataset, c["name"]) for dataset, found in sorted(columns.items()) for c in found],
    )


def quality_cells_name(date: str) -> str:
    return f"_quality/date={date}/cells.parquet"


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
    runner: SqlRunner,
    target: Path,
    dataset: str,
    keys: list[str],
    partition: str,
    slots: int = SECONDS_PER_DAY // 5,
) -> None:
    """Write day_grid as hive-partitioned parquet under `target`, one file per
    series and partition (days.grid_file), each in time order."""
    drop = [partition, "series", "slot"]
    listed = runner.fetch(
        "21_list_grid_files.sql", dataset=dataset, keys=keys, partition=partition, slots=slots, keyed=False
    )
    for series, values, part, first, last in listed:
        runner.execute(
            "22_write_grid_file.sql",
            {"series": series, "first_slot": first, "last_slot": last},
            drop=drop,
            target=str(grid_file(target, keys, values, partition, part)),
            patch=False,
        )


def published_names(day_dir: Path, date: str, layout: str) -> dict[Path, str]:
    """Where each file written for the day goes, relative to the output folder."""
    yyyy, mm, dd = date.split("-")
    names: dict[Path, str] = {}
    for path in sorted(day_dir.rglob("*.parquet")):
        rel = path.relative_to(day_dir)
        parts = rel.parts
        if parts[0] == "_rejects.parquet":
            names[path] = f"_rejects/date={date}/rejects.parquet"
        elif parts[0] == "_quality.parquet":
            names[path] = f"_quality/date={date}/signals.parquet"
        elif parts[0] == "_quality_cells.parquet":
            names[path] = quality_cells_name(date)
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
    rows = runner.fetch("27_count_output_rows.sql", {"files": [str(p) for p in written]})
    return {Path(name): int(n) for name, n in rows}


def check_grid(written: dict[Path, str], rows: dict[Path, int], layout: str, step: int) -> None:
    for path, name in written.items():
        if name.startswith(("_rejects/", "_quality/")):
            continue
        hourly = layout == "hourly" and not name.startswith(("phases/", "system/"))
        expected = (3_600 if hourly else SECONDS_PER_DAY) // step
        if rows[path] != expected:
            raise EtlError(f"internal check failed: {name} has {rows[path]} rows, expected {expected}")
