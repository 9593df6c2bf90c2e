"""Benchmark of the telemetry pipeline against a plain DuckDB scan of its input.

In one run, for each dataset, it measures in separate processes (so that each
one's peak RSS is its own):
  a) a plain scan reading every column:
     SELECT count(*), sum(timestamp), sum(length(value)), sum(len(tags)) FROM read_parquet(...)
  b) the full pipeline on the same files (default settings);
  c) a re-run on unchanged input (and whether it rewrote anything);
  d) adding the last day's files to a processed history, against a run over
     those files alone (the history is made by a run without them);
  f) live data: one new file arriving in a day processed up to a third, a
     half, two thirds and nine tenths of its files, against a run over that
     day alone, with and without a fill (telemetry_live.py);
  g) a peer: the modules output in plain Polars, checked cell by cell
     against the pipeline's modules files (telemetry_peer.py);
  h) where the time goes, per SQL step (telemetry_steps.py).
It prints wall time, rows/s, peak RSS and the ratios. The machine may be busy:
compare the ratios, which are taken within one run.

    python benchmarks/telemetry.py --real                 # ../shared/data/telemetry
    python benchmarks/telemetry.py --full-scale           # a generated 78-day export (~393 M rows)
    python benchmarks/telemetry.py --full-scale --days 10 # a smaller generated history
    python benchmarks/telemetry.py --real --cluster local:2  # also (e): the same run on a Dask LocalCluster
    python benchmarks/telemetry.py --real --python rt/bin/python  # commands in a venv of requirements.txt only

With --cluster it also times (e), the full run with the day builds on that
Dask cluster, right after (b) on the same files, and prints (e)/(b) and
whether the two outputs are byte-identical.

--python matters for the command timings: with pandas installed (a test
dependency), DuckDB's client imports it, and pyarrow with it, at a run's
first bound parameter, about 0.3 s of every command; the container has no
pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from etl.core.paths import SHARED_DATA_DIR  # noqa: E402

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from telemetry_live import live  # noqa: E402
from telemetry_peer import compare, run_peer  # noqa: E402
from telemetry_steps import steps  # noqa: E402

SCAN = """
import sys, duckdb
con = duckdb.connect()
con.execute("set enable_progress_bar = false")
print(con.execute(
    "select count(*), sum(timestamp), sum(length(value)), sum(len(tags)) from read_parquet($files)",
    {"files": sys.argv[1]},
).fetchone()[0])
"""


@dataclass
class Measure:
    wall: float
    cpu: float
    peak_rss_mb: float
    output: str


# Linux keeps, in a child's ru_maxrss, the high-water RSS of the process image
# it replaced at exec, i.e. about the RSS of whoever spawned it. This process
# grows with the in-process peer and step runs, so the timed commands are
# started by a small launcher process instead, which reports each one's wall
# time and rusage as a JSON line.
LAUNCHER = """
import json, os, subprocess, sys, time
for line in sys.stdin:
    cmd, cwd = json.loads(line)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                      os.waitstatus_to_exitcode(status), out]), flush=True)
