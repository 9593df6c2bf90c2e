"""The run summary every pipeline writes as `_summary.json`.

Every summary opens with the same fields, so one reader (a dashboard, a
test, a person) understands any pipeline's run:

    pipeline      the pipeline's name
    started_at    when the run started (UTC, ISO 8601)
    wall_seconds  how long it took
    settings      the Settings it ran with
    inputs        {"files": n, "rows": n, "by_file": [{"path", "rows"}, ...]}
    rows_out      rows per output table or dataset
    rejects       rows set aside, by reason
    outputs       what the output holds: [{"path", "rows"}, ...]
    check         the no-loss identity the run checked: {"rule", "left", "right"}
                  (null for a run that only reads)

A pipeline adds its own fields after these.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from etl.core.errors import EtlError
from etl.core.files import write_json_atomic

SUMMARY_NAME = "_summary.json"


@dataclass
class RunClock:
    """When a run started, by the wall clock and by a monotonic one."""

    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _start: float = field(default_factory=time.monotonic)

    def seconds(self) -> float:
        return time.monotonic() - self._start


def settings_record(settings: Any) -> dict[str, Any]:
    """A Settings dataclass as JSON-ready values (paths, durations and times as text)."""
    return {key: _plain(value) for key, value in dataclasses.asdict(settings).items()}


def _plain(value: Any) -> Any:
    if isinstance(value, PurePath | dt.timedelta | dt.date):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def check_balance(rule: str, left: int, right: int, *, where: str = "") -> dict[str, Any]:
    """The run's no-loss identity: `left` rows in must equal `right` rows accounted for.

    Raises when they differ: a pipeline that loses or invents rows must fail,
    not write a summary that hides it.
    """
    if left != right:
        place = f"{where}: " if where else ""
        raise EtlError(f"{place}rows do not add up: {rule}, but {left} != {right}")
    return {"rule": rule, "left": left, "right": right}


def run_summary(
    pipeline: str,
    clock: RunClock,
    settings: Any,
    *,
    inputs: Iterable[Mapping[str, Any]],
    rows_out: Mapping[str, int],
    rejects: Mapping[str, int],
    outputs: Iterable[Mapping[str, Any]],
    check: Mapping[str, Any] | None,
    **extra: Any,
) -> dict[str, Any]:
    """The summary's shared fields, then the pipeline's own (`extra`)."""
    by_file = [dict(item) for item in inputs]
    return {
        "pipeline": pipeline,
        "started_at": clock.started_at.isoformat(timespec="seconds"),
        "wall_seconds": round(clock.seconds(), 3),
        "settings": settings_record(settings),
        "inputs": {"files": len(by_file), "rows": sum(item["rows"] for item in by_file), "by_file": by_file},
        "rows_out": dict(rows_out),
        "rejects": dict(rejects),
        "outputs": [dict(item) for item in outputs],
        "check": dict(check) if check is not None else None,
        **extra,
    }


def write_summary(folder: Path, summary: Mapping[str, Any]) -> Path:
    path = Path(folder) / SUMMARY_NAME
    write_json_atomic(path, summary)
    return path
