"""What every seam of the telemetry pipeline shares about a day: the
datasets and the grid, a day's name, the job a worker builds and what it
hands back, and the row identity every day's counts must keep."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from etl.core.errors import EtlError

if TYPE_CHECKING:
    from etl.pipelines.telemetry.inputs import BadFile

SECONDS_PER_DAY = 86_400
DATASETS = {
    "modules": ("phase", "module"),
    "phases": ("phase",),
    "system": (),
}

# The default grid step; --every sets another (any whole number of seconds dividing a day).
DEFAULT_STEP = 5

GRID_ROWS_PER_DAY = SECONDS_PER_DAY // DEFAULT_STEP

GRID_ROWS_PER_HOUR = 3_600 // DEFAULT_STEP

# A quality cell (the coverage map's unit) covers at least this long.
CELL_SECONDS = 900

# Columns the pipeline writes or needs in its grid beside the signals.
OWN_COLUMNS = ("timestamp", "date", "hour", "phase", "module", "series", "slot")


def step_problem(seconds: float, *, hourly: bool = False) -> str | None:
    """Why `seconds` cannot be the grid step, or None: it must be a whole
    number of seconds dividing a day (and, for hourly files, an hour), so
    every bucket starts at the same time of day on every day."""
    if seconds <= 0 or seconds != int(seconds):
        return f"the grid step must be a whole number of seconds, not {seconds:g} s"
    if SECONDS_PER_DAY % int(seconds):
        return f"the grid step must divide a day (86,400 s) into whole buckets; {int(seconds)} s does not"
    if hourly and 3_600 % int(seconds):
        return f"--layout hourly needs a grid step dividing an hour (3,600 s); {int(seconds)} s does not"
    return None


def cell_seconds(step: int) -> int:
    """The length of a quality cell for grid step `step`: the shortest whole
    number of buckets that lasts at least CELL_SECONDS and divides the day
    (15 minutes for every step dividing 15 minutes)."""
    buckets = -(-CELL_SECONDS // step)
    while (SECONDS_PER_DAY // step) % buckets:
        buckets += 1
    return buckets * step


def column_name(signal: str) -> str:
    """The output column of a signal: its name, unless that name has an
    upper-case letter or is one of OWN_COLUMNS; then the name plus `__` and
    the first 8 hex digits of its SHA-1.

    DuckDB (and so parquet readers built on it) compares column names without
    case, so `MODULE_VOLTAGE` beside `module_voltage` would bind to one
    column; a signal named `timestamp` would overwrite the grid's. The rule
    depends on the name alone, so a signal has the same column on every day.
    """
    if signal == signal.lower() and signal not in OWN_COLUMNS:
        return signal
    return f"{signal}__{hashlib.sha1(signal.encode()).hexdigest()[:8]}"


def check_columns(dataset: str, date: str, names: list[str]) -> None:
    """Stop before two columns of a day file would bind to one name."""
    seen: dict[str, str] = {}
    for name in names:
        other = seen.setdefault(name.lower(), name)
        if other != name:
            raise EtlError(f"{dataset} on {date}: signals {other!r} and {name!r} would share one column")


def grid_file(target: Path, keys: list[str], values: Sequence[str], partition: str, value: str) -> Path:
    """The file of one series and partition under `target`, its folder made:
    `<key>=<value>/.../<partition>=<value>/data_0.parquet`, values URL-encoded
    as DuckDB does."""
    folder = target.joinpath(
        *(f"{key}={quote(v, safe='')}" for key, v in zip(keys, values, strict=True)),
        f"{partition}={quote(value, safe='')}",
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "data_0.parquet"


def natural_key(name: str) -> list[tuple[int, Any]]:
    """Sort key putting `cell_2` before `cell_10`."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name) if part]


def date_span(dates: list[str]) -> str:
    """`2024-06-05`, `2024-06-05, 2024-06-07` or `2024-06-05 .. 2024-06-20 (16 days)`."""
    if len(dates) <= 3:
        return ", ".join(dates)
    return f"{dates[0]} .. {dates[-1]} ({len(dates)} days)"


def day_name(epoch_day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=epoch_day)).isoformat()


@dataclass
class DayJob:
    """What a worker needs to build one day, taken from the state by the main
    thread: workers never read the state, which changes as days are published."""

    day: int
    inputs: dict[str, list[int]]
    entries: dict[str, dict[str, Any]]
    patch: dict[str, Any] | None
    # The day's published record when patching: its counts and files.
    published: dict[str, Any] | None
    # The output (a local folder, or an s3:// URL) and the local folder the
    # build writes into ("" for the worker's own temporary folder).
    output: str = ""
    scratch: str = ""
    # Names the build's objects in an object store (transfer.build_id).
    build: str = ""
    # The system this day belongs to, in a fleet ("" for a single system).
    system: str = ""

    @property
    def date(self) -> str:
        return day_name(self.day)


@dataclass
class BuiltDay:
    """A built day: its files (location -> layout name), their rows, its counts."""

    job: DayJob
    written: dict[str, str]
    rows: dict[str, int]
    stats: dict[str, Any]


class DayBrokenFiles(Exception):
    """Files of a day that cannot be read; the planner quarantines them or stops.

    The files are the exception's only argument, so it pickles (a build
    may run in another process)."""

    def __init__(self, bad: list[BadFile]) -> None:
        super().__init__(bad)
        self.bad = bad

    def __str__(self) -> str:
        return "; ".join(str(b) for b in self.bad)


def checked_stats(
    rows_read: int, duplicates: int, placed: dict[str, int], rejected: dict[str, int], conflicting: int = 0
) -> dict[str, Any]:
    """A day's counts; every row read is a duplicate, placed or rejected.
    `conflicting`: placed readings sharing timestamp, payload type and tags
    with a reading of another value (17_count_readings.sql)."""
    stats = {
        "rows_read": rows_read,
        "duplicates": duplicates,
        "placed": placed,
        "rejected": rejected,
        "rejected_total": sum(rejected.values()),
        "conflicting": conflicting,
    }
    if rows_read != duplicates + sum(placed.values()) + stats["rejected_total"]:
        raise EtlError(f"rows do not add up: {stats}")
    return stats
