"""Plotting again draws only what changed: an unchanged output draws
nothing, a rebuilt day redraws its own figures and the overview of every
day, a figure deleted by hand comes back, a day gone takes its figures
with it; and figures drawn on several processes are the bytes one process
draws."""

from __future__ import annotations

import json
import shutil

import pytest

from etl.pipelines.telemetry import plot_pool
from etl.pipelines.telemetry.pipeline import Settings, run
from etl.pipelines.telemetry.plots import plot_all

from .conftest import DAY, tags, write_readings

M11, M12 = tags("1", "1"), tags("1", "2")
NEXT = DAY + 86_400
ROWS = [
    *((DAY + 6 * 3600 + s, "module_voltage", "15.1", M11) for s in range(0, 300, 10)),
    *((DAY + 6 * 3600 + s, "module_state_of_charge", "0.5", M12) for s in range(0, 300, 10)),
    *((DAY + 6 * 3600 + s, "phase_current", "3.5", tags("1")) for s in range(0, 300, 10)),
    *((NEXT + 3600 + s, "module_voltage", "15.0", M11) for s in range(0, 120, 10)),
]
DAY1 = ["coverage", "module_p1_m1", "module_p1_m2", "overview_soc", "phase_currents"]
DAY2 = ["coverage", "module_p1_m1", "overview_soc"]
FIGURES = sorted([*(f"2024-06-05/{n}.png" for n in DAY1), *(f"2024-06-06/{n}.png" for n in DAY2), "overview.png"])


@pytest.fixture
def folder(tmp_path):
    write_readings(tmp_path / "input" / "day1.parquet", [r for r in ROWS if r[0] < NEXT])
    write_readings(tmp_path / "input" / "day2.parquet", [r for r in ROWS if r[0] >= NEXT])
    build(tmp_path)
    return tmp_path


def build(folder):
    run(Settings(input=folder / "input", output=folder / "output", quiet=True, threads=1))


def plot(out, **options):
    """plot_all on one process (the parallel test uses two)."""
    return plot_all(out, quiet=True, **{"threads": 1, **options})


def names(figures, out):
    return sorted(p.relative_to(out / "plots").as_posix() for p in figures)


def stamps(out):
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in (out / "plots").rglob("*.png")}


def test_a_second_run_draws_nothing(folder):
    out = folder / "output"
    first = plot(out)
    assert names(first.drawn, out) == FIGURES
    before = stamps(out)
    again = plot(out)
    assert (names(again, out), again.drawn, names(again.unchanged, out), again.removed) == (FIGURES, [], FIGURES, [])
    assert stamps(out) == before
    manifest = json.loads((out / "plots" / ".drawn.json").read_text())
    assert manifest["version"] == 1 and sorted(manifest["figures"]) == FIGURES


def test_a_rebuilt_day_redraws_its_figures_and_the_overview(folder):
    out = folder / "output"
    plot(out)
    before = stamps(out)
    # a late file for 2024-06-06: the pipeline rebuilds that day only
    write_readings(folder / "input" / "late.parquet", [(NEXT + 7200, "module_voltage", "14.9", M11)])
    build(folder)
    again = plot(out)
    assert names(again.drawn, out) == [*(f"2024-06-06/{n}.png" for n in DAY2), "overview.png"]
    after = stamps(out)

    def day1(marks):
        return {k: v for k, v in marks.items() if "2024-06-05" in k}

    assert day1(after) == day1(before)


def test_a_figure_deleted_by_hand_is_drawn_again(folder):
    out = folder / "output"
    plot(out)
    (out / "plots/2024-06-05/module_p1_m2.png").unlink()
    again = plot(out)
    assert names(again.drawn, out) == ["2024-06-05/module_p1_m2.png"]
    assert (out / "plots/2024-06-05/module_p1_m2.png").is_file()


