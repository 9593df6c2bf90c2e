"""The run's summary: what this run did (RunReport) and what the output
holds, checked against the inputs row for row (`_summary.json`).

Its fields open with the ones every pipeline writes (etl/core/summary.py);
`rows_out` counts the readings placed per dataset, `outputs` every file the
output holds with its rows."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from etl.core.errors import EtlError
from etl.core.summary import check_balance, settings_record
from etl.pipelines.telemetry.days import DATASETS
from etl.pipelines.telemetry.inputs import suffix_of
from etl.pipelines.telemetry.state import State

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


@dataclass
class RunReport:
    """What this run did. A day built twice (again after a file it read was
    quarantined) counts once, with its last build."""

    # date -> (the day's counts, whether it was patched)
    built: dict[str, tuple[dict[str, Any], bool]] = field(default_factory=dict)
    days_removed: list[str] = field(default_factory=list)
    days_unchanged: int = 0
    files_indexed: int = 0
    newly_quarantined: list[dict[str, str]] = field(default_factory=list)

    @property
    def days_written(self) -> list[str]:
        return sorted(self.built)

    @property
    def days_patched(self) -> list[str]:
        return sorted(date for date, (_, patched) in self.built.items() if patched)

    @property
    def rows_read(self) -> int:
        return sum(stats["rows_read"] for stats, _ in self.built.values())

    @property
    def duplicates(self) -> int:
        return sum(stats["duplicates"] for stats, _ in self.built.values())

    @property
    def conflicting(self) -> int:
        return sum(stats.get("conflicting", 0) for stats, _ in self.built.values())

    @property
    def rejected(self) -> int:
        return sum(stats["rejected_total"] for stats, _ in self.built.values())


def summary_changed(old_text: str | None, summary: dict[str, Any]) -> bool:
    """Whether the summary must be written: not when only the run's own facts changed.

    A re-run on unchanged input then rewrites no file at all; the summary on
    disk describes the outputs and the last run that changed them.
    """
    run_facts = ("started_at", "wall_seconds", "run")
    if old_text is None:
        return True
    try:
        old = json.loads(old_text)
    except ValueError:
        old = {}
    same = {k: v for k, v in old.items() if k not in run_facts} == {
        k: v for k, v in json.loads(json.dumps(summary, default=str)).items() if k not in run_facts
    }
    return not (same and not summary["run"]["days_written"] and not summary["run"]["days_removed"])


def telemetry_summary(
    state: State, settings: Settings, report: RunReport, started_at: dt.datetime, wall: float
) -> dict[str, Any]:
    totals: dict[str, Any] = {
        "rows_read": 0,
        "duplicates": 0,
        "placed": {name: 0 for name in DATASETS},
        "rejected": {},
        "conflicting": 0,
    }
    outputs = []
    for date in sorted(state.days):
        record = state.days[date]
        stats = record.get("stats") or {}
        totals["rows_read"] += stats.get("rows_read", 0)
        totals["duplicates"] += stats.get("duplicates", 0)
        totals["conflicting"] += stats.get("conflicting", 0)
        for name, n in stats.get("placed", {}).items():
            totals["placed"][name] += n
        for reason, n in stats.get("rejected", {}).items():
            totals["rejected"][reason] = totals["rejected"].get(reason, 0) + n
        outputs.extend({"path": name, "rows": n} for name, n in sorted(record.get("rows", {}).items()))
    input_rows = sum(e["rows"] for e in state.files.values())
    accounted = totals["duplicates"] + sum(totals["placed"].values()) + sum(totals["rejected"].values())
    if totals["rows_read"] != input_rows or accounted != input_rows:
        raise EtlError(
            f"rows do not add up: the input files hold {input_rows} rows, the days read "
            f"{totals['rows_read']}, and duplicates + placed + rejected = {accounted}"
        )
    return {
        "pipeline": "telemetry",
        "started_at": started_at.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 3),
        "settings": settings_record(settings),
        "run": {
            "files_indexed": report.files_indexed,
            "days_written": report.days_written,
            "days_patched": report.days_patched,
            "days_unchanged": report.days_unchanged,
            "days_removed": report.days_removed,
            "rows_read": report.rows_read,
            "duplicates_removed": report.duplicates,
            "rejected": report.rejected,
            "conflicting": report.conflicting,
            "newly_quarantined": report.newly_quarantined,
        },
        "inputs": {
            "files": len(state.files),
            "rows": input_rows,
            "by_file": [{"path": rel, "rows": entry["rows"]} for rel, entry in sorted(state.files.items())],
            "by_format": _by_format(state),
        },
        "rows_out": dict(totals["placed"]),
        "rejects": dict(sorted(totals["rejected"].items())),
        "check": check_balance("rows in the input files = duplicates + placed + rejected", input_rows, accounted),
        "totals": {**totals, "check": "rows_read = duplicates + placed + rejected"},
        "quarantined": [{"file": rel, "reason": q["reason"]} for rel, q in sorted(state.quarantined.items())],
        "days": sorted(state.days),
        "outputs": outputs,
    }


def _by_format(state: State) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rel in state.files:
        kind = suffix_of(rel) or "?"
        counts[kind] = counts.get(kind, 0) + 1
    return counts
