"""Indexing the input folder into the run state: which files are new or
changed, what each holds (inputs.py reads that), and which are quarantined."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from etl.core.engine import SqlRunner
from etl.core.errors import EtlError
from etl.pipelines.telemetry.inputs import BadFile, discover, index_files, signature
from etl.pipelines.telemetry.state import State
from etl.pipelines.telemetry.summary import RunReport

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


def index_inputs(
    runner: SqlRunner, state: State, settings: Settings, input_root: Path, staging: Path, report: RunReport
) -> None:
    found = discover(input_root)
    for rel in [r for r in state.files if r not in found]:
        forget_file(state, rel)
    for rel in [r for r in state.quarantined if r not in found]:
        del state.quarantined[rel]
    todo = {}
    for rel, path in found.items():
        sig = signature(path)
        known = state.files.get(rel) or state.quarantined.get(rel)
        if known and known["size"] == sig["size"] and known["mtime_ns"] == sig["mtime_ns"]:
            continue
        todo[rel] = path
    if not todo:
        return
    entries, bad = index_files(runner, todo, staging)
    report.files_indexed = len(todo)
    if bad and settings.on_bad_file == "fail":
        raise EtlError(bad_message(bad, settings.input))
    for item in bad:
        quarantine(state, item, found[item.rel], report)
    for rel, entry in entries.items():
        state.quarantined.pop(rel, None)
        state.files[rel] = entry
    state.save()


def bad_message(bad: list[BadFile], input_root: Path) -> str:
    more = f" (and {len(bad) - 1} more bad file(s))" if len(bad) > 1 else ""
    first = bad[0]
    return f"{input_root / first.rel}: {first.reason}{more}; use --on-bad-file skip to quarantine bad files and go on"


def quarantine(state: State, item: BadFile, path: Path, report: RunReport) -> None:
    forget_file(state, item.rel)
    state.quarantined[item.rel] = {**signature(path), "reason": item.reason}
    report.newly_quarantined.append({"file": item.rel, "reason": item.reason})


def forget_file(state: State, rel: str) -> None:
    entry = state.files.pop(rel, None)
    if entry and entry.get("staged"):
        Path(entry["read_path"]).unlink(missing_ok=True)
