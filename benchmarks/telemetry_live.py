"""Live data for the benchmark: files arriving through a day. A day is first
processed with part of its files (a third, a half, two thirds, nine tenths,
in the order the exporter sent them), then one more file arrives and the run
is timed, against a run over the whole day's files alone; with and without a
fill. The outputs after the last file are compared with a full rebuild."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

FRACTIONS = (1 / 3, 1 / 2, 2 / 3, 9 / 10)
FILLS = ("none", "linear")


def live(day: Path, work: Path, pipeline: Callable[..., Any], same: Callable[[Path, Path], bool], repeat: int) -> None:
    """Print the +1 file / day alone ratios, as commands (each run a new
    process, as a scheduler would start it) and inside one process (without
    the interpreter's start and imports)."""
    files = sorted(day.glob("*.parquet"))
    rel = Path(*day.parts[-3:])
    print(f"\n-- live data: {rel} ({len(files)} files), best of {repeat}", flush=True)
    print(
        f"{'fill':<8}{'processed':>11}{'new file sent':>16}{'+1 file s':>11}{'day alone s':>13}{'ratio':>8}"
        f"{'in-process +1 / alone s':>26}{'ratio':>8}"
    )
    for fill in FILLS:
        extra = ("--fill", fill, "--max-gap", "60s")
        alone_in = work / "alone" / rel
        shutil.rmtree(work / "alone", ignore_errors=True)
        link(files, alone_in)
        alone = min(pipeline(work / "alone", work / f"alone-out-{n}", *extra).wall for n in range(repeat))
        alone_here = min(in_process(work / "alone", work / f"alone-here-{n}", fill) for n in range(repeat))
        for fraction in FRACTIONS:
            n = int(len(files) * fraction)
            walls, here = [], []
            inp, out = work / "in", work / "out"
            for attempt in range(2 * repeat):
                shutil.rmtree(inp, ignore_errors=True)
                shutil.rmtree(out, ignore_errors=True)
                link(files[:n], inp / rel)
                pipeline(inp, out, *extra)
                link(files[n : n + 1], inp / rel)
                if attempt % 2:
                    here.append(in_process(inp, out, fill))
                else:
                    walls.append(pipeline(inp, out, *extra).wall)
            sent = files[n].stem.split("-metrics-")[-1][2:21] if "-metrics-" in files[n].stem else files[n].stem
            best = min(walls)
            print(
                f"{fill:<8}{n:>6}/{len(files):<4}{sent:>16}{best:>11.2f}{alone:>13.2f}{best / alone:>8.2f}"
                f"{f'{min(here):.2f} / {alone_here:.2f}':>26}{min(here) / alone_here:>8.2f}",
                flush=True,
            )
        # the rest of the day, then the same files rebuilt whole
        link(files[n + 1 :], inp / rel)
        pipeline(inp, out, *extra)
        full = work / "full"
        shutil.rmtree(full, ignore_errors=True)
        pipeline(inp, full, *extra)
        print(f"{fill:<8}after the whole day arrived, identical to a full rebuild: {same(out, full)}", flush=True)


def in_process(inp: Path, out: Path, fill: str) -> float:
    """One run inside this process: its wall seconds."""
    import datetime as dt
    import time

    from etl.pipelines.telemetry.pipeline import Settings, run

    started = time.perf_counter()
    run(Settings(input=inp, output=out, quiet=True, fill=fill, max_gap=dt.timedelta(seconds=60)))
    return time.perf_counter() - started


def link(files: list[Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        target = folder / f.name
        if not target.exists():
            target.symlink_to(f.resolve())
