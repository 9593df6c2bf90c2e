"""Indexing the input folder into the run state: which files are new or
changed, what each holds (inputs.py reads that), and which are quarantined."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl.core.engine import SqlRunner
from etl.core.errors import EtlError
from etl.core.storage import is_remote
from etl.pipelines.telemetry.inputs import SUFFIXES, BadFile, Source, Staging, index_files, signature
from etl.pipelines.telemetry.state import State
from etl.pipelines.telemetry.summary import RunReport

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


def index_inputs(
    runner: SqlRunner, state: State, settings: Settings, source: Source, staging: Staging, report: RunReport
) -> None:
    found = source.discover()
    if not found and settings.strict:
        raise EtlError(f"no input files under {settings.input} (looked for {', '.join(SUFFIXES)}; --strict)")
    for rel in [r for r in state.files if r not in found]:
        forget_file(state, rel, staging)
    for rel in [r for r in state.quarantined if r not in found]:
        del state.quarantined[rel]
    todo = []
    for rel, stat in found.items():
        known = state.files.get(rel) or state.quarantined.get(rel)
        if known and known["size"] == stat.size and known["mtime_ns"] == stat.mtime_ns:
            continue
        todo.append(rel)
    if not todo:
        return
    entries, bad = index_files(runner, source, todo, staging)
    report.files_indexed = len(todo)
    if bad and settings.on_bad_file == "fail":
        raise EtlError(bad_message(bad, settings.input))
    for item in bad:
        quarantine(state, item, signature(found[item.rel]), report, staging)
    for rel, entry in entries.items():
        state.quarantined.pop(rel, None)
        state.files[rel] = entry
    state.save()


def bad_message(bad: list[BadFile], input_root: Path | str) -> str:
    more = f" (and {len(bad) - 1} more bad file(s))" if len(bad) > 1 else ""
    first = bad[0]
    where = f"{input_root.rstrip('/')}/{first.rel}" if is_remote(input_root) else Path(input_root) / first.rel
    return f"{where}: {first.reason}{more}; use --on-bad-file skip to quarantine bad files and go on"


def quarantine(
    state: State, item: BadFile, sig: dict[str, Any], report: RunReport, staging: Staging | None = None
) -> None:
    forget_file(state, item.rel, staging)
    state.quarantined[item.rel] = {"size": sig["size"], "mtime_ns": sig["mtime_ns"], "reason": item.reason}
    report.newly_quarantined.append({"file": item.rel, "reason": item.reason})


def forget_file(state: State, rel: str, staging: Staging | None = None) -> None:
    """Drop a file from the state, and its staged copy if it has one."""
    entry = state.files.pop(rel, None)
    if entry and entry.get("staged") and staging is not None:
        staging.remove(entry["read_path"])
