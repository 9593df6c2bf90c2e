"""Patching: a published day that only gained files late in the day is not
rebuilt whole. Only the buckets from the late readings on are placed again,
and the day's published files supply every bucket before them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from etl.core.engine import SqlRunner
from etl.core.errors import EtlError
from etl.pipelines.telemetry.days import DATASETS, SECONDS_PER_DAY, cell_seconds, checked_stats, day_name, grid_file
from etl.pipelines.telemetry.state import State

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings
    from etl.pipelines.telemetry.publishing import LocalOutput, ObjectOutput


def patch_plan(
    state: State, settings: Settings, output: LocalOutput | ObjectOutput, day: int, inputs: dict[str, list[int]]
) -> dict[str, Any] | None:
    """How to patch a published day that only gained files, or None to rebuild it.

    The late files' readings start at slot `first_new`. A fill reaches at
    most `gap` buckets from a non-empty one, so rows from `from_slot` on
    can change (`first_new`, or `gap` earlier for a linear fill, which
    looks ahead too) and the rows before it are kept as published. The
    readings from `grid_from` on (early enough for every fill of the rows
    from `from_slot`, and from the start of `first_new`'s quality cell) are
    placed again, from the files whose timestamp span meets them: that is
    every copy of those readings, so the dedupe is exact. The typical case is the next day's folder bringing the last
    minutes before midnight. Daily layout only; a window longer than half a
    day is rebuilt whole, which is cheaper.
    """
    record = state.days.get(day_name(day))
    if settings.layout == "hourly" or not record or not record.get("inputs") or not record.get("stats"):
        return None
    old = record["inputs"]
    if any(inputs.get(rel) != sig for rel, sig in old.items()):
        return None  # a file changed or went away
    new = [rel for rel in inputs if rel not in old]
    spans = {rel: state.files[rel].get("span") for rel in inputs}
    if not new or any(span is None for span in spans.values()):
        return None
    if not output.has(record) or f"_quality/date={day_name(day)}/cells.parquet" not in record.get("outputs", []):
        return None
    day_start, day_end = day * SECONDS_PER_DAY, (day + 1) * SECONDS_PER_DAY
    step = settings.step
    first_new = (min(max(spans[rel][0], day_start) for rel in new) - day_start) // step
    gap = int(settings.max_gap.total_seconds() // step) if settings.fill != "none" else 0
    from_slot = first_new - gap if settings.fill == "linear" else first_new
    cell = cell_seconds(step) // step
    grid_from = max(0, min(from_slot - gap, first_new // cell * cell))
    window_start = day_start + grid_from * step

    def meets(rel: str) -> bool:
        return spans[rel][1] >= window_start and spans[rel][0] < day_end

    # Placing is most of a build: patch while the window's files hold at most
    # half of the day's rows (files cover their own stretch of time, so a
    # file arriving live meets itself and the one before it), or while the
    # window is the second half of the day or less (only its readings are
    # placed, even from a file that spans the whole day).
    rows = {rel: state.files[rel].get("rows", 0) for rel in inputs}
    few_rows = 2 * sum(rows[rel] for rel in inputs if meets(rel)) <= sum(rows.values())
    if not few_rows and grid_from < SECONDS_PER_DAY // step // 2:
        return None

    # No reading after the window's files' last one: the grid past it (and
    # past the reach of a forward fill) is NULL, as the merge leaves it.
    last = min(max(spans[rel][1] for rel in inputs if meets(rel)), day_end - 1)
    grid_to = min(SECONDS_PER_DAY // step, (last - day_start) // step + gap + 1)
    return {
        "from_slot": from_slot,
        "grid_to": grid_to,
        "quality_from": first_new // cell * cell,
        "grid_from": grid_from,
        "window_start": window_start,
        "inputs": [rel for rel in inputs if meets(rel)],
        "old_inputs": [rel for rel in old if meets(rel)],
    }


def patched_stats(old: dict[str, Any], before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """The day's counts with the window's old counts swapped for its new ones."""
    before = before or {"rows_read": 0, "duplicates": 0, "placed": {}, "rejected": {}, "conflicting": 0}
    placed = {
        name: old["placed"].get(name, 0) - before["placed"].get(name, 0) + after["placed"].get(name, 0)
        for name in DATASETS
    }
    rejected = {}
    for reason in sorted(set(old["rejected"]) | set(after["rejected"])):
        n = old["rejected"].get(reason, 0) - before["rejected"].get(reason, 0) + after["rejected"].get(reason, 0)
        if n:
            rejected[reason] = n
    return checked_stats(
        old["rows_read"] - before["rows_read"] + after["rows_read"],
        old["duplicates"] - before["duplicates"] + after["duplicates"],
        placed,
        rejected,
        old.get("conflicting", 0) - before.get("conflicting", 0) + after["conflicting"],
    )


def published_by_dataset(
    runner: SqlRunner, local_path: Callable[[str], str], outputs: list[str], columns: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, str]]:
    """The day's published grid files per dataset (layout name -> local path,
    by `local_path`); adds their columns to `columns`."""
    files: dict[str, dict[str, str]] = {}
    for name in outputs:
        dataset = name.split("/", 1)[0]
        if dataset in DATASETS:
            files.setdefault(dataset, {})[name] = local_path(name)
    for dataset, paths in files.items():
        known = {c["name"]: c for c in columns.setdefault(dataset, [])}
        for name, kind in runner.fetch("03_describe_parquet.sql", {"path": next(iter(paths.values()))}):
            if name == "timestamp":
                continue
            if name in known:
                known[name]["old"] = True
            else:
                columns[dataset].append({"id": None, "name": name, "is_text": kind == "VARCHAR", "old": True})
    return files


def write_patched_grid(
    runner: SqlRunner,
    target: Path,
    keys: list[str],
    columns: list[dict[str, Any]],
    published: dict[str, str],
    patch: dict[str, Any],
    day_start: int,
    step: int,
) -> None:
    """Write a patched day's files of one dataset under `target` (daily hive
    layout): every series that has a published file or readings in the
    window, each file its published rows before the patch, the slots
    day_grid computed, then NULL rows to the end of the day
    (22_write_grid_file.sql). Only the computed slots went through the
    grid; the rest is copied or generated as the file is written."""
    rows_per_day = SECONDS_PER_DAY // step
    from_slot = max(patch["from_slot"], 0)
    files: dict[tuple[str, ...], dict[str, Any]] = {}
    for name, path in published.items():
        parts = name.split("/")
        values = tuple(unquote(part.split("=", 1)[1]) for part in parts[1 : 1 + len(keys)])
        files[values] = {"published": path, "date": unquote(parts[1 + len(keys)].split("=", 1)[1])}
    listed = runner.fetch("21_list_grid_files.sql", keys=keys, partition="date", slots=rows_per_day, keyed=True)
    for series, values, date, first, last in listed:
        if first != from_slot:
            raise EtlError(f"internal check failed: a patch computed {values} from slot {first}, not {from_slot}")
        file = files.setdefault(tuple(values), {"published": "", "date": date})
        file |= {"series": series, "tail_from": last + 1}
    for values, file in sorted(files.items()):
        computed = "series" in file
        runner.execute(
            "22_write_grid_file.sql",
            {
                "day_start": day_start,
                "step": step,
                "from_slot": from_slot,
                "tail_from": file["tail_from"] if computed else from_slot,
                **({"series": file["series"]} if computed else {}),
            },
            patch=True,
            columns=columns,
            published=file["published"],
            computed=computed,
            rows_per_day=rows_per_day,
            target=str(grid_file(target, keys, values, "date", file["date"])),
        )
