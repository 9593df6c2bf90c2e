"""The data-quality figures: the rows the coverage map draws (SQL, exact
rows), the map and the overview of every day as drawn (their arrays,
labels and sizes), and the cell voltage spread."""

from __future__ import annotations

import pytest

from etl.core.engine import SqlRunner, connect
from etl.pipelines.telemetry import plot_quality
from etl.pipelines.telemetry.plot_quality import cadence, coverage_figure, days_overview_figure
from etl.pipelines.telemetry.plots import _list_files

from .conftest import DAY, png_size, tags

M11, M12 = tags("1", "1"), tags("1", "2")


def cell(module_tags: list, number: int) -> list:
    return tags(module_tags[0][1], module_tags[1][1], battery="1", cell=str(number))


# Module 1/1: its voltage in 4 buckets of the first 15 minutes, in 2 of the
# second, and one reading rejected (an empty value) in the third; both its
# cells at 00:10, and a partial sweep (cell 1 alone) at 00:20.
# Module 1/2: its voltage in 2 buckets of the first cell and 1 of the third;
# only cell 1 at 00:10.
ROWS = [
    *((DAY + s, "module_voltage", "15.1", M11) for s in (0, 5, 10, 15, 900, 905)),
    (DAY + 1800, "module_voltage", "", M11),
    *((DAY + s, "module_voltage", "15.2", M12) for s in (0, 5, 1810)),
    (DAY + 600, "cell_voltage", "3.90", cell(M11, 1)),
    (DAY + 600, "cell_voltage", "3.85", cell(M11, 2)),
    (DAY + 1200, "cell_voltage", "3.70", cell(M11, 1)),
    (DAY + 600, "cell_voltage", "3.80", cell(M12, 1)),
]
DATE = "2024-06-05"


@pytest.fixture(scope="module")
def output(tmp_path_factory):
    from .conftest import make_output

    return make_output(tmp_path_factory.mktemp("quality"), ROWS)


@pytest.fixture
def runner():
    con = connect(threads=1)
    yield SqlRunner(con, "telemetry/plots")
    con.close()


def quality(out, day=DATE):
    folder = out.resolve() / "_quality" / f"date={day}"
    return str(folder / "signals.parquet"), str(folder / "cells.parquet")


def test_coverage_rows_share_each_familys_normal_cadence(output, runner):
    signals, cells = quality(output)
    rows = plot_quality.coverage_rows(runner, [signals], [cells])
    # module_voltage: non-empty cells of 4, 2, 2 and 1 buckets, so normal is
    # their median, 2; a cell with more is 1; module 1/1's third cell has
    # only its rejected reading (share 0, 1 rejected). cell_voltage: 2
    # signals a module, normal 1 bucket; 1 of the 2 read: a share of 0.5.
    assert [(r.dataset, r.family, r.phase, r.module, r.members, r.normal_buckets, r.cells) for r in rows] == [
        ("modules", "module_voltage", "1", "1", 1, 2.0, [
            {"cell": 0, "share": 1.0, "rejected": 0},
            {"cell": 1, "share": 1.0, "rejected": 0},
            {"cell": 2, "share": 0.0, "rejected": 1},
        ]),
        ("modules", "module_voltage", "1", "2", 1, 2.0, [
            {"cell": 0, "share": 1.0, "rejected": 0},
            {"cell": 2, "share": 0.5, "rejected": 0},
        ]),
        ("modules", "cell_voltage", "1", "1", 2, 1.0, [
            {"cell": 0, "share": 1.0, "rejected": 0},
            {"cell": 1, "share": 0.5, "rejected": 0},
        ]),
        ("modules", "cell_voltage", "1", "2", 2, 1.0, [{"cell": 0, "share": 0.5, "rejected": 0}]),
    ]  # fmt: skip
    assert {(r.cell_buckets, r.cell_seconds) for r in rows} == {(180, 900)}


def test_module_coverage_is_the_mean_of_its_map_rows_over_the_day(output, runner):
    signals, cells = quality(output)
    runner.execute("07_stage_coverage.sql", {"signals": [signals], "cells": [cells]})
    rows = runner.fetch("09_select_module_coverage.sql", {})
    # 1/1: voltage 2 cells' worth, cells 1.5, of 96 cells; 1/2: 1.5 and 0.5
    assert rows == [(DATE, "1", "1", pytest.approx((2 + 1.5) / 2 / 96)), (DATE, "1", "2", pytest.approx(1 / 96))]


