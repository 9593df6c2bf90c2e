"""What every seam of the telemetry pipeline shares about a day: the
datasets and the grid, a day's name, the job a worker builds and what it
hands back, and the row identity every day's counts must keep."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from etl.core.errors import EtlError

if TYPE_CHECKING:
    from etl.pipelines.telemetry.inputs import BadFile

SECONDS_PER_DAY = 86_400
DATASETS = {
    "modules": ("phase", "module"),
    "phases": ("phase",),
    "system": (),
}

GRID_ROWS_PER_DAY = 17_280

GRID_ROWS_PER_HOUR = 720


def natural_key(name: str) -> list[tuple[int, Any]]:
    """Sort key putting `cell_2` before `cell_10`."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", name) if part]


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


def checked_stats(rows_read: int, duplicates: int, placed: dict[str, int], rejected: dict[str, int]) -> dict[str, Any]:
    """A day's counts; every row read is a duplicate, placed or rejected."""
    stats = {
        "rows_read": rows_read,
        "duplicates": duplicates,
        "placed": placed,
        "rejected": rejected,
        "rejected_total": sum(rejected.values()),
    }
    if rows_read != duplicates + sum(placed.values()) + stats["rejected_total"]:
        raise EtlError(f"rows do not add up: {stats}")
    return stats