"""
_launcher: subprocess.Popen | None = None
# the interpreter of the timed pipeline commands (--python)
PIPELINE_PYTHON = sys.executable


def measure(cmd: list[str]) -> Measure:
    global _launcher
    if _launcher is None:
        _launcher = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
    assert _launcher.stdin and _launcher.stdout
    _launcher.stdin.write(json.dumps([cmd, str(PROJECT_ROOT)]) + "\n")
    _launcher.stdin.flush()
    wall, cpu, peak_rss_mb, returncode, out = json.loads(_launcher.stdout.readline())
    if returncode != 0:
        raise SystemExit(f"benchmark step failed ({returncode}): {' '.join(cmd)}")
    return Measure(wall, cpu, peak_rss_mb, out.strip())


def scan(folder: Path) -> Measure:
    return measure([sys.executable, "-c", SCAN, f"{folder}/**/*.parquet"])


def pipeline(inp: Path, out: Path, *extra: str) -> Measure:
    return measure([PIPELINE_PYTHON, "etl_process.py", "--input", str(inp), "--output", str(out), "--quiet", *extra])


def output_mtimes(out: Path) -> dict[str, int]:
    return {
        str(p.relative_to(out)): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.is_file() and not str(p.relative_to(out)).startswith(".telemetry")
    }


def link_days(source: Path, target: Path, days: list[Path]) -> None:
    """Hard-link the files of `days` (folders under source) into target."""
    for day in days:
        for path in day.rglob("*.parquet"):
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, dest)
            except OSError:
                shutil.copy2(path, dest)


def bench(
    name: str,
    source: Path,
    work: Path,
    cluster: str | None = None,
    repeat: int = 1,
    live_day: Callable[[list[Path]], Path] | None = None,
    live_repeat: int = 2,
    peer_check: int | None = None,
) -> None:
    days = sorted(p for p in source.glob("*/*/*") if p.is_dir())
    print(f"\n== {name}: {source} ({len(days)} day folders)", flush=True)
    # The runs read hard links of the source files, so that (d) can take the
    # last day's files away and bring them back without copying any data.
    shutil.rmtree(work, ignore_errors=True)
    inp, out, held = work / "in", work / "out", work / "held"
    link_days(source, inp, days)
    scan(inp)  # warms the page cache; the figures are the second scan's
    a = scan(inp)
    rows = int(a.output)
    b = pipeline(inp, out)
    # (e) the same full run with the day builds on the Dask cluster
    e = pipeline(inp, work / "out-cluster", "--cluster", cluster) if cluster else None
    before = output_mtimes(out)
    c = pipeline(inp, out)
    rewritten = sum(1 for k, v in output_mtimes(out).items() if before.get(k) != v)

    # The last day; with the generator's export, also the next folder, which
    # holds only the files exported just after that day's midnight.
    files = [len(list(d.glob("*.parquet"))) for d in days]
    tail = days[-2:] if len(days) > 1 and files[-1] * 4 < files[-2] else days[-1:]
    for day in tail:
        rel = day.relative_to(source)
        (held / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(inp / rel, held / rel)
    pipeline(inp, out)  # the history without the last day's files
    for day in tail:
        rel = day.relative_to(source)
        os.replace(held / rel, inp / rel)
    d_add = pipeline(inp, out)
    link_days(source, work / "alone", tail)
    d_alone = pipeline(work / "alone", work / "alone-out")

    print(f"rows: {rows:,}")
    print(f"{'step':<36}{'wall s':>9}{'CPU s':>9}{'rows/s':>14}{'peak RSS MB':>13}")
    for label, m in (
        ("(a) scan, every column", a),
        ("(b) pipeline, full run", b),
        ("(c) pipeline, re-run unchanged", c),
        ("(d) add the last day's files", d_add),
        ("    a run over those files alone", d_alone),
        *([(f"(e) pipeline, --cluster {cluster}", e)] if e else []),
    ):
        rate = f"{rows / m.wall:,.0f}" if label.startswith(("(a)", "(b)")) else "-"
        print(f"{label:<36}{m.wall:>9.2f}{m.cpu:>9.2f}{rate:>14}{m.peak_rss_mb:>13.0f}")
    print(
        f"ratio (b)/(a): {b.wall / a.wall:.2f} wall, {b.cpu / a.cpu:.2f} CPU; "
        f"(b) - 4 x (a) = {b.wall - 4 * a.wall:+.2f} s"
    )
    print(f"re-run on unchanged input: {c.wall:.2f} s, files rewritten: {rewritten}")
    print(f"add one day / that day alone: {d_add.wall / d_alone.wall:.2f}")
    print(f"peak RSS of the pipeline: {max(b.peak_rss_mb, c.peak_rss_mb, d_add.peak_rss_mb):.0f} MB", flush=True)
    print(
        f"target (b) <= 2.0 x (a) + 1 s (real) / 2.0 x (a) (full scale): (b) - 2 x (a) = {b.wall - 2 * a.wall:+.2f} s"
    )
    if live_day:
        live(live_day(days), work / "live", pipeline, same_outputs, live_repeat)
    peer_wall, peer_days = run_peer(inp)
    print(
        f"\n-- peer: plain Polars, modules only: {peer_wall:.2f} s; pipeline (b) / peer: {b.wall / peer_wall:.2f}; "
        f"against the pipeline's modules files: {compare(peer_days, out, peer_check)}",
        flush=True,
    )
    del peer_days
    steps(inp, work / "steps")
    if e:
        same = same_outputs(out, work / "out-cluster")
        print(
            f"cluster / local wall: {e.wall / b.wall:.2f} ({e.wall:.2f} s / {b.wall:.2f} s); outputs identical: {same}",
            flush=True,
        )
        walls = [(b.wall, e.wall)]
        for n in range(1, repeat):
            # more full runs, local and cluster in turn, each into a fresh folder
            shutil.rmtree(work / "again", ignore_errors=True)
            pair = (
                pipeline(inp, work / "again" / "local").wall,
                pipeline(inp, work / "again" / "cluster", "--cluster", cluster).wall,
            )
            walls.append(pair)
            print(
                f"pair {n + 1}: local {pair[0]:.2f} s, cluster {pair[1]:.2f} s, ratio {pair[1] / pair[0]:.2f}",
                flush=True,
            )
        if repeat > 1:
            best_local, best_cluster = min(w[0] for w in walls), min(w[1] for w in walls)
            print(
                f"cluster / local, best of {repeat} each: {best_cluster / best_local:.2f} "
                f"({best_cluster:.2f} s / {best_local:.2f} s)",
                flush=True,
            )


def same_outputs(a: Path, b: Path) -> bool:
    """Whether two outputs hold the same day files, byte for byte."""

    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes()
            for p in root.rglob("*.parquet")
            if ".telemetry" not in p.relative_to(root).parts
        }

    return files(a) == files(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--real", action="store_true", help="benchmark ../shared/data/telemetry")
    parser.add_argument("--full-scale", action="store_true", help="benchmark a generated export")
    parser.add_argument("--days", type=int, default=78, help="days of the generated export")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument(
        "--python",
        default=sys.executable,
        help="the Python that runs the timed pipeline commands, e.g. a venv with requirements.txt alone, "
        "as in the container (default: this one)",
    )
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="also time the full run with --cluster ADDRESS (e.g. local:2), in the same run",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        metavar="N",
        help="with --cluster: N full runs of each, in turn, and the ratio of the best of each",
    )
    parser.add_argument(
        "--generated",
        type=Path,
        help="a generated export to reuse (made there first if the folder does not exist)",
    )
    args = parser.parse_args()
    if not (args.real or args.full_scale):
        args.real = True
    global PIPELINE_PYTHON
    PIPELINE_PYTHON = args.python
    work = args.work or Path(tempfile.mkdtemp(prefix="telemetry-bench-"))
    try:
        if args.real:
            source = SHARED_DATA_DIR / "telemetry"
            if not source.exists():
                raise SystemExit(f"no real data at {source}")
            # the real day most like the exporter's usual one (93 files)
            bench("real sample", source, work / "real", args.cluster, args.repeat, live_day=lambda days: days[2])
        if args.full_scale:
            generated = args.generated or work / "generated"
            started = time.monotonic()
            if generated.exists():
                print(f"\nreusing the generated export in {generated}")
            else:
                subprocess.run(
                    [
                        sys.executable,
                        "etl_process.py",
                        "generate-telemetry",
                        "--output",
                        str(generated),
                        "--days",
                        str(args.days),
                        "--preset",
                        "full",
                        "--quiet",
                    ],
                    cwd=PROJECT_ROOT,
                    check=True,
                )
                print(f"\ngenerated {args.days} days in {time.monotonic() - started:.0f} s", flush=True)
            # a day in the middle; the peer's values are checked on the first 3 days
            bench(
                f"generated, {args.days} days",
                generated,
                work / "full",
                args.cluster,
                args.repeat,
                live_day=lambda days: days[len(days) // 2],
                peer_check=3,
            )
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