def test_cell_spread_counts_complete_sweeps_only(output, runner):
    paths = [f.path for f in _list_files(runner, output, None, None, None) if f.dataset == "modules"]
    rows = runner.fetch("10_select_cell_spread.sql", {"paths": paths})
    # 1/1 at 00:10: 3.90 - 3.85 V; its one-cell reading at 00:20 is a partial sweep.
    # 1/2 has one cell: every sweep is complete, and spreads 0 mV.
    assert [(p, m, d, n, round(med, 3), round(top, 3)) for p, m, d, n, med, top in rows] == [
        ("1", "1", DATE, 1, 50.0, 50.0),
        ("1", "2", DATE, 1, 0.0, 0.0),
    ]


def test_cell_spread_without_any_cell_column(telemetry_output, runner):
    out = telemetry_output([(DAY, "module_voltage", "15", M11)])
    paths = [f.path for f in _list_files(runner, out, None, None, None) if f.dataset == "modules"]
    assert runner.fetch("10_select_cell_spread.sql", {"paths": paths}) == []


def test_coverage_map_draws_those_rows(output, runner):
    figure = coverage_figure(runner, DATE, *quality(output))
    maps = [ax for ax in figure.axes if ax.images]
    assert [ax.get_title(loc="left") for ax in maps] == ["Module voltage", "Cell voltage (2 signals per module)"]
    assert [[t.get_text() for t in ax.get_yticklabels()] for ax in maps] == [["P1 M1", "P1 M2"]] * 2
    voltage = maps[0].images[0].get_array()
    assert voltage.shape == (2, 96)
    assert voltage[0, :3].tolist() == [1.0, 1.0, 0.0]
    assert voltage[1, :3].tolist() == [1.0, None, 0.5]  # masked: silent
    assert int(voltage.count()) == 5
    # the rejected reading: a red x in the middle of 1/1's third square
    assert maps[0].collections[0].get_offsets().tolist() == [[2.5 * 900, 0.0]]
    assert [t.get_text() for t in maps[0].texts] == ["normal 2/180\n~8 min"]
    assert [t.get_text() for t in maps[1].texts] == ["normal 1/180"]
    ticks = [t.get_text() for t in maps[-1].get_xticklabels()]
    assert (ticks[0], ticks[-1], len(ticks)) == ("00:00", "24:00", 13)
    assert maps[0].images[0].get_clim() == (0.0, 1.0)


def test_coverage_map_file(output):
    from etl.pipelines.telemetry.plots import plot_all

    made = plot_all(output, date=DATE, quiet=True)
    assert sorted(p.name for p in made) == ["coverage.png", "module_p1_m1.png", "module_p1_m2.png", "overview_soc.png"]
    # 2 module panels of 2 rows at 22 px, and the margins
    assert png_size(output / "plots" / DATE / "coverage.png") == (1400, 186 + 2 * (36 + 2 * 22))


def test_overview_of_every_day(output, runner):
    modules = [f for f in _list_files(runner, output, None, None, None) if f.dataset == "modules"]
    figure = days_overview_figure(runner, modules, [quality(output)])
    coverage, spread = (ax for ax in figure.axes if ax.images)
    assert coverage.images[0].get_array().tolist() == [[pytest.approx(3.5 / 192)], [pytest.approx(1 / 96)]]
    assert spread.images[0].get_array().tolist() == [[pytest.approx(50.0, abs=1e-3)], [0.0]]
    assert [t.get_text() for t in coverage.get_yticklabels()] == ["phase 1, module 1", "phase 1, module 2"]
    assert [t.get_text() for t in spread.get_yticklabels()] == ["P1 M1", "P1 M2"]
    assert [t.get_text() for t in coverage.get_xticklabels()] == ["06-05"]
    # the values written in the squares (coverage in %, spread in mV)
    assert [t.get_text() for t in coverage.texts] == ["2", "1"]
    assert [t.get_text() for t in spread.texts] == ["50", "0"]


def test_overview_leaves_days_without_quality_files_grey(output, runner):
    modules = [f for f in _list_files(runner, output, None, None, None) if f.dataset == "modules"]
    figure = days_overview_figure(runner, modules, [])
    coverage = next(ax for ax in figure.axes if ax.images)
    assert coverage.images[0].get_array().count() == 0


@pytest.mark.parametrize(
    ("normal", "text"), [(None, "never read this day"), (1.0, "normal 1/180"), (23.0, "normal 23/180, ~39 s")]
)
def test_cadence_labels(normal, text):
    row = plot_quality.MapRow("modules", "module_voltage", "1", "1", 1, normal, 180, 900, [])
    assert cadence(row) == text
