"""The per-day figures of the telemetry outputs: one figure per module and
day, and per day an overview of every module's state of charge and the
phase currents (`plots.plot_all` plans and draws them).

They read the generated parquet day files (never the raw input) through
the SQL in `sql/telemetry/plots/`; this module only lays the points out on
matplotlib's object API and the Agg canvas (no pyplot, no global backend
switch), so a figure renders the same on a server, in CI, in the container,
in a worker process and in tests.

Gaps are gaps: the SQL marks where a series pauses for longer than its usual
spacing, and a line stops there (a NaN is inserted) instead of being drawn
across hours without data. Readings are also drawn as small dots, so a lone
reading between two gaps (a cell-voltage sweep every 10 minutes, a burst of
a few seconds) stays visible. The time axis (`plot_time.TimeAxis`) is zoomed
to the stretches with readings, hours without any cut out and marked, unless
`whole_day` asks for 00:00-24:00; a reading stands for its bucket of the
grid (5 s by default, `--every` otherwise).

Currents are signed as in the real export: positive while the battery
discharges, negative while it charges (its state of charge falls while the
current is positive); the current panels say so and draw the zero line.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Colormap
from matplotlib.figure import Figure

from etl.core.engine import SqlRunner
from etl.pipelines.telemetry.days import DEFAULT_STEP, SECONDS_PER_DAY, natural_key
from etl.pipelines.telemetry.plot_time import TimeAxis, duration

DPI = 100
# Pixel sizes (width, height); the tests read them back from the PNG headers.
MODULE_SIZE = (1400, 1500)
OVERVIEW_SIZE = (1400, 900)
PHASES_SIZE = (1400, 600)
# A pause of at most this long never breaks a line (signals come every 7-9 s).
MIN_GAP_SECONDS = 60
# Width of a heat-map cell: 288 slots a day, fine enough to show bursts (on
# a coarser grid, the shortest whole number of its buckets that is as long).
SLOT_SECONDS = 300
MISSING_COLOUR = "#e6e6e6"
_COLOURS = [f"C{i % 10}" for i in range(64)]
LAYOUT = {"left": 0.07, "right": 0.84, "top": 0.93, "bottom": 0.08, "hspace": 0.3}
# The sign of every current in the outputs, as the real export has it.
CURRENT_SIGN = "positive = discharging, negative = charging"


@dataclass(frozen=True)
class Panel:
    """One stacked panel of a module figure: which series, what unit, how tall a span at least."""

    title: str
    ylabel: str
    picks: Callable[[str], bool]
    min_span: float
    zero_line: bool = False


MODULE_PANELS = (
    Panel(
        "Module and battery voltage",
        "Voltage (V)",
        lambda s: s == "module_voltage" or s.startswith("battery_voltage__"),
        1.0,
    ),
    Panel(f"Module current ({CURRENT_SIGN})", "Current (A)", lambda s: s == "module_current", 2.0, zero_line=True),
    Panel("State of charge", "State of charge (%)", lambda s: s == "module_state_of_charge", 5.0),
    Panel(
        "Module and sensor temperatures",
        "Temperature (°C)",
        lambda s: s == "module_temperature" or s.startswith("battery_sensor_temperature__"),
        2.0,
    ),
)


@dataclass(frozen=True)
class DayFile:
    """One day file of the output, as `01_list_files.sql` lists it."""

    dataset: str
    phase: str | None
    module: str | None
    date: str
    path: str


# --- figures -----------------------------------------------------------------


def module_figure(runner: SqlRunner, item: DayFile, whole_day: bool = False) -> Figure:
    """Five stacked panels on one UTC day: voltages, current, SoC, temperatures, cells."""
    runner.execute("02_stage_module_day.sql", {"path": item.path})
    series = _fetch_series(runner)
    step = grid_step(runner, item.path)
    axis = TimeAxis.for_readings(item.date, day_start(item.date), _all_times(series), whole_day, step)
    figure = make_figure(MODULE_SIZE, top=0.95, bottom=0.045)
    axes = figure.subplots(len(MODULE_PANELS) + 1, 1, sharex=True)
    for ax, panel in zip(axes, MODULE_PANELS, strict=False):
        names = sorted((s for s in series if panel.picks(s)), key=_series_order)
        for name in names:
            ax.plot(*axis.place(*series[name]), marker=".", markersize=3, linewidth=1.2, label=series_label(name))
        _finish_panel(ax, panel.title, panel.ylabel, panel.min_span, bool(names), zero_line=panel.zero_line)
    _draw_cells(axes[-1], series, axis)
    axis.draw(axes, label_gaps_in=axes[0])
    figure.suptitle(f"Phase {item.phase}, module {item.module} — {item.date} (UTC)", fontsize=16)
    return figure


def _draw_cells(ax: Axes, series: dict[str, tuple[np.ndarray, np.ndarray]], axis: TimeAxis) -> None:
    has_cells = "cell_voltage_mean" in series
    if has_cells:
        t, mean = axis.place(*series["cell_voltage_mean"])
        _, low = axis.place(*series["cell_voltage_min"])
        _, high = axis.place(*series["cell_voltage_max"])
        counts = series["cell_count"][1]
        most = int(np.nanmax(counts)) if np.isfinite(counts).any() else 0
        ax.fill_between(t, low, high, color="tab:blue", alpha=0.25, linewidth=0, label="min–max spread")
        ax.plot(t, low, color="tab:blue", linewidth=0.8, marker="v", markersize=3, label="lowest cell")
        ax.plot(t, high, color="tab:blue", linewidth=0.8, marker="^", markersize=3, label="highest cell")
        ax.plot(t, mean, color="black", linewidth=1.4, marker=".", markersize=4, label=f"mean of up to {most} cells")
    _finish_panel(ax, "Cell voltages across the battery's cells", "Cell voltage (V)", 0.02, has_cells)


def soc_overview_figure(runner: SqlRunner, day: str, files: list[DayFile], whole_day: bool = False) -> Figure:
    """Heat map: every module (rows) by 5-minute slot (columns), colour = SoC in %.

    On a grid coarser than 5 minutes (`--every 10m`), a slot is the shortest
    whole number of buckets lasting 5 minutes, so no slot falls between two
    buckets and shows as a grey stripe."""
    start_of_day = day_start(day)
    slot_seconds = slot_length(grid_step(runner, files[0].path))
    rows = runner.fetch(
        "04_select_soc_overview.sql",
        {"paths": [f.path for f in files], "day_start": start_of_day, "slot_seconds": slot_seconds},
    )
    modules = [(f.phase, f.module) for f in files]
    index = {key: i for i, key in enumerate(modules)}
    grid = np.full((len(modules), math.ceil(SECONDS_PER_DAY / slot_seconds)), np.nan)
    for phase, module, slot, soc in rows:
        grid[index[(phase, module)], slot] = soc
    # a slot stands for its whole width, so a zoomed axis ends on the slots' edges
    starts = sorted({start_of_day + slot * slot_seconds for _, _, slot, _ in rows})
    axis = TimeAxis.for_readings(day, start_of_day, starts, whole_day, slot_seconds)
    figure = make_figure(OVERVIEW_SIZE, left=0.12, right=0.97, top=0.9)
    ax = figure.subplots()
    for start, (low, high) in zip(axis.starts, axis.spans, strict=True):
        image = ax.imshow(
            np.ma.masked_invalid(grid[:, low // slot_seconds : math.ceil(high / slot_seconds)]),
            aspect="auto",
            interpolation="nearest",
            cmap=colormap("viridis"),
            vmin=0,
            vmax=100,
            extent=(start, start + high - low, len(modules) - 0.5, -0.5),
        )
    ax.set_yticks(range(len(modules)), [f"phase {p}, module {m}" for p, m in modules])
    ax.set_ylabel("Module")
    colourbar = figure.colorbar(image, ax=ax, pad=0.01)
    colourbar.set_label("State of charge (%)", fontsize=12)
    ax.set_title(
        f"State of charge of every module — {day} (UTC)\nmeans over {duration(slot_seconds)}; grey = no reading",
        fontsize=14,
    )
    axis.draw([ax], label_gaps_in=ax)
    return figure


def phase_currents_figure(runner: SqlRunner, day: str, files: list[DayFile], whole_day: bool = False) -> Figure:
    """One panel per phase, stacked on the same time axis and the same current scale.

    Separate panels rather than one: the phases often carry nearly the same
    current, and overlaid lines would hide each other.
    """
    runner.execute("03_stage_phase_currents.sql", {"paths": [f.path for f in files]})
    series = _fetch_series(runner)
    step = grid_step(runner, files[0].path)
    axis = TimeAxis.for_readings(day, day_start(day), _all_times(series), whole_day, step)
    phases = sorted({f.phase or "" for f in files}, key=_series_order)
    figure = make_figure(PHASES_SIZE, top=0.9, bottom=0.1, hspace=0.15)
    axes = figure.subplots(len(phases), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, phase, colour in zip(axes, phases, _COLOURS, strict=False):
        if phase in series:
            x, v = axis.place(*series[phase])
            ax.plot(x, v, marker=".", markersize=3, linewidth=1.2, color=colour, label=f"phase {phase}")
        _finish_panel(ax, "", "Current (A)", 2.0, phase in series, zero_line=True)
        if phase not in series:
            ax.text(0.01, 0.85, f"phase {phase}", transform=ax.transAxes, color="grey")
    figure.suptitle(f"Phase currents — {day} (UTC); {CURRENT_SIGN}", fontsize=14)
    axis.draw(axes, label_gaps_in=axes[0])
    return figure


# --- helpers -----------------------------------------------------------------


def _fetch_series(runner: SqlRunner) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The staged points as (times, values) per series, with NaN where a line must stop."""
    rows = runner.fetch("05_select_points.sql", {"min_gap_seconds": MIN_GAP_SECONDS})
    grouped: dict[str, list[tuple[float, float, bool]]] = {}
    for name, t, value, breaks in rows:
        grouped.setdefault(name, []).append((t, value, breaks))
    return {name: with_breaks(points) for name, points in grouped.items()}


