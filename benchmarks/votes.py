"""Benchmark: ingest the 40,299-line votes export and print the times.

Run from the project root:

    .venv/bin/python benchmarks/votes.py [--runs 5] [--input ../shared/data/votes/votes.jsonl]

Each run ingests into a fresh warehouse file in a temporary folder, then
ingests the same file again (every line already present), then recreates and
reads the outlier view. Wall-clock times depend on what else the machine
runs (the load average is printed); the CPU time of the ingest is the
steadier figure of its work. The first run of the process is reported apart: the
DuckDB Python client imports numpy/pandas the first time a parameter is
bound, about a second of Python start-up that is not ingestion work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from etl.core.engine import connect
from etl.core.paths import SHARED_DATA_DIR
from etl.pipelines.votes.pipeline import ingest, outlier_weeks


def one_run(path: Path, folder: Path, threads: int | None) -> tuple[float, float, float, int, float]:
    db = folder / "warehouse.db"
    con = connect(db, threads=threads)
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        counts = ingest(con, [path])
        first, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        start = time.perf_counter()
        again = ingest(con, [path])
        second = time.perf_counter() - start
        start = time.perf_counter()
        outlier_weeks(con)
        view = time.perf_counter() - start
    finally:
        con.close()
    if again.loaded or again.present != counts.loaded:
        raise SystemExit(f"re-ingest changed the warehouse: {again}")
    db.unlink()
    return first, second, view, counts.loaded, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=SHARED_DATA_DIR / "votes" / "votes.jsonl")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if not args.input.is_file():
        print(f"Error: input not found: {args.input}", file=sys.stderr)
        return 1
    lines = sum(1 for _ in args.input.open("rb"))
    print(f"input: {args.input} ({lines} lines, {args.input.stat().st_size / 1e6:.1f} MB)")
    with tempfile.TemporaryDirectory(prefix="votes-bench-") as tmp:
        folder = Path(tmp)
        cold = one_run(args.input, folder, args.threads)
        runs = [one_run(args.input, folder, args.threads) for _ in range(args.runs)]
    print(f"first run in this process: ingest {cold[0]:.3f} s (with the client's one-off imports), {cold[3]} loaded")
    for label, index in (("ingest into a new warehouse", 0), ("re-ingest, all present", 1), ("outliers view", 2)):
        times = [run[index] for run in runs]
        print(
            f"{label:<28} median {statistics.median(times):.3f} s, "
            f"min {min(times):.3f} s, max {max(times):.3f} s over {len(times)} runs"
        )
    cpu = statistics.median(run[4] for run in runs)
    print(f"ingest CPU time (all threads)  median {cpu:.3f} s; machine load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
