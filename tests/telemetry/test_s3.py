"""Inputs and outputs on S3-compatible storage (moto's server on 127.0.0.1):
the results equal a local run's; a re-run on unchanged input reads no data;
a killed run, run again, gives the same outputs; a reader never sees a
partial day; two runs exclude each other."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from etl.cli import main
from etl.core.errors import EtlError
from etl.core.paths import DATA_DIR, PROJECT_ROOT
from etl.core.storage import ObjectStore
from etl.pipelines.telemetry.pipeline import Settings, run
from etl.pipelines.telemetry.publishing import list_published
from etl.pipelines.telemetry.state import WORK_DIR, ObjectLock

DAY = 1_717_545_600
M11 = [["phase", "1"], ["module", "1"], ["message_source", "master"]]


def lasting(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in ("started_at", "wall_seconds", "settings")}


def test_a_round_trip_equals_a_local_run(tmp_path, s3, published_copy, local_files):
    s3.upload(DATA_DIR, f"{s3.raw}/system")
    local = run(Settings(input=DATA_DIR, output=tmp_path / "local", quiet=True))
    remote = run(Settings(input=f"{s3.raw}/system/", output=f"{s3.clean}/out", quiet=True))
    assert published_copy(f"{s3.clean}/out", tmp_path) == local_files(tmp_path / "local")
    assert lasting(remote) == lasting(local)
    keys = s3.keys(s3.clean.removeprefix("s3://"))
    data = [k for k in keys if not k.startswith(f"out/{WORK_DIR}/") and k != "out/_summary.json"]
    # one object per file of the local run, in the same folders, named after its build
    assert sorted(k.rsplit("/", 1)[0] for k in data) == sorted(
        f"out/{n.rsplit('/', 1)[0]}" for n in local_files(tmp_path / "local")
    )
    assert all(k.rsplit("/", 1)[1].startswith(("data_0.", "rejects.", "cells.", "signals.")) for k in data)
    summary = json.loads(ObjectStore(s3.clean).read("out/_summary.json"))
    assert lasting(summary) == json.loads(json.dumps(lasting(remote)))


def test_s3_with_a_cluster_equals_a_local_run(tmp_path, s3, dask_cluster, published_copy, local_files):
    s3.upload(DATA_DIR, f"{s3.raw}/system")
    local = run(Settings(input=DATA_DIR, output=tmp_path / "local", quiet=True))
    remote = run(
        Settings(input=f"{s3.raw}/system", output=f"{s3.clean}/out", quiet=True, cluster=dask_cluster.scheduler_address)
    )
    assert published_copy(f"{s3.clean}/out", tmp_path) == local_files(tmp_path / "local")
    assert lasting(remote) == lasting(local)


def test_s3_input_into_a_local_output(tmp_path, s3, local_files):
    s3.upload(DATA_DIR, f"{s3.raw}/system")
    run(Settings(input=DATA_DIR, output=tmp_path / "local", quiet=True))
    run(Settings(input=f"{s3.raw}/system", output=tmp_path / "from-s3", quiet=True))
    assert local_files(tmp_path / "from-s3") == local_files(tmp_path / "local")


def test_an_unchanged_rerun_reads_no_data(tmp_path, s3, monkeypatch):
    s3.upload(DATA_DIR, f"{s3.raw}/system")
    settings = Settings(input=f"{s3.raw}/system", output=f"{s3.clean}/out", quiet=True)
    run(settings)
    reads: list[str] = []
    for method in ("read", "read_range", "download"):
        original = getattr(ObjectStore, method)

        def counting(self, name, *args, _original=original, **kwargs):
            reads.append(f"{self.url}/{name}")
            return _original(self, name, *args, **kwargs)

        monkeypatch.setattr(ObjectStore, method, counting)
    again = run(settings)
    assert again["run"]["days_written"] == [] and again["run"]["files_indexed"] == 0
    data = [r for r in reads if f"/{WORK_DIR}/" not in r and not r.endswith("/_summary.json")]
    assert data == []


def test_a_late_file_patches_a_day_in_place_of_its_objects(tmp_path, s3, write_readings, published_copy, local_files):
    folder = tmp_path / "input"
    write_readings(folder / "a.parquet", [(DAY + 5 * k, "module_voltage", str(50 + k % 7), M11) for k in range(9000)])
    s3.upload(folder, f"{s3.raw}/system")
    remote = Settings(input=f"{s3.raw}/system", output=f"{s3.clean}/out", quiet=True)
    run(remote)
    before = list_published(f"{s3.clean}/out")
    write_readings(folder / "late.parquet", [(DAY + 86_000 + k, "module_voltage", "60", M11) for k in range(100)])
    s3.upload(folder / "late.parquet", f"{s3.raw}/system/late.parquet")
    summary = run(remote)
    assert summary["run"]["days_patched"] == ["2024-06-05"]
    after = list_published(f"{s3.clean}/out")
    assert len(after) == len(before) and not set(after) & set(before)
    # the superseded objects are gone once the run ends
    keys = {f"s3://{s3.clean.removeprefix('s3://')}/{k}" for k in s3.keys(s3.clean.removeprefix("s3://"))}
    assert not set(before) & keys and set(after) <= keys
    run(Settings(input=folder, output=tmp_path / "local", quiet=True))
    assert published_copy(f"{s3.clean}/out", tmp_path) == local_files(tmp_path / "local")


def test_a_reader_never_sees_a_partial_day(tmp_path, s3, write_readings, monkeypatch):
    """After every state write of a run that rebuilds every day, a reader
    going through the state finds each day whole: all its files, of one
    build, every one of them there."""
    from etl.pipelines.telemetry.state import State

    folder = tmp_path / "input"
    for d in range(3):
        rows = [(DAY + d * 86_400 + 5 * k, "module_voltage", str(k % 9), M11) for k in range(500)]
        write_readings(folder / f"day{d}.parquet", rows)
    s3.upload(folder, f"{s3.raw}/system")
    settings = Settings(input=f"{s3.raw}/system", output=f"{s3.clean}/out", quiet=True)
    run(settings)
    out = ObjectStore(f"{s3.clean}/out")
    seen: list[dict[str, set[str]]] = []

    def look() -> None:
        days: dict[str, set[str]] = {}
        for url in list_published(out.url):
            name = url[len(out.url) + 1 :]
            assert out.stat(name) is not None, f"{url} is listed but not there"
            date = name.split("date=")[1].split("/")[0]
            days.setdefault(date, set()).add(name.rsplit(".", 2)[1])  # the build id
        assert all(len(builds) == 1 for builds in days.values()), days
        assert sorted(days) == ["2024-06-05", "2024-06-06", "2024-06-07"]
        seen.append(days)

    original = State.save_day

    def save_and_look(self, date):
        original(self, date)
        look()

    monkeypatch.setattr(State, "save_day", save_and_look)
    for d in range(3):  # every day changes: every day is switched to a new build
        rows = [(DAY + d * 86_400 + 7 * k, "module_voltage", str(k % 5), M11) for k in range(400)]
        write_readings(folder / f"day{d}.parquet", rows)
    s3.upload(folder, f"{s3.raw}/system")
    run(settings)
    assert len(seen) == 3
    assert seen[0] != seen[-1]


def command(s3, out: str) -> list[str]:
    return [sys.executable, "etl_process.py", "--input", f"{s3.raw}/system", "--output", out, "--quiet"]


@pytest.mark.slow
def test_a_killed_run_then_a_rerun_gives_identical_outputs(tmp_path, s3, published_copy):
    s3.upload(DATA_DIR, f"{s3.raw}/system")
    env = {**s3.env, "ETL_LOCK_LEASE_SECONDS": "2", "PATH": "/usr/bin:/bin"}
    reference = f"{s3.clean}/reference"
    started = time.monotonic()
    subprocess.run(command(s3, reference), cwd=PROJECT_ROOT, env=env, check=True, timeout=300)
    full = time.monotonic() - started
    expected = published_copy(reference, tmp_path)
    killed = 0
    for fraction in (0.3, 0.5, 0.7, 0.9):
        out = f"{s3.clean}/killed-{int(fraction * 100)}"
        proc = subprocess.Popen(command(s3, out), cwd=PROJECT_ROOT, env=env)
        time.sleep(full * fraction)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait(timeout=60)
        time.sleep(2.5)  # the killed run's lease runs out
        subprocess.run(command(s3, out), cwd=PROJECT_ROOT, env=env, check=True, timeout=300)
        assert published_copy(out, tmp_path) == expected, f"outputs differ after a kill at {fraction:.0%}"
        bucket = s3.clean.removeprefix("s3://")
        prefix = out.removeprefix(f"s3://{bucket}/")
        data = [k for k in s3.keys(bucket) if k.startswith(f"{prefix}/") and f"/{WORK_DIR}/" not in k]
        assert len(data) == len(expected) + 1  # every day file once, and the summary: nothing left over
    assert killed >= 2


def test_two_runs_on_one_output_exclude_each_other(tmp_path, s3, capsys):
    s3.upload(DATA_DIR, f"{s3.raw}/system")
    out = f"{s3.clean}/out"
    work = ObjectStore(out).child(WORK_DIR)
    with ObjectLock(work, out, lease_seconds=30):
        code = main(["--input", f"{s3.raw}/system", "--output", out, "--quiet"])
        assert code == 1
        assert capsys.readouterr().err.startswith(f"Error: another run is writing to {out} (")
        with pytest.raises(EtlError, match="another run is writing"), ObjectLock(work, out):
            pass
    # released: the next run goes ahead
    assert main(["--input", f"{s3.raw}/system", "--output", out, "--quiet"]) == 0


def test_a_stale_lock_is_taken_over(tmp_path, s3):
    out = f"{s3.clean}/out"
    work = ObjectStore(out).child(WORK_DIR)
    stale = ObjectLock(work, out, lease_seconds=1)
    stale.__enter__()
    stale._stop.set()  # a run that died: it renews no more
    stale._renewer.join()
    time.sleep(1.2)
    with ObjectLock(work, out, lease_seconds=30) as fresh:
        assert json.loads(work.read("lock"))["owner"] == fresh.owner
    assert work.stat("lock") is None


def test_an_unreachable_store_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    started = time.monotonic()
    code = main(["--input", "s3://nowhere/raw", "--output", str(tmp_path / "out"), "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: s3://nowhere/raw: cannot reach the bucket: ")
    assert time.monotonic() - started < 30


def test_files_lists_what_each_day_points_to(tmp_path, s3, capsys):
    s3.upload(DATA_DIR, f"{s3.raw}/system")
    out = f"{s3.clean}/out"
    run(Settings(input=f"{s3.raw}/system", output=out, quiet=True))
    assert main(["telemetry-files", "--output", out, "--dataset", "system", "--date", "2024-06-06"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{out}/system/date=2024-06-06/data_0.") and line.endswith(".parquet")
    assert ObjectStore(out).stat(line[len(out) + 1 :]) is not None