def test_a_day_gone_takes_its_figures_along(folder):
    out = folder / "output"
    plot(out)
    (out / "plots" / "notes.txt").write_text("mine")  # not a figure the plots drew: left alone
    (folder / "input" / "day2.parquet").unlink()
    build(folder)
    again = plot(out)
    assert names(again.removed, out) == [f"2024-06-06/{n}.png" for n in DAY2]
    assert names(again.drawn, out) == ["overview.png"]
    assert not (out / "plots" / "2024-06-06").exists()
    assert (out / "plots" / "notes.txt").read_text() == "mine"
    assert sorted(json.loads((out / "plots" / ".drawn.json").read_text())["figures"]) == [
        *(f"2024-06-05/{n}.png" for n in DAY1),
        "overview.png",
    ]


def test_a_filtered_run_removes_nothing(folder):
    out = folder / "output"
    plot(out)
    again = plot(out, date="2024-06-05")
    assert (again.drawn, again.removed) == ([], [])
    assert (out / "plots/2024-06-06/module_p1_m1.png").is_file() and (out / "plots/overview.png").is_file()


def test_options_and_code_are_part_of_what_a_figure_is_drawn_from(folder, monkeypatch):
    out = folder / "output"
    plot(out)
    # the whole-day axis changes the figures with a time axis, not the coverage maps nor the overview
    whole = plot(out, whole_day=True)
    assert names(whole.unchanged, out) == ["2024-06-05/coverage.png", "2024-06-06/coverage.png", "overview.png"]
    monkeypatch.setattr(plot_pool, "code_digest", lambda: "other code")
    assert names(plot(out, whole_day=True).drawn, out) == FIGURES


def test_a_broken_manifest_draws_everything_again(folder):
    out = folder / "output"
    plot(out)
    (out / "plots" / ".drawn.json").write_text("{not json")
    assert names(plot(out).drawn, out) == FIGURES
    assert json.loads((out / "plots" / ".drawn.json").read_text())["version"] == 1


def test_several_processes_draw_the_bytes_one_process_draws(folder):
    out = folder / "output"
    copy = folder / "copy"
    shutil.copytree(out, copy, symlinks=True)
    one = plot(out)
    two = plot_all(copy, quiet=True, threads=2)
    assert names(one.drawn, out) == names(two.drawn, copy) == FIGURES
    for name in FIGURES:
        assert (out / "plots" / name).read_bytes() == (copy / "plots" / name).read_bytes(), name
    # and the same fingerprints: the copy's inputs kept their sizes and times
    assert (out / "plots/.drawn.json").read_text() == (copy / "plots/.drawn.json").read_text()


def test_without_a_process_pool_one_process_draws(folder, monkeypatch):
    class NoSemaphores:
        def Pool(self, *args, **kwargs):
            raise OSError(38, "Function not implemented")

    monkeypatch.setattr(plot_pool.multiprocessing, "get_context", lambda method: NoSemaphores())
    out = folder / "output"
    assert names(plot_all(out, quiet=True, threads=2).drawn, out) == FIGURES


def test_workers_never_outnumber_the_figures():
    assert plot_pool.workers_for(8, 3) == 3
    assert plot_pool.workers_for(2, 30) == 2
    assert plot_pool.workers_for(None, 1) == 1
    assert plot_pool.workers_for(None, 0) == 1


def test_a_failing_figure_keeps_what_was_drawn(folder, monkeypatch):
    out = folder / "output"
    drawn: list[str] = []
    real = plot_pool.draw_one

    def fail_on_the_overview(runner, root, task):
        if task.name == "overview.png":
            raise RuntimeError("boom")
        drawn.append(real(runner, root, task))
        return drawn[-1]

    monkeypatch.setattr(plot_pool, "draw_one", fail_on_the_overview)
    with pytest.raises(RuntimeError, match="boom"):
        plot(out)
    assert sorted(json.loads((out / "plots" / ".drawn.json").read_text())["figures"]) == sorted(drawn)
    monkeypatch.setattr(plot_pool, "draw_one", real)
    assert names(plot(out).drawn, out) == ["overview.png"]
