"""Plots of the telemetry outputs: which figures an output folder has, and
drawing them (`plot_all`).

Per UTC day, under `plots/<date>/`: a figure per module (voltages,
current, state of charge, temperatures, cells), a heat map of every
module's state of charge, the phase currents, and a coverage map of every
signal (from the day's quality files); over every day, `plots/overview.png`:
per module and day, its coverage and the spread of its cell voltages.
The figures are drawn by `plot_figures` and `plot_quality`, on every core
and only when what they are drawn from changed (`plot_pool`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.pipelines.telemetry.plot_figures import (
    CURRENT_SIGN,
    MODULE_SIZE,
    OVERVIEW_SIZE,
    PHASES_SIZE,
    DayFile,
    module_figure,
    phase_currents_figure,
    series_label,
    soc_overview_figure,
    with_breaks,
)
from etl.pipelines.telemetry.plot_pool import Figures, Task, draw_all, workers_for
from etl.pipelines.telemetry.plot_quality import coverage_figure, days_overview_figure

__all__ = [
    "CURRENT_SIGN",
    "MODULE_SIZE",
    "OVERVIEW_SIZE",
    "PHASES_SIZE",
    "DayFile",
    "Figures",
    "plan",
    "plot_all",
    "series_label",
    "with_breaks",
]

QUALITY = "_quality"


def plot_all(
    output: Path,
    *,
    phase: str | None = None,
    module: str | None = None,
    date: str | None = None,
    quiet: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
    whole_day: bool = False,
) -> Figures:
    """Draw every plot of the output folder (or the chosen phase/module/date).

    `phase`/`module` narrow the module figures and skip the per-day figures
    (they show every module); `date` narrows everything; any filter skips
    the overview of every day. Each figure's time axis is zoomed to its
    readings, or spans 00:00-24:00 with `whole_day`. The figures are drawn
    on `threads` worker processes (default: every core), and a figure whose
    inputs, options and code are those it was last drawn from is not drawn
    again; a run without filters also deletes the figures of days or
    modules the output no longer has. Returns the figures (PNGs under
    `output/plots/`, each replaced atomically), drawn or unchanged: a list,
    with `.drawn`, `.unchanged` and `.removed`.
    """
    root = Path(output)
    _check_outputs(root)
    con = connect(threads=1, memory_limit=memory_limit)
    try:
        chosen = _list_files(SqlRunner(con, "telemetry/plots"), root, phase, module, date)
    finally:
        con.close()
    if not any(f.dataset == "modules" for f in chosen):
        raise EtlError(f"no module day files in {root / 'modules'}{_describe_filter(phase, module, date)}")
    unfiltered = phase is None and module is None and date is None
    tasks = plan(root, chosen, per_day=phase is None and module is None, every_day=unfiltered, whole_day=whole_day)
    workers = workers_for(threads, len(tasks))
    return draw_all(root, tasks, workers=workers, memory_limit=memory_limit, quiet=quiet, prune=unfiltered)


def plan(root: Path, files: list[DayFile], *, per_day: bool, every_day: bool, whole_day: bool) -> list[Task]:
    """The figures of these day files: one per module day; with `per_day`,
    each day's SoC heat map, phase currents and coverage map; with
    `every_day`, the overview of every day."""

    def zoomed(name: str, draw: Callable[..., Figure], args: tuple, inputs: list[DayFile]) -> Task:
        """A figure with a time axis, zoomed unless `whole_day`: that option shapes it too."""
        return Task(name, draw, (*args, whole_day), _paths(inputs), (("whole_day", whole_day),))

    modules = [f for f in files if f.dataset == "modules"]
    tasks = [
        zoomed(f"{f.date}/module_p{_safe(f.phase)}_m{_safe(f.module)}.png", module_figure, (f,), [f]) for f in modules
    ]
    days = sorted({f.date for f in modules})
    quality = {day: _quality_files(root, day) for day in days}
    for day in days if per_day else []:
        day_modules = [f for f in modules if f.date == day]
        tasks.append(zoomed(f"{day}/overview_soc.png", soc_overview_figure, (day, day_modules), day_modules))
        phases = [f for f in files if f.dataset == "phases" and f.date == day]
        if phases:
            tasks.append(zoomed(f"{day}/phase_currents.png", phase_currents_figure, (day, phases), phases))
        if quality[day]:
            tasks.append(Task(f"{day}/coverage.png", coverage_figure, (day, *quality[day]), quality[day]))
    if every_day:
        pairs = [quality[day] for day in days if quality[day]]
        inputs = (*_paths(modules), *(path for pair in pairs for path in pair))
        tasks.append(Task("overview.png", days_overview_figure, (modules, pairs), inputs))
    return tasks


def _quality_files(root: Path, day: str) -> tuple[str, str] | tuple[()]:
    """The day's quality files (signals, cells), or none: an output written before they existed."""
    folder = root.resolve() / QUALITY / f"date={day}"
    pair = (str(folder / "signals.parquet"), str(folder / "cells.parquet"))
    return pair if all(Path(p).is_file() for p in pair) else ()


def _paths(files: list[DayFile]) -> tuple[str, ...]:
    return tuple(f.path for f in files)


def _safe(value: str | None) -> str:
    """A partition value as a piece of a file name."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value or "none")


def _check_outputs(root: Path) -> None:
    """Say clearly why there is nothing to plot: no folder, no run, or the hourly layout."""
    if not root.is_dir():
        raise EtlError(f"output folder not found: {root} (run the telemetry pipeline first)")
    if (root / "modules").is_dir():
        return
    layout = _summary_layout(root)
    if layout == "hourly":
        raise EtlError(
            f"{root} was written with --layout hourly ({{phase}}_{{module}}/YYYY/MM/DD/HH.parquet); "
            f"the plots read the hive layout only (modules/phase=P/module=M/date=D/): "
            f"run the telemetry pipeline again with --layout hive into another folder"
        )
    raise EtlError(
        f"no telemetry outputs in {root} (no modules/ folder): "
        f"run `python etl_process.py --input data/ --output {root}` first"
    )


def _summary_layout(root: Path) -> str | None:
    try:
        return json.loads((root / "_summary.json").read_text())["settings"]["layout"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _list_files(
    runner: SqlRunner, root: Path, phase: str | None, module: str | None, date: str | None
) -> list[DayFile]:
    rows = runner.fetch(
        "01_list_files.sql",
        {"root": str(root.resolve()), "phase": phase, "module": module, "date": date},
    )
    return [DayFile(*row) for row in rows]


def _describe_filter(phase: str | None, module: str | None, date: str | None) -> str:
    parts = [f"{name}={value}" for name, value in (("phase", phase), ("module", module), ("date", date)) if value]
    return " match " + ", ".join(parts) if parts else ""
