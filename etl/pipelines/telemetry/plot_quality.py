"""The data-quality figures: per day a coverage map of every signal, and
over all days one overview of every module (coverage and cell voltage
spread).

Both read the quality files the pipeline writes beside the day files
(`_quality/date=D/signals.parquet` and `cells.parquet`) through
`sql/telemetry/plots/07_stage_coverage.sql`, which says how completely each
signal family of each series reported in each 15-minute cell.

Why "share of the normal cadence" and not the raw coverage: the signals
come at very different rates. A cell voltage read every 10 minutes fills 1
or 2 of a cell's 180 five-second buckets, a module voltage 20 to 60, so on
a raw scale every cell row would read "almost silent" and every module
voltage "partial" while both report as they always do. Each family's
normal cadence is the median buckets with a reading of its non-empty cells
that day (over every series), written beside its panel; a cell's colour is
how much of that a series reported there (capped at 1), averaged over the
family's signals (8 of 14 cells read: 57 %). Silent, no reading at all, is
grey, apart from the colours; rejected readings are marked with a red x.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, ListedColormap
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from etl.core.engine import SqlRunner
from etl.pipelines.telemetry.days import SECONDS_PER_DAY
from etl.pipelines.telemetry.plot_figures import MISSING_COLOUR, DayFile, colormap, day_start, make_figure
from etl.pipelines.telemetry.plot_time import TimeAxis, duration

# The module families in the order of the module figure's panels; any other after them by name.
MODULE_FAMILIES = (
    "module_voltage",
    "battery_voltage",
    "module_current",
    "module_state_of_charge",
    "module_temperature",
    "battery_sensor_temperature",
    "cell_voltage",
)
# Sequential, colour-blind safe, no alarm red: pale yellow (a few readings)
# to dark blue (the normal cadence); its palest fifth is left out, so that a
# square with a reading never looks like a silent (grey) one.
COVERAGE_COLOURS = ("YlGnBu", 0.2)
SPREAD_COLOURS = "YlOrRd"
# The spread scale ends here; a wider spread is drawn in OVER_COLOUR.
SPREAD_MAX_MV = 100
OVER_COLOUR = "#4a0418"
REJECTED_COLOUR = "#d7191c"
WIDTH = 1400
# The coverage map, in pixels: margins, each panel's title and gap, and a
# row's height (chosen from the number of rows, within these bounds).
MAP_LEFT, MAP_RIGHT, MAP_HEADER, MAP_BOTTOM = 190, 150, 110, 60
PANEL_TITLE, PANEL_GAP, TOP_TICKS = 22, 14, 16
ROW_PX = (10, 22)
# Where the colour bar starts (the legend follows it).
KEY_LEFT = 880
# A row of the phases' or the system's panel holds its own label and cadence.
LABELLED_ROW_PX = 13
# The overview: margins, a module row's height bounds, each panel's width.
OVERVIEW_HEADER, OVERVIEW_BOTTOM, OVERVIEW_MIN_HEIGHT, OVERVIEW_ROW_PX = 125, 90, 400, (16, 40)
PANEL_W = 500
# The overview writes each value in its square when there are at most this many days.
ANNOTATE_DAYS = 31


@dataclass(frozen=True)
class MapRow:
    """One row of a coverage map: a signal family of one series."""

    dataset: str
    family: str
    phase: str | None
    module: str | None
    members: int
    normal_buckets: float | None
    cell_buckets: int
    cell_seconds: int
    cells: list[dict]


# --- the coverage map of one day -------------------------------------------------


def coverage_rows(runner: SqlRunner, signals: list[str], cells: list[str]) -> list[MapRow]:
    """The rows of the coverage map of the days whose quality files these are."""
    runner.execute("07_stage_coverage.sql", {"signals": signals, "cells": cells})
    rows = runner.fetch("08_select_coverage_map.sql", {"families": list(MODULE_FAMILIES)})
    return [MapRow(*row) for row in rows]


def coverage_figure(runner: SqlRunner, day: str, signals: str, cells: str) -> Figure:
    """Signals (rows) by cell of the day (columns), coloured by the share of
    their normal cadence: one panel per module signal family, its rows the
    modules; one panel for the phases and one for the system, their rows
    the families."""
    rows = coverage_rows(runner, [signals], [cells])
    panels = _panels(rows)
    modules = sum(len(p) for _, p in panels if p[0].dataset == "modules")
    module_px = min(max(1400 // max(modules, 1), ROW_PX[0]), ROW_PX[1])
    heights = [len(p) * (module_px if p[0].dataset == "modules" else LABELLED_ROW_PX) for _, p in panels]
    height = MAP_HEADER + TOP_TICKS + MAP_BOTTOM + sum(heights) + len(panels) * (PANEL_TITLE + PANEL_GAP)
    figure = make_figure((WIDTH, height))
    cell_seconds = rows[0].cell_seconds if rows else 900
    axis = TimeAxis(day, day_start(day), ((0, SECONDS_PER_DAY),))
    top = MAP_HEADER + TOP_TICKS
    axes: list[Axes] = []
    image: AxesImage | None = None
    for (title, members), rows_px in zip(panels, heights, strict=True):
        top += PANEL_TITLE
        ax = _axes_at(figure, MAP_LEFT, top, WIDTH - MAP_LEFT - MAP_RIGHT, rows_px, height)
        image = _draw_map(ax, members, cell_seconds)
        ax.set_title(title, fontsize=10, loc="left", y=1.0, pad=3 if axes else 3 + TOP_TICKS)
        ax.tick_params(axis="y", labelsize=7 if rows_px / len(members) < 14 else 9, length=0)
        _label_cadence(ax, members, panel=members[0].dataset == "modules")
        axes.append(ax)
        top += rows_px + PANEL_GAP
    for ax in axes:
        _hours(ax, axis, top=ax is axes[0], bottom=ax is axes[-1])
    if axes:
        axes[-1].set_xlabel(axis.label(), fontsize=11)
    figure.text(MAP_LEFT / WIDTH, 1 - 12 / height, f"Signal coverage — {day} (UTC)", va="top", fontsize=15)
    figure.text(
        MAP_LEFT / WIDTH,
        1 - 40 / height,
        f"One square = {duration(cell_seconds)}. Colour: how much of its normal cadence each signal reported\n"
        "there (a family of signals: their mean). Normal = the median of the family's squares with a\n"
        "reading this day, written on the right. Grey = silent: no reading at all.",
        va="top",
        fontsize=10,
    )
    if image is not None:
        _coverage_key(figure, image, height)
    return figure


def _panels(rows: list[MapRow]) -> list[tuple[str, list[MapRow]]]:
    """Module rows: a panel per family (rows: the modules); phases and system: a panel each."""
    panels: dict[tuple[str, str], list[MapRow]] = {}
    for row in rows:
        key = (row.dataset, row.family if row.dataset == "modules" else "")
        panels.setdefault(key, []).append(row)
    titled = []
    for (dataset, family), members in panels.items():
        if dataset == "modules":
            each = f" ({members[0].members} signals per module)" if members[0].members > 1 else ""
            titled.append((f"{family_label(family)}{each}", members))
        else:
            titled.append((f"{dataset.capitalize()}", members))
    return titled


def _draw_map(ax: Axes, rows: list[MapRow], cell_seconds: int) -> AxesImage:
    grid = np.full((len(rows), SECONDS_PER_DAY // cell_seconds), np.nan)
    rejected: list[tuple[float, int]] = []
    for i, row in enumerate(rows):
        for cell in row.cells:
            grid[i, cell["cell"]] = cell["share"]
            if cell["rejected"]:
                rejected.append(((cell["cell"] + 0.5) * cell_seconds, i))
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        interpolation="nearest",
        cmap=coverage_colours(),
        vmin=0,
        vmax=1,
        extent=(0, SECONDS_PER_DAY, len(rows) - 0.5, -0.5),
    )
    if rejected:
        x, y = zip(*rejected, strict=True)
        ax.scatter(x, y, marker="x", s=14, linewidths=1, color=REJECTED_COLOUR, zorder=3)
    ax.set_yticks(range(len(rows)), [row_label(row) for row in rows])
    for i in range(1, len(rows)):
        if rows[i].phase != rows[i - 1].phase and rows[i].dataset == "modules":
            ax.axhline(i - 0.5, color="white", linewidth=1.5)
    return image


def _label_cadence(ax: Axes, rows: list[MapRow], *, panel: bool) -> None:
    """The normal cadence right of the map: once for a module panel (one
    family), row by row for the phases and the system."""
    transform = ax.get_yaxis_transform()
    if panel:
        ax.text(1.01, 0.5, cadence(rows[0]).replace(", ", "\n"), transform=ax.transAxes, va="center", fontsize=9)
        return
    for i, row in enumerate(rows):
        ax.text(1.01, i, cadence(row), transform=transform, va="center", fontsize=7)


def _hours(ax: Axes, axis: TimeAxis, *, top: bool, bottom: bool) -> None:
    labelled, minor = axis.ticks()
    ax.set_xlim(0, SECONDS_PER_DAY)
    ax.set_xticks([x for x, _ in labelled], [label for _, label in labelled])
    ax.set_xticks(minor, minor=True)
    ax.tick_params(axis="x", labelsize=9, labeltop=top, labelbottom=bottom, top=True)
    ax.grid(axis="x", which="both", color="white", linewidth=0.6, alpha=0.8)


def _coverage_key(figure: Figure, image: AxesImage, height: int) -> None:
    """The colour bar and the legend of the grey and the red x, top right."""
    bar = _axes_at(figure, KEY_LEFT, 18, 260, 14, height)
    colourbar = figure.colorbar(image, cax=bar, orientation="horizontal")
    colourbar.set_ticks([0, 0.25, 0.5, 0.75, 1], labels=["0", "25 %", "50 %", "75 %", "100 %"])
    colourbar.ax.tick_params(labelsize=8)
    colourbar.set_label("share of the normal cadence", fontsize=9)
    figure.legend(
        handles=[
            Patch(facecolor=MISSING_COLOUR, edgecolor="grey", label="silent (no reading)"),
            Line2D([], [], marker="x", color=REJECTED_COLOUR, linestyle="none", label="rejected readings"),
        ],
        loc="upper left",
        bbox_to_anchor=((KEY_LEFT + 270) / WIDTH, 1 - 8 / height),
        fontsize=9,
        frameon=False,
    )


def coverage_colours() -> Colormap:
    """COVERAGE_COLOURS without its palest part, grey where a square is silent."""
    name, start = COVERAGE_COLOURS
    colours = colormaps[name](np.linspace(start, 1, 256))
    return ListedColormap(colours, name=f"{name}_from_{start}").with_extremes(bad=MISSING_COLOUR)


# --- the overview of every day ---------------------------------------------------


def days_overview_figure(runner: SqlRunner, modules: list[DayFile], quality: list[tuple[str, str]]) -> Figure:
    """Every module (rows) by day (columns), two panels: its coverage that day
    (the mean of its rows of the day's coverage map) and the typical spread
    of its cell voltages (the median over the day's complete sweeps of the
    highest minus the lowest cell)."""
    keys = sorted({(f.phase, f.module) for f in modules}, key=lambda k: [_natural(k[0]), _natural(k[1])])
    days = sorted({f.date for f in modules})
    row, col = {k: i for i, k in enumerate(keys)}, {d: j for j, d in enumerate(days)}
    coverage = np.full((len(keys), len(days)), np.nan)
    if quality:
        runner.execute("07_stage_coverage.sql", {"signals": [s for s, _ in quality], "cells": [c for _, c in quality]})
        for date, phase, module, share in runner.fetch("09_select_module_coverage.sql", {}):
            if (phase, module) in row and date in col:
                coverage[row[(phase, module)], col[date]] = share
    spread = np.full((len(keys), len(days)), np.nan)
    for phase, module, date, _, median_mv, _ in runner.fetch(
        "10_select_cell_spread.sql", {"paths": [f.path for f in modules]}
    ):
        spread[row[(phase, module)], col[date]] = median_mv
    row_px = min(max(600 // max(len(keys), 1), OVERVIEW_ROW_PX[0]), OVERVIEW_ROW_PX[1])
    height = max(OVERVIEW_HEADER + OVERVIEW_BOTTOM + len(keys) * row_px, OVERVIEW_MIN_HEIGHT)
    figure = make_figure((WIDTH, height))
    left, cover = _overview_panel(figure, height, 130, len(keys) * row_px, coverage, coverage_colours(), 1.0)
    right, spreads = _overview_panel(
        figure, height, 130 + PANEL_W + 146, len(keys) * row_px, spread,
        colormap(SPREAD_COLOURS).with_extremes(over=OVER_COLOUR), SPREAD_MAX_MV,
    )  # fmt: skip
    size = 9 if row_px >= 14 else 7
    left.set_yticks(range(len(keys)), [f"phase {p}, module {m}" for p, m in keys], fontsize=size)
    right.set_yticks(range(len(keys)), [f"P{p} M{m}" for p, m in keys], fontsize=size)
    left.set_title("Coverage: share of the day at each signal's normal cadence (%)", fontsize=11, loc="left", y=1.0)
    right.set_title("Cell voltage spread: typical highest − lowest cell (mV)", fontsize=11, loc="left", y=1.0)
    for ax, image, values, scale in ((left, cover, coverage, 100), (right, spreads, spread, 1)):
        _day_ticks(ax, days)
        if len(days) <= ANNOTATE_DAYS:
            _annotate(ax, image, values, scale)
    top = OVERVIEW_HEADER
    bar = figure.colorbar(cover, cax=_axes_at(figure, 130 + PANEL_W + 12, top, 14, len(keys) * row_px, height))
    bar.set_ticks([0, 0.25, 0.5, 0.75, 1], labels=["0", "25 %", "50 %", "75 %", "100 %"])
    bar = figure.colorbar(spreads, cax=_axes_at(figure, WIDTH - 104, top, 14, len(keys) * row_px, height), extend="max")
    bar.set_label(f"mV; darkest: over {SPREAD_MAX_MV} mV", fontsize=9)
    span = f": {days[0]} to {days[-1]} (UTC)" if days else ""
    figure.text(0.5, 1 - 10 / height, f"Every module, every day{span}", ha="center", va="top", fontsize=15)
    figure.text(
        0.5,
        1 - 38 / height,
        "Coverage: the mean over the module's signals of how much of its normal cadence it reported, square by\n"
        "square of the day (100 = all day at the normal cadence; see each day's coverage.png). Spread: the median\n"
        "over the day's complete cell sweeps of the highest minus the lowest cell voltage. Grey = no data.",
        ha="center",
        va="top",
        fontsize=9,
    )
    return figure


def _overview_panel(
    figure: Figure, height: int, left: int, rows_px: int, values: np.ndarray, cmap: Colormap, top: float
) -> tuple[Axes, AxesImage]:
    ax = _axes_at(figure, left, OVERVIEW_HEADER, PANEL_W, rows_px, height)
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", interpolation="nearest", cmap=cmap, vmin=0, vmax=top)
    ax.tick_params(axis="y", length=0)
    return ax, image


def _day_ticks(ax: Axes, days: list[str]) -> None:
    """Every day labelled (month-day), or every k-th when there are more than 31."""
    every = max(1, math.ceil(len(days) / 31))
    ax.set_xticks(
        range(0, len(days), every), [d[5:] for d in days[::every]], rotation=90 if len(days) > 12 else 0, fontsize=8
    )
    ax.set_xlabel("Day (UTC, month-day)", fontsize=10)
    ax.tick_params(length=0)


def _annotate(ax: Axes, image: AxesImage, values: np.ndarray, scale: float) -> None:
    """The value (times `scale`) in each square, black or white by the square's brightness."""
    for (i, j), value in np.ndenumerate(values):
        if not np.isfinite(value):
            continue
        red, green, blue, _ = image.cmap(image.norm(value))
        light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
        ax.text(j, i, f"{value * scale:.0f}", ha="center", va="center", fontsize=7, color="black" if light else "white")


# --- helpers -----------------------------------------------------------------


def family_label(family: str) -> str:
    """`module_state_of_charge` -> `Module state of charge`."""
    return family.replace("_", " ").capitalize()


def row_label(row: MapRow) -> str:
    if row.dataset == "modules":
        return f"P{row.phase} M{row.module}"
    if row.dataset == "phases":
        return f"phase {row.phase} · {family_label(row.family).lower()}"
    return family_label(row.family).lower()


def cadence(row: MapRow) -> str:
    """The normal cadence of a row's family: buckets with a reading a cell, and the spacing that makes."""
    if row.normal_buckets is None:
        return "never read this day"
    text = f"normal {row.normal_buckets:g}/{row.cell_buckets}"
    if row.normal_buckets >= 2:
        spacing = row.cell_seconds / row.normal_buckets
        text += f", ~{spacing:.0f} s" if spacing < 90 else f", ~{duration(spacing)}"
    return text


def _natural(value: str | None) -> tuple[int, str]:
    return (int(value), "") if value and value.isdigit() else (1 << 30, value or "")


def _axes_at(figure: Figure, left: int, top: int, width: int, height: int, total: int) -> Axes:
    """Axes placed in pixels from the top left of a figure `total` pixels high."""
    return figure.add_axes((left / WIDTH, 1 - (top + height) / total, width / WIDTH, height / total))
