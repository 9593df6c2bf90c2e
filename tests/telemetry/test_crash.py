"""Killing the pipeline at any moment, then running again, gives the same outputs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import duckdb

from etl.core.paths import DATA_DIR, PROJECT_ROOT


def command(out):
    return [sys.executable, "etl_process.py", "--input", str(DATA_DIR), "--output", str(out), "--quiet"]


def snapshot(root):
    con = duckdb.connect()
    files = sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*.parquet")
        if not p.relative_to(root).as_posix().startswith(".")
    )
    return {
        f: con.execute(f"select * from read_parquet('{root / f}', hive_partitioning = false) order by all").fetchall()
        for f in files
    }


def test_sigkill_at_several_points_then_rerun_gives_identical_outputs(tmp_path):
    reference = tmp_path / "reference"
    subprocess.run(command(reference), cwd=PROJECT_ROOT, check=True, timeout=300)
    expected = snapshot(reference)
    assert len(expected) == 18  # 14 day files, the quality files of two days

    started = time.monotonic()
    subprocess.run(command(tmp_path / "timing"), cwd=PROJECT_ROOT, check=True, timeout=300)
    full = time.monotonic() - started

    killed_midway = 0
    for fraction in (0.2, 0.35, 0.5, 0.65, 0.8, 0.95):
        out = tmp_path / f"killed-{fraction}"
        proc = subprocess.Popen(command(out), cwd=PROJECT_ROOT)
        time.sleep(full * fraction)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed_midway += 1
        proc.wait(timeout=60)
        subprocess.run(command(out), cwd=PROJECT_ROOT, check=True, timeout=300)
        assert snapshot(out) == expected, f"outputs differ after a kill at {fraction:.0%} of a run"
        assert not (out / ".telemetry" / "tmp").exists()
    assert killed_midway >= 3
