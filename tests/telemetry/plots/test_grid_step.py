"""The plots of an output on a coarser grid (`--every 1m`, `10m`, `1h`):
every figure is drawn; a reading stands for its whole bucket on a zoomed
axis; the SoC heat map's slots hold whole buckets (no grey stripe between
two 10-minute buckets); the coverage map's cells follow the pipeline's."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from etl.core.engine import SqlRunner, connect
from etl.pipelines.telemetry import plot_figures, plot_quality
from etl.pipelines.telemetry.plot_figures import slot_length
from etl.pipelines.telemetry.plots import _list_files, plot_all

from .conftest import DAY, png_size, tags

M11, M12 = tags("1", "1"), tags("1", "2")
H = 3600
# Module 1/1: voltage and SoC every 10 s from 06:00 to 06:30, and one reading at 18:00;
# module 1/2: SoC from 06:00 to 06:30; phase 1's current from 06:00 to 06:30.
ROWS = [
    *(
        row
        for s in range(0, 1800, 10)
        for row in (
            (DAY + 6 * H + s, "module_voltage", "15.1", M11),
            (DAY + 6 * H + s, "module_state_of_charge", "0.5", M11),
            (DAY + 6 * H + s, "module_state_of_charge", "0.6", M12),
            (DAY + 6 * H + s, "phase_current", "3.5", tags("1")),
        )
    ),
    (DAY + 18 * H, "module_voltage", "15.0", M11),
]
EVERY = {"1m": dt.timedelta(minutes=1), "10m": dt.timedelta(minutes=10), "1h": dt.timedelta(hours=1)}


@pytest.fixture(scope="module", params=sorted(EVERY))
def coarse(request, tmp_path_factory):
    from .conftest import make_output

    return request.param, make_output(
        tmp_path_factory.mktemp(f"every{request.param}"), ROWS, every=EVERY[request.param]
    )


@pytest.fixture
def runner():
    con = connect(threads=1)
    yield SqlRunner(con, "telemetry/plots")
    con.close()


def files(runner, out, dataset):
    return [f for f in _list_files(runner, out, None, None, "2024-06-05") if f.dataset == dataset]


def test_every_figure_is_drawn(coarse, tmp_path):
    _, out = coarse
    made = plot_all(out, quiet=True, threads=1)
    assert sorted(p.relative_to(out / "plots").as_posix() for p in made) == [
        "2024-06-05/coverage.png",
        "2024-06-05/module_p1_m1.png",
        "2024-06-05/module_p1_m2.png",
        "2024-06-05/overview_soc.png",
        "2024-06-05/phase_currents.png",
        "overview.png",
    ]
    assert png_size(out / "plots/2024-06-05/module_p1_m1.png") == plot_figures.MODULE_SIZE
    assert png_size(out / "plots/2024-06-05/overview_soc.png") == plot_figures.OVERVIEW_SIZE


@pytest.mark.parametrize(("step", "slot"), [(5, 300), (60, 300), (240, 480), (600, 600), (3600, 3600), (135, 540)])
def test_a_heat_map_slot_is_whole_buckets_dividing_the_day(step, slot):
    assert slot_length(step) == slot
    assert 86_400 % slot == 0


def test_the_grid_step_is_read_from_the_footer(coarse, runner):
    every, out = coarse
    path = files(runner, out, "modules")[0].path
    assert plot_figures.grid_step(runner, path) == EVERY[every].total_seconds()


def test_a_zoomed_axis_covers_each_readings_bucket(coarse, runner):
    every, out = coarse
    module = next(f for f in files(runner, out, "modules") if f.module == "1")
    axis_spans = {
        # the 18:00 reading stands for 18:00-18:01, 18:00-18:10, 18:00-19:00
        "1m": [(6 * H, 6 * H + 1800), (18 * H, 18 * H + 300)],
        "10m": [(6 * H, 6 * H + 1800), (18 * H, 18 * H + 600)],
        "1h": [(6 * H, 7 * H), (18 * H, 19 * H)],
    }[every]
    figure = plot_figures.module_figure(runner, module)
    labels = [t.get_text() for t in figure.axes[-1].get_xticklabels()]
    assert (labels[0], labels[-1]) == (
        "06:00",
        {"1m": "18:05", "10m": "18:10", "1h": "19:00"}[every],
    )
    # the readings the grid holds: its buckets from 06:00 to the last before 06:30, and 18:00
    step = int(EVERY[every].total_seconds())
    readings = [DAY + 6 * H, DAY + 6 * H + max(0, 1800 - step), DAY + 18 * H]
    spans = plot_figures.TimeAxis.for_readings("2024-06-05", DAY, readings, False, step).spans
    assert list(spans) == axis_spans


def test_the_soc_heat_map_has_no_stripes(coarse, runner):
    every, out = coarse
    figure = plot_figures.soc_overview_figure(runner, "2024-06-05", files(runner, out, "modules"))
    ax = figure.axes[0]
    slot = {"1m": 300, "10m": 600, "1h": 3600}[every]
    assert ax.get_title().endswith(f"means over {plot_figures.duration(slot)}; grey = no reading")
    # 06:00-06:30 (06:00-07:00 on the 1-hour grid): every slot of both modules has a value
    first = ax.images[0].get_array()
    assert first.shape == (2, {"1m": 6, "10m": 3, "1h": 1}[every])
    assert int(np.ma.count_masked(first)) == 0
    assert first[1].tolist() == [pytest.approx(60.0)] * first.shape[1]


def test_the_coverage_map_uses_the_pipelines_cells(coarse, runner):
    every, out = coarse
    folder = out.resolve() / "_quality" / "date=2024-06-05"
    rows = plot_quality.coverage_rows(runner, [str(folder / "signals.parquet")], [str(folder / "cells.parquet")])
    # 15 min is 15 one-minute buckets; on the 10-minute grid a cell is 2 buckets (20 min); 1 on the hourly
    assert {(r.cell_buckets, r.cell_seconds) for r in rows} == {
        {"1m": (15, 900), "10m": (2, 1200), "1h": (1, 3600)}[every]
    }
    voltage = next(r for r in rows if (r.family, r.module) == ("module_voltage", "1"))
    assert voltage.cells[0]["share"] == 1.0
    figure = plot_quality.coverage_figure(
        runner, "2024-06-05", str(folder / "signals.parquet"), str(folder / "cells.parquet")
    )
    assert figure.axes[0].images[0].get_array().shape[1] == 86_400 // rows[0].cell_seconds
