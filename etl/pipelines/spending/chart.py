"""The bar chart of total spending per age group, for the `spending` pipeline.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
backend switch), so it renders the same on a server, in CI and under tests.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

TITLE = "Total spending by age group"
UNSTATED_CURRENCY = "currency not stated in the data"
AGE_COLOUR = "#3b6ea5"
OTHER_COLOUR = "#9a9a9a"  # groups no age rule defines: missing age, no customer record


class ChartBar(NamedTuple):
    """One bar: the group's label and its total (rows of 13_read_age_group_spending.sql)."""

    label: str
    total_spending: Decimal
    by_age: bool


def money(value: Decimal | float) -> str:
    """Thousands separators; cents only when some amount has them."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def wrap_label(label: str, width: int = 12) -> str:
    """Wrap each line of a tick label so neighbouring labels never touch."""
    return "\n".join(textwrap.fill(line, width) for line in label.split("\n"))


def axis_label(currency: str | None) -> str:
    unit = currency.strip() if currency and currency.strip() else UNSTATED_CURRENCY
    return f"Total spending ({unit})"


def draw_chart(bars: Sequence[ChartBar], path: Path, *, currency: str | None = None) -> None:
    """Write the PNG to `path` (the caller renames it into place)."""
    figure = Figure(figsize=(10, 6), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    labels = [wrap_label(bar.label) for bar in bars]
    values = [float(bar.total_spending) for bar in bars]
    colours = [AGE_COLOUR if bar.by_age else OTHER_COLOUR for bar in bars]
    drawn = ax.bar(labels, values, color=colours, edgecolor="#333333", linewidth=0.6)
    ax.bar_label(drawn, labels=[money(bar.total_spending) for bar in bars], padding=3, fontsize=11)
    ax.set_title(TITLE, fontsize=15, pad=12)
    ax.set_xlabel("Age group", fontsize=12)
    ax.set_ylabel(axis_label(currency), fontsize=12)
    ax.tick_params(axis="both", labelsize=11)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: f"{y:,.0f}"))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    top = max(values, default=0.0)
    ax.set_ylim(0, top * 1.12 if top > 0 else 1)
    figure.savefig(path, format="png")
