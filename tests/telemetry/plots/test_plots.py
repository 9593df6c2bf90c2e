"""The figures: which files are made, that they are PNGs of the expected size,
and that days with gaps and missing signals still plot."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from etl.cli import main
from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.paths import PROJECT_ROOT
from etl.pipelines.telemetry import plots
from etl.pipelines.telemetry.plot_pool import Figures
from etl.pipelines.telemetry.plots import plot_all, series_label, with_breaks

from .conftest import DAY, make_output, png_size, tags

M11, M12, M21 = tags("1", "1"), tags("1", "2"), tags("2", "1")


def full_module(t: int, module_tags: list) -> list[tuple]:
    """Every module-level signal of one module at one time."""
    phase, module = module_tags[0][1], module_tags[1][1]
    cells = [
        (t, "cell_voltage", str(3.9 - c / 100), tags(phase, module, battery="1", cell=str(c))) for c in range(1, 5)
    ]
    return [
        (t, "module_voltage", "54.1", module_tags),
        (t, "battery_voltage", "54.0", tags(phase, module, battery="1")),
        (t, "module_current", "-3.5", module_tags),
        (t, "module_state_of_charge", "0.61", module_tags),
        (t, "module_temperature", "24.5", module_tags),
        (t, "battery_sensor_temperature", "23.5", tags(phase, module, battery="1", sensor="1")),
        *cells,
    ]


# Day 1: module 1/1 has every signal in two bursts (06:00-06:10 and 18:00-18:10,
# a gap of hours between); module 1/2 has only its voltage; module 2/1 only a
# state of charge; phase 1 has currents. Day 2: one module voltage, no phases.
ROWS = [
    *(row for s in range(0, 600, 10) for row in full_module(DAY + 6 * 3600 + s, M11)),
    *(row for s in range(0, 600, 10) for row in full_module(DAY + 18 * 3600 + s, M11)),
    *((DAY + 7 * 3600 + s, "module_voltage", "53", M12) for s in range(0, 300, 8)),
    (DAY + 12 * 3600, "module_state_of_charge", "0.4", M21),
    *((DAY + 6 * 3600 + s, "phase_current", "12.5", tags("1")) for s in range(0, 600, 10)),
    (DAY + 86_400 + 60, "module_voltage", "52", M11),
]

DAY1 = [
    "plots/2024-06-05/coverage.png",
    "plots/2024-06-05/module_p1_m1.png",
    "plots/2024-06-05/module_p1_m2.png",
    "plots/2024-06-05/module_p2_m1.png",
    "plots/2024-06-05/overview_soc.png",
    "plots/2024-06-05/phase_currents.png",
]
DAY2 = ["plots/2024-06-06/coverage.png", "plots/2024-06-06/module_p1_m1.png", "plots/2024-06-06/overview_soc.png"]
EVERY_DAY = ["plots/overview.png"]
MANIFEST = "plots/.drawn.json"


def made_names(out, paths):
    return sorted(p.relative_to(out).as_posix() for p in paths)


def files_under(out):
    return sorted(p.relative_to(out).as_posix() for p in (out / "plots").rglob("*"))


@pytest.fixture(scope="module")
def pipeline_output(tmp_path_factory):
    """The telemetry outputs of ROWS, made once for the module (the run is the slow part)."""
    return make_output(tmp_path_factory.mktemp("plots"), ROWS)


@pytest.fixture
def output(pipeline_output, tmp_path):
    """A fresh copy of the outputs for each test, which then writes its plots into it."""
    copy = tmp_path / "output"
    shutil.copytree(pipeline_output, copy, symlinks=True)
    return copy


def test_every_kind_of_plot_is_made_as_a_png_of_its_size(output):
    made = plot_all(output, quiet=True)
    assert made_names(output, made) == sorted(DAY1 + DAY2 + EVERY_DAY)
    assert made_names(output, made.drawn) == made_names(output, made)
    assert (made.unchanged, made.removed) == ([], [])
    # Nothing else is left behind: no temp files, no empty folders; the manifest of what was drawn.
    assert files_under(output) == sorted(["plots/2024-06-05", "plots/2024-06-06", *DAY1, *DAY2, *EVERY_DAY, MANIFEST])
    sizes = {name: png_size(output / name) for name in DAY1 + DAY2}
    for name, size in sizes.items():
        kind = name.rsplit("/", 1)[1]
        expected = {"overview_soc.png": plots.OVERVIEW_SIZE, "phase_currents.png": plots.PHASES_SIZE}
        if kind != "coverage.png":
            assert size == expected.get(kind, plots.MODULE_SIZE), name
    # The coverage maps: 186 px of margins and 36 px a panel; a module row
    # 22 px, a phase row 13 px. Day 1: 3 modules x 7 families, phase 1's
    # current; day 2: 1 module with 1 signal.
    assert png_size(output / DAY1[0]) == (1400, 186 + 21 * 22 + 13 + 8 * 36)
    assert png_size(output / DAY2[0]) == (1400, 186 + 22 + 36)
    # 3 modules at 40 px, and 215 px of margins: below the least height
    assert png_size(output / "plots/overview.png") == (1400, 400)


def test_plotting_again_draws_only_what_is_missing(output):
    first = plot_all(output, date="2024-06-06", quiet=True)
    stamps = {name: (output / name).stat().st_mtime_ns for name in DAY2}
    again = plot_all(output, date="2024-06-06", quiet=True)
    assert made_names(output, again) == made_names(output, first) == DAY2
    assert (again.drawn, made_names(output, again.unchanged)) == ([], DAY2)
    assert files_under(output) == sorted(["plots/2024-06-06", *DAY2, MANIFEST])
    assert {name: (output / name).stat().st_mtime_ns for name in DAY2} == stamps


def test_phase_and_module_choose_module_figures_only(output):
    made = plot_all(output, phase="1", module="2", quiet=True)
    assert made_names(output, made) == ["plots/2024-06-05/module_p1_m2.png"]
    made = plot_all(output, phase="1", date="2024-06-06", quiet=True)
    assert made_names(output, made) == ["plots/2024-06-06/module_p1_m1.png"]


def test_a_filter_matching_nothing_is_an_error(output):
    with pytest.raises(EtlError) as err:
        plot_all(output, module="7", date="2024-06-05", quiet=True)
    assert str(err.value) == f"no module day files in {output / 'modules'} match module=7, date=2024-06-05"


def test_no_outputs_is_a_clear_error(tmp_path):
    with pytest.raises(EtlError) as err:
        plot_all(tmp_path / "missing")
    assert str(err.value) == f"output folder not found: {tmp_path / 'missing'} (run the telemetry pipeline first)"
    with pytest.raises(EtlError) as err:
        plot_all(tmp_path)
    assert str(err.value) == (
        f"no telemetry outputs in {tmp_path} (no modules/ folder): "
        f"run `python etl_process.py --input data/ --output {tmp_path}` first"
    )
    (tmp_path / "modules").mkdir()
    with pytest.raises(EtlError) as err:
        plot_all(tmp_path)
    assert str(err.value) == f"no module day files in {tmp_path / 'modules'}"


def test_hourly_layout_is_named_in_the_error(telemetry_output):
    out = telemetry_output([(DAY, "module_voltage", "54", M11)], layout="hourly")
    assert json.loads((out / "_summary.json").read_text())["settings"]["layout"] == "hourly"
    with pytest.raises(EtlError, match=r"written with --layout hourly .* the plots read the hive layout only"):
        plot_all(out)


def test_gaps_become_nan_breaks():
    times, values = with_breaks([(0.0, 1.0, False), (10.0, 2.0, False), (500.0, 3.0, True), (510.0, 4.0, False)])
    assert times.tolist() == [0.0, 10.0, 500.0, 500.0, 510.0]
    assert np.isnan(values[2])
    assert [v for v in values.tolist() if v == v] == [1.0, 2.0, 3.0, 4.0]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("module_voltage", "module"),
        ("module_temperature", "module"),
        ("battery_voltage__battery_1", "battery 1"),
        ("battery_sensor_temperature__battery_2__sensor_10", "battery 2, sensor 10"),
        ("phase_current", "phase current"),
    ],
)
def test_series_labels(name, label):
    assert series_label(name) == label


def test_cli_plot_command(output, capsys):
    assert main(["plot", "--output", str(output), "--date", "2024-06-06"]) == 0
    assert capsys.readouterr().out == f"plot: 3 drawn, 0 unchanged in {output / 'plots'}\n"
    assert main(["plot", "--output", str(output / "nowhere")]) == 1
    assert capsys.readouterr().err == (
        f"Error: output folder not found: {output / 'nowhere'} (run the telemetry pipeline first)\n"
    )
    with pytest.raises(SystemExit) as usage:
        main(["plot", "--output", str(output), "--date", "5 June"])
    assert usage.value.code == 2
    assert capsys.readouterr().err.endswith("error: argument --date: not a date (YYYY-MM-DD): '5 June'\n")


def test_telemetry_plots_flag_plots_after_the_run(tmp_path, capsys):
    from .conftest import write_readings

    write_readings(tmp_path / "in" / "a.parquet", [(DAY + 5, "module_voltage", "54", M11)])
    code = main(["--input", str(tmp_path / "in"), "--output", str(tmp_path / "out"), "--plots", "--threads", "1"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"plots: 4 drawn, 0 unchanged in {tmp_path / 'out' / 'plots'}"
    assert files_under(tmp_path / "out") == [
        "plots/.drawn.json",
        "plots/2024-06-05",
        "plots/2024-06-05/coverage.png",
        "plots/2024-06-05/module_p1_m1.png",
        "plots/2024-06-05/overview_soc.png",
        "plots/overview.png",
    ]


def test_cli_as_a_subprocess(output):
    done = subprocess.run(
        [sys.executable, "etl_process.py", "plot", "--output", str(output), "--phase", "2", "--quiet"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert files_under(output) == ["plots/.drawn.json", "plots/2024-06-05", "plots/2024-06-05/module_p2_m1.png"]


# --- the time axis and the labels of the figures -------------------------------


@pytest.fixture
def runner():
    con = connect(threads=1)
    yield SqlRunner(con, "telemetry/plots")
    con.close()


def day_files(runner, out, day, dataset):
    return [f for f in plots._list_files(runner, out, None, None, day) if f.dataset == dataset]


def module_11(runner, out):
    return next(f for f in day_files(runner, out, "2024-06-05", "modules") if (f.phase, f.module) == ("1", "1"))


def tick_labels(ax):
    return [t.get_text() for t in ax.get_xticklabels()]


def test_module_figure_zooms_to_its_two_bursts(pipeline_output, runner):
    # module 1/1 on 2024-06-05: readings 06:00:00-06:09:50 and 18:00:00-18:09:50
    axes = plots.module_figure(runner, module_11(runner, pipeline_output)).axes
    bottom = axes[-1]
    # 20 minutes shown, at 06:00-06:10 and 18:00-18:10, a tick every 2 minutes;
    # the 11 h 50 min between them are a band 7 % of the 1,200 s shown (84 s)
    assert tick_labels(bottom) == [
        "06:00", "06:02", "06:04", "06:06", "06:08", "06:10",
        "18:00", "18:02", "18:04", "18:06", "18:08", "18:10",
    ]  # fmt: skip
    assert [x for x in bottom.get_xticks()] == [*range(0, 601, 120), *range(684, 1285, 120)]
    assert bottom.get_xlim() == pytest.approx((-12.0, 1296.0))
    assert [t.get_text() for t in axes[0].texts] == ["11 h 50 min\nwithout readings"]
    assert all(len(ax.patches) == 1 for ax in axes), "every panel shows the cut-out gap"
    assert bottom.get_xlabel() == "Time (UTC) on 2024-06-05, zoomed to the readings: the hatched gaps are cut out"
    # the first voltage reading sits at the axis' start, the last at its end
    x, _ = axes[0].lines[0].get_data()
    assert (x[0], x[-1]) == (0.0, 1284 - 10)


def test_module_figure_whole_day(pipeline_output, runner):
    axes = plots.module_figure(runner, module_11(runner, pipeline_output), whole_day=True).axes
    assert tick_labels(axes[-1]) == [f"{h:02d}:00" for h in range(0, 25, 2)]
    assert axes[-1].get_xlim() == (0.0, 86_400.0)
    assert len(axes[0].texts) == 0 and all(len(ax.patches) == 0 for ax in axes)
    assert axes[-1].get_xlabel() == "Time (UTC) on 2024-06-05"
    x, _ = axes[0].lines[0].get_data()
    assert x[0] == 6 * 3600


def test_soc_overview_ends_the_day_at_24_00_and_zooms_to_its_slots(pipeline_output, runner):
    modules = day_files(runner, pipeline_output, "2024-06-05", "modules")
    whole = plots.soc_overview_figure(runner, "2024-06-05", modules, whole_day=True).axes[0]
    assert tick_labels(whole)[0] == "00:00"
    assert tick_labels(whole)[-1] == "24:00"
    # SoC readings at 06:00-06:10 and 18:00-18:10 (module 1/1), 12:00 (module 2/1)
    zoomed = plots.soc_overview_figure(runner, "2024-06-05", modules).axes[0]
    assert tick_labels(zoomed) == ["06:00", "06:05", "06:10", "12:00", "12:05", "18:00", "18:05", "18:10"]
    assert [t.get_text() for t in zoomed.texts] == ["5 h 50 min\nwithout readings", "5 h 55 min\nwithout readings"]
    assert len(zoomed.images) == 3


def test_currents_say_which_sign_is_charging(pipeline_output, runner):
    assert plots.CURRENT_SIGN == "positive = discharging, negative = charging"
    axes = plots.module_figure(runner, module_11(runner, pipeline_output)).axes
    assert axes[1].get_title(loc="left") == "Module current (positive = discharging, negative = charging)"
    assert any(list(line.get_ydata()) == [0, 0] for line in axes[1].lines), "the zero line is drawn"
    phases = day_files(runner, pipeline_output, "2024-06-05", "phases")
    figure = plots.phase_currents_figure(runner, "2024-06-05", phases)
    assert figure.get_suptitle() == "Phase currents — 2024-06-05 (UTC); positive = discharging, negative = charging"


def test_cli_whole_day_flag(output, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(plots, "plot_all", lambda *args, **kwargs: calls.append(kwargs) or Figures([], [], [], []))
    assert main(["plot", "--output", str(output), "--date", "2024-06-06", "--whole-day"]) == 0
    assert main(["plot", "--output", str(output), "--date", "2024-06-06"]) == 0
    assert [call["whole_day"] for call in calls] == [True, False]
