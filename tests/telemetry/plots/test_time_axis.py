"""The plots' time axis: the stretches a zoomed axis shows, where points land
on it, its ticks (the end of the day is 24:00) and the whole-day axis."""

from __future__ import annotations

import math

import numpy as np
import pytest

from etl.pipelines.telemetry.plot_time import TimeAxis, clock, duration, zoom_spans

from .conftest import DAY

H = 3600


def test_two_bursts_give_two_stretches_on_5_minute_marks():
    # 06:00:03-06:29:57 and 23:41:00-23:59:58, hours apart
    readings = [6 * H + 3, 6 * H + 900, 6 * H + 1797, 23 * H + 41 * 60, 23 * H + 50 * 60, 24 * H - 2]
    assert zoom_spans(readings) == [(6 * H, 6 * H + 1800), (23 * H + 40 * 60, 24 * H)]


@pytest.mark.parametrize(
    ("readings", "spans"),
    [
        # no readings: the whole day
        ([], [(0, 86_400)]),
        # a lone reading on a 5-minute mark still gets one 5-minute step
        ([6 * H], [(6 * H, 6 * H + 300)]),
        # the day's first and last second stay within the day
        ([0, 86_399], [(0, 300), (86_100, 86_400)]),
        # a pause of exactly an hour is not cut out, a second more is
        ([6 * H, 7 * H], [(6 * H, 7 * H)]),
        ([6 * H, 7 * H + 1], [(6 * H, 6 * H + 300), (7 * H, 7 * H + 300)]),
        # order, repeats and NaN do not matter
        ([7 * H + 1, float("nan"), 6 * H, 6 * H], [(6 * H, 6 * H + 300), (7 * H, 7 * H + 300)]),
    ],
)
def test_stretch_edge_cases(readings, spans):
    assert zoom_spans(readings) == spans


def test_zoomed_axis_places_points_and_breaks_lines_between_stretches():
    readings = [DAY + 6 * H + 10, DAY + 6 * H + 20, DAY + 18 * H, DAY + 18 * H + 590]
    axis = TimeAxis.for_readings("2024-06-05", DAY, readings, whole_day=False)
    assert axis.spans == ((6 * H, 6 * H + 300), (18 * H, 18 * H + 600))
    assert axis.shown == 900
    assert axis.gap_width == pytest.approx(63.0)  # 7 % of the 900 s shown
    assert axis.starts == [0.0, pytest.approx(363.0)]
    assert axis.limits == (pytest.approx(-9.0), pytest.approx(972.0))  # 1 % margins
    x, v = axis.place(np.array(readings), np.arange(4.0))
    # a NaN between the stretches, so no line is drawn across the gap
    assert [round(value, 6) if math.isfinite(value) else None for value in x.tolist()] == [10, 20, None, 363, 953]
    assert [value if math.isfinite(value) else None for value in v.tolist()] == [0, 1, None, 2, 3]
    assert axis.gaps() == [(300.0, pytest.approx(363.0), 18 * H - 6 * H - 300)]
    assert duration(axis.gaps()[0][2]) == "11 h 55 min"
    labelled, minor = axis.ticks()
    # 900 s shown: a tick every 2 minutes; each stretch's ends are labelled
    assert [label for _, label in labelled] == [
        "06:00", "06:02", "06:05",
        "18:00", "18:02", "18:04", "18:06", "18:08", "18:10",
    ]  # fmt: skip
    assert len(minor) == 6 + 11


def test_whole_day_axis_ends_at_24_00():
    axis = TimeAxis.for_readings("2024-06-05", DAY, [DAY + 6 * H], whole_day=True)
    assert axis.spans == ((0, 86_400),)
    assert axis.limits == (0.0, 86_400.0)
    assert axis.gaps() == []
    labelled, minor = axis.ticks()
    assert [label for _, label in labelled] == [f"{h:02d}:00" for h in range(0, 25, 2)]
    assert [x for x, _ in labelled][-1] == 86_400
    assert len(minor) == 25
    assert axis.label() == "Time (UTC) on 2024-06-05"


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "00:00"), (6 * H + 300, "06:05"), (86_100, "23:55"), (86_400, "24:00")]
)
def test_clock_writes_the_end_of_the_day_as_24_00(seconds, text):
    assert clock(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [(300, "5 min"), (2 * H, "2 h"), (17 * H + 600, "17 h 10 min")])
def test_gap_lengths_read_as_hours_and_minutes(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("readings", "step", "spans"),
    [
        # on the 5 s grid a reading's bucket ends 5 s later: 06:09:55 still ends on 06:10
        ([6 * H, 6 * H + 595], 5, [(6 * H, 6 * H + 600)]),
        # a bucket starting on a 5-minute mark reaches past it
        ([6 * H, 6 * H + 600], 5, [(6 * H, 6 * H + 900)]),
        # 10-minute buckets: marks of 10 minutes, the last bucket's end included
        ([6 * H, 6 * H + 600], 600, [(6 * H, 6 * H + 1200)]),
        # hourly buckets: whole hours; two buckets an hour apart share a stretch, two hours apart do not
        ([6 * H, 7 * H], 3600, [(6 * H, 8 * H)]),
        ([6 * H, 8 * H], 3600, [(6 * H, 7 * H), (8 * H, 9 * H)]),
        # 4-minute buckets: marks that are whole 5 and 4 minutes (20 minutes)
        ([6 * H + 240], 240, [(6 * H, 6 * H + 1200)]),
        # the day's last bucket ends at 24:00
        ([86_400 - 3600], 3600, [(86_400 - 3600, 86_400)]),
    ],
)
def test_a_reading_stands_for_its_bucket(readings, step, spans):
    assert zoom_spans(readings, step) == spans
