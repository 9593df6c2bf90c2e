"""The time axis of the telemetry plots: the whole UTC day, or (the default)
zoomed to the stretches of the day that have readings.

The exports come in bursts with hours between them, so a whole-day axis
leaves most of every panel empty. Zoomed, each stretch with readings gets
its own part of the axis, in proportion to its length, and every gap of
more than an hour between them is cut out: a narrow hatched band stands in
its place, labelled with how long it is. Within a stretch, time runs at one
scale, so slopes stay comparable from stretch to stretch.

The x coordinate of a point is "seconds shown so far": the seconds of the
stretches before it, plus a fixed width for each gap before it, plus its
offset in its own stretch. Ticks are placed and labelled here, with the end
of the day written 24:00 rather than the next day's 00:00.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes

from etl.pipelines.telemetry.days import SECONDS_PER_DAY

# A pause between readings longer than this is cut out of a zoomed axis.
ZOOM_GAP_SECONDS = 3600
# A stretch runs from the 5-minute mark at or before its first reading to
# the one at or after its last.
ZOOM_STEP_SECONDS = 300
# A cut-out gap's width on the axis, and the margin left and right of a
# zoomed axis, as shares of the time shown.
GAP_SHARE = 0.07
MARGIN_SHARE = 0.01
# Tick spacings to choose from (minutes), each with its minor spacing, and
# the most labelled ticks an axis gets.
TICK_STEPS = {1: 0, 2: 1, 5: 1, 10: 5, 15: 5, 30: 10, 60: 15, 120: 60, 180: 60, 240: 60, 360: 60}
MAX_TICKS = 12
GAP_STYLE = {"facecolor": "#f4f4f4", "edgecolor": "#b0b0b0", "hatch": "//", "linewidth": 0, "zorder": 0}


def zoom_spans(seconds: Iterable[float], step: int = 0) -> list[tuple[int, int]]:
    """The stretches of a day to show: (from, to) in seconds of the day.

    Readings less than ZOOM_GAP_SECONDS apart share a stretch; each stretch
    is widened to the 5-minute marks around its first and last reading
    (at least one 5-minute step), within the day. A reading of a grid of
    `step` seconds stands for its bucket, [t, t + step): the stretch then
    reaches the bucket's end, and its ends are marks that are whole
    multiples of both 5 minutes and the step (a 1-hour grid zooms to whole
    hours). Without readings: the whole day.
    """
    t = np.unique(np.asarray(list(seconds), dtype=np.float64))
    t = t[np.isfinite(t)]
    if t.size == 0:
        return [(0, SECONDS_PER_DAY)]
    cuts = np.flatnonzero(np.diff(t) > max(ZOOM_GAP_SECONDS, step))
    firsts, lasts = t[np.r_[0, cuts + 1]], t[np.r_[cuts, t.size - 1]] + step
    mark = math.lcm(ZOOM_STEP_SECONDS, step or 1)
    spans: list[tuple[int, int]] = []
    for first, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
        low = max(0, math.floor(first / mark) * mark)
        high = min(SECONDS_PER_DAY, max(low + mark, math.ceil(last / mark) * mark))
        if spans and low <= spans[-1][1]:
            low = spans.pop()[0]
        spans.append((low, high))
    return spans


def clock(seconds: float) -> str:
    """Seconds of the day as HH:MM; the end of the day is 24:00."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def duration(seconds: float) -> str:
    """A gap's length as a reader says it: `45 min`, `2 h`, `11 h 45 min`."""
    hours, minutes = divmod(round(seconds / 60), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


@dataclass(frozen=True)
class TimeAxis:
    """Where the shown stretches of one UTC day sit on the x axis."""

    day: str
    day_start: int
    spans: tuple[tuple[int, int], ...]

    @classmethod
    def for_readings(
        cls, day: str, day_start: int, epoch_seconds: Iterable[float], whole_day: bool, step: int = 0
    ) -> TimeAxis:
        """The axis for these readings (epoch seconds), each standing for its
        `step`-second bucket (0: for the moment itself)."""
        spans = [(0, SECONDS_PER_DAY)] if whole_day else zoom_spans((t - day_start for t in epoch_seconds), step)
        return cls(day, day_start, tuple(spans))

    @property
    def shown(self) -> int:
        return sum(high - low for low, high in self.spans)

    @property
    def gap_width(self) -> float:
        return GAP_SHARE * self.shown

    @property
    def starts(self) -> list[float]:
        """The x of each stretch's start."""
        starts, x = [], 0.0
        for low, high in self.spans:
            starts.append(x)
            x += high - low + self.gap_width
        return starts

    @property
    def whole_day(self) -> bool:
        return self.spans == ((0, SECONDS_PER_DAY),)

    @property
    def limits(self) -> tuple[float, float]:
        """The x limits: the shown stretches and gaps, with a margin when zoomed
        (a reading on a stretch's first or last second stays a whole dot)."""
        margin = 0 if self.whole_day else MARGIN_SHARE * self.shown
        return -margin, self.starts[-1] + self.spans[-1][1] - self.spans[-1][0] + margin

    def x(self, seconds_of_day: float) -> float:
        """The x of a moment of the day that lies in a shown stretch (NaN if none)."""
        for start, (low, high) in zip(self.starts, self.spans, strict=True):
            if low <= seconds_of_day <= high:
                return start + seconds_of_day - low
        return math.nan

    def place(self, epoch_seconds: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x for each point, and the values with a NaN wherever two
        neighbours lie in different stretches, so no line crosses a gap."""
        seconds = np.asarray(epoch_seconds, dtype=np.float64) - self.day_start
        lows = np.array([low for low, _ in self.spans], dtype=np.float64)
        highs = np.array([high for _, high in self.spans], dtype=np.float64)
        index = np.clip(np.searchsorted(lows, seconds, side="right") - 1, 0, len(lows) - 1)
        x = np.asarray(self.starts)[index] + seconds - lows[index]
        x[(seconds < lows[index]) | (seconds > highs[index])] = np.nan
        values = np.asarray(values, dtype=np.float64)
        crossing = np.flatnonzero(np.diff(index) != 0) + 1
        return np.insert(x, crossing, np.nan), np.insert(values, crossing, np.nan)

    def gaps(self) -> list[tuple[float, float, int]]:
        """Each cut-out gap: its x from and to, and the seconds it hides."""
        return [
            (start + high - low, start + high - low + self.gap_width, next_low - high)
            for start, (low, high), (next_low, _) in zip(self.starts, self.spans, self.spans[1:], strict=False)
        ]

    def ticks(self) -> tuple[list[tuple[float, str]], list[float]]:
        """Labelled ticks (x, HH:MM) and minor ticks: each stretch's ends,
        and the round times inside it at one spacing for the whole axis
        (none within half a spacing of an end, where labels would touch)."""
        step = next((m for m in TICK_STEPS if self.shown / (60 * m) <= MAX_TICKS), max(TICK_STEPS))
        major, minor = step * 60, TICK_STEPS[step] * 60
        labelled: list[tuple[float, str]] = []
        small: list[float] = []
        for start, (low, high) in zip(self.starts, self.spans, strict=True):
            inside = [s for s in range(math.ceil(low / major) * major, high + 1, major) if low < s < high]
            keep = [s for s in inside if s - low > major / 2 and high - s > major / 2]
            labelled += [(start + s - low, clock(s)) for s in [low, *keep, high]]
            if minor:
                small += [start + s - low for s in range(math.ceil(low / minor) * minor, high + 1, minor)]
        return labelled, small

    def draw(self, axes: Iterable[Axes], *, label_gaps_in: Axes | None = None) -> None:
        """Limits, ticks and the x label on the axes (the last one is the
        bottom of a stack), a hatched band over every cut-out gap, and its
        length written in `label_gaps_in` (the top of a stack)."""
        axes = list(axes)
        labelled, small = self.ticks()
        bottom = axes[-1]
        bottom.set_xlim(*self.limits)
        bottom.set_xticks([x for x, _ in labelled], [label for _, label in labelled])
        bottom.set_xticks(small, minor=True)
        for ax in axes:
            for x0, x1, _ in self.gaps():
                ax.axvspan(x0, x1, **GAP_STYLE)
        if label_gaps_in is not None:
            for x0, x1, hidden in self.gaps():
                label_gaps_in.text(
                    (x0 + x1) / 2,
                    0.5,
                    f"{duration(hidden)}\nwithout readings",
                    transform=label_gaps_in.get_xaxis_transform(),
                    rotation=90,
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="dimgrey",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.5, "alpha": 0.9},
                    zorder=5,
                )
        bottom.set_xlabel(self.label(), fontsize=11)

    def label(self) -> str:
        if self.whole_day:
            return f"Time (UTC) on {self.day}"
        if len(self.spans) == 1:
            return f"Time (UTC) on {self.day}, zoomed to the readings"
        return f"Time (UTC) on {self.day}, zoomed to the readings: the hatched gaps are cut out"