def _all_times(series: dict[str, tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    return np.concatenate([t for t, _ in series.values()]) if series else np.array([])


def with_breaks(points: Iterable[tuple[float, float, bool]]) -> tuple[np.ndarray, np.ndarray]:
    """Epoch seconds and values as float arrays, a NaN value before each break."""
    t_out: list[float] = []
    v_out: list[float] = []
    for t, value, breaks in points:
        if breaks and t_out:
            t_out.append(t)
            v_out.append(np.nan)
        t_out.append(t)
        v_out.append(value)
    return np.asarray(t_out, dtype=np.float64), np.asarray(v_out, dtype=np.float64)


def series_label(name: str) -> str:
    """A legend entry; the panel title already says what is measured.

    `module_voltage` -> `module`; `battery_sensor_temperature__battery_1__sensor_2`
    -> `battery 1, sensor 2`; `phase_current` (no place) -> `phase current`.
    """
    base, *where = name.split("__")
    if where:
        return ", ".join(part.replace("_", " ") for part in where)
    if base.startswith("module_"):
        return "module"
    return base.replace("_", " ")


def _series_order(name: str) -> list[tuple[int, object]]:
    """Module signals first, then batteries/sensors in natural order (2 before 10)."""
    return [(0 if name.startswith("module_") else 1, ""), *natural_key(name)]


def _finish_panel(
    ax: Axes, title: str, ylabel: str, min_span: float, has_data: bool, *, zero_line: bool = False
) -> None:
    # y given: matplotlib then skips placing the title above the axis' tick
    # labels, which measured every tick of the figure (a fifth of its time)
    ax.set_title(title, fontsize=12, loc="left", y=1.0)
    ax.set_ylabel(ylabel, fontsize=11)
    ax.grid(alpha=0.3)
    if not has_data:
        ax.text(0.5, 0.5, "no readings this day", transform=ax.transAxes, ha="center", va="center", color="grey")
        return
    if zero_line:
        ax.axhline(0, color="black", linewidth=0.8, alpha=0.6, zorder=1)
    low, high = ax.get_ylim()
    if high - low < min_span:
        middle = (high + low) / 2
        ax.set_ylim(middle - min_span / 2, middle + min_span / 2)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=9, frameon=False)


def day_start(day: str) -> int:
    """Epoch seconds of 00:00 UTC on `day` (YYYY-MM-DD)."""
    return int(dt.datetime.combine(dt.date.fromisoformat(day), dt.time(), dt.UTC).timestamp())


def grid_step(runner: SqlRunner, path: str) -> int:
    """The grid step of a day file (5 s unless the run had `--every`), from its footer."""
    return runner.fetch("06_read_grid_step.sql", {"path": path})[0][0] or DEFAULT_STEP


def slot_length(step: int) -> int:
    """A heat-map slot on a grid of `step` seconds: the shortest whole number
    of buckets that lasts SLOT_SECONDS and divides the day."""
    buckets = -(-SLOT_SECONDS // step)
    while (SECONDS_PER_DAY // step) % buckets:
        buckets += 1
    return buckets * step


def colormap(name: str) -> Colormap:
    """A matplotlib colour map, grey where a value is missing (NaN)."""
    from matplotlib import colormaps

    return colormaps[name].with_extremes(bad=MISSING_COLOUR)


def make_figure(size: tuple[int, int], **margins: float) -> Figure:
    """A figure with fixed margins (legends sit in the right margin), on the Agg canvas.

    Fixed margins rather than constrained layout: the layout engine measured
    every tick label of the stacked panels and took half the drawing time.
    """
    figure = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI)
    figure.subplots_adjust(**{**LAYOUT, **margins})
    FigureCanvasAgg(figure)
    return figure
