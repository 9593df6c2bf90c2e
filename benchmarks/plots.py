"""Benchmark of `plot`: figures per second on one worker process and on
every core, and a re-run that finds every figure unchanged.

    python benchmarks/plots.py                 # builds an output from ../shared/data/telemetry first
    python benchmarks/plots.py output/         # an existing telemetry output (hive layout)
    python benchmarks/plots.py output/ --workers 4

The figures go into a scratch folder whose day files are links to the
output's, so the output's own plots/ is never touched and every run starts
from no figure at all. Each step runs `plot_all` in a process of its own;
its CPU seconds include its worker processes. It also checks that the
figures drawn on every core are the bytes one worker draws. The machine
may be busy: compare the steps of one run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from etl.core.paths import SHARED_DATA_DIR  # noqa: E402

# What a figure is drawn from, linked into the scratch output.
LINKED = ("modules", "phases", "system", "_quality", "_summary.json")
PLOT = """
import sys
from pathlib import Path
from etl.pipelines.telemetry.plots import plot_all
made = plot_all(Path(sys.argv[1]), threads=int(sys.argv[2]), quiet=True)
print(len(made), len(made.drawn))
"""


def measure(output: Path, workers: int) -> tuple[float, float, int, int]:
    """Wall and CPU seconds of one plot_all, the figures and how many were drawn."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", PLOT, str(output), str(workers)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    out = proc.stdout.read() if proc.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"plot_all failed on {output} with {workers} worker(s)")
    figures, drawn = (int(n) for n in out.split())
    return wall, usage.ru_utime + usage.ru_stime, figures, drawn


def scratch_output(source: Path, folder: Path) -> Path:
    """A folder that reads as `source` (links to its day and quality files) and has no plots yet."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in LINKED:
        if (source / name).exists():
            (folder / name).symlink_to((source / name).resolve())
    return folder


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*.png")}


def build_sample(work: Path) -> Path:
    source = SHARED_DATA_DIR / "telemetry"
    if not source.is_dir():
        raise SystemExit(f"no output given and no real sample at {source}")
    out = work / "output"
    print(f"building an output from {source} ...", flush=True)
    subprocess.run(
        [sys.executable, "etl_process.py", "--input", str(source), "--output", str(out), "--quiet"],
        cwd=PROJECT_ROOT,
        check=True,
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "output", nargs="?", type=Path, help="a telemetry output folder (default: built from the real sample)"
    )
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    parser.add_argument(
        "--workers", type=int, default=cores, help=f"worker processes for the parallel run (default {cores})"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-plots-") as tmp:
        work = Path(tmp)
        source = args.output or build_sample(work)
        if not (source / "modules").is_dir():
            raise SystemExit(f"{source} holds no telemetry outputs (no modules/ folder)")
        days = len({p.name for p in (source / "modules").glob("*/*/date=*")})
        print(f"output: {source} ({days} days); {cores} core(s) here")
        rows = []
        one = scratch_output(source, work / "one")
        rows.append(("1 worker", *measure(one, 1)))
        many = scratch_output(source, work / "many")
        rows.append((f"{args.workers} workers", *measure(many, args.workers)))
        rows.append((f"re-run, {args.workers} workers", *measure(many, args.workers)))
        same = digests(one / "plots") == digests(many / "plots")
    print(f"{'step':<22}{'figures':>9}{'drawn':>7}{'wall s':>9}{'CPU s':>9}{'figures/s':>11}{'CPU s/figure':>14}")
    for label, wall, cpu, figures, drawn in rows:
        rate = f"{drawn / wall:.2f}" if drawn else "-"
        per = f"{cpu / drawn:.2f}" if drawn else "-"
        print(f"{label:<22}{figures:>9}{drawn:>7}{wall:>9.2f}{cpu:>9.2f}{rate:>11}{per:>14}")
    print(f"speed-up on {args.workers} workers: {rows[0][1] / rows[1][1]:.2f} x")
    print(f"same PNG bytes on 1 and {args.workers} workers: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
