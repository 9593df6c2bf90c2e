"""A fleet: one input folder per system (`<input>/<system_id>/YYYY/MM/DD/...`),
one output folder per system (`<output>/<system_id>/`, laid out as a run
over that system alone), every system with its own state, lock and
summary, and all their days in one queue of builds. The summary at the top
of the output adds them up."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl.core.errors import EtlError
from etl.core.files import write_json_atomic
from etl.core.storage import ObjectStore, is_remote
from etl.core.summary import SUMMARY_NAME, RunClock, check_balance, settings_record
from etl.pipelines.telemetry.days import DATASETS

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


def fleet_systems(settings: Settings) -> list[tuple[str, Settings]]:
    """Every system of the fleet (a folder of the input root not starting with a dot), with its settings."""
    root = str(settings.input).rstrip("/")
    if is_remote(root):
        names = sorted({rel.split("/", 1)[0] for rel in ObjectStore(root).list() if "/" in rel})
    else:
        if not Path(root).is_dir():
            raise EtlError(f"input folder not found: {settings.input}")
        names = sorted(p.name for p in Path(root).iterdir() if p.is_dir())
    names = [n for n in names if not n.startswith((".", "_"))]
    if not names:
        raise EtlError(f"{settings.input}: no system folders (a fleet's input holds <system_id>/YYYY/MM/DD/...)")
    out = str(settings.output).rstrip("/")

    def join(base: str, name: str) -> Path | str:
        return f"{base}/{name}" if is_remote(base) else Path(base) / name

    return [(name, replace(settings, input=join(root, name), output=join(out, name), fleet=False)) for name in names]


def fleet_summary(settings: Settings, clock: RunClock, summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The fleet's summary, written at the top of the output: each system's
    figures and their sums, checked like one system's."""
    rows_out = {name: 0 for name in DATASETS}
    rejects: dict[str, int] = {}
    systems = {}
    for name, summary in summaries.items():
        for dataset, n in summary["rows_out"].items():
            rows_out[dataset] += n
        for reason, n in summary["rejects"].items():
            rejects[reason] = rejects.get(reason, 0) + n
        systems[name] = {
            "summary": f"{name}/{SUMMARY_NAME}",
            **{k: summary["run"][k] for k in ("days_written", "days_patched", "days_unchanged", "days_removed")},
            "rows_read": summary["run"]["rows_read"],
            "quarantined": len(summary["quarantined"]),
        }
    inputs = sum(s["inputs"]["rows"] for s in summaries.values())
    totals = summaries.values()
    accounted = sum(s["totals"]["duplicates"] for s in totals) + sum(rows_out.values()) + sum(rejects.values())
    summary = {
        "pipeline": "telemetry",
        "started_at": clock.started_at.isoformat(timespec="seconds"),
        "wall_seconds": round(clock.seconds(), 3),
        "settings": settings_record(settings),
        "inputs": {
            "files": sum(s["inputs"]["files"] for s in summaries.values()),
            "rows": inputs,
            "by_file": [{"path": f"{name}/", "rows": s["inputs"]["rows"]} for name, s in summaries.items()],
        },
        "rows_out": rows_out,
        "rejects": dict(sorted(rejects.items())),
        "outputs": [
            {"path": f"{name}/", "rows": sum(o["rows"] for o in s["outputs"])} for name, s in summaries.items()
        ],
        "check": check_balance("rows in the input files = duplicates + placed + rejected", inputs, accounted),
        "systems": systems,
    }
    root = str(settings.output).rstrip("/")
    if is_remote(root):
        ObjectStore(root).write_json(SUMMARY_NAME, summary)
    else:
        write_json_atomic(Path(root).resolve() / SUMMARY_NAME, summary)
    return summary
