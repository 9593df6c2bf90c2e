"""Day builds on a Dask cluster (LocalCluster, two worker processes) give
exactly what a local run gives: the same file bytes, summary rows and state;
also when a worker is killed mid-day. A scheduler that cannot be reached
fails fast, and a run without --cluster never imports Dask."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from etl.cli import main
from etl.core.paths import DATA_DIR, PROJECT_ROOT
from etl.pipelines.telemetry.pipeline import Settings, run
from etl.pipelines.telemetry.state import STATE_NAME, WORK_DIR, State


def lasting(summary: dict) -> dict:
    """The summary without what differs between any two runs (when, how long, settings)."""
    return {k: v for k, v in summary.items() if k not in ("started_at", "wall_seconds", "settings")}


def state_of(output: Path) -> dict:
    state = State.load(output / WORK_DIR / STATE_NAME)
    return {"files": state.files, "days": state.days, "quarantined": state.quarantined, "settings": state.settings}


def assert_same_as_local(tmp_path: Path, source: Path, cluster: str, local_files) -> dict:
    local = run(Settings(input=source, output=tmp_path / "local", quiet=True))
    dask = run(Settings(input=source, output=tmp_path / "dask", quiet=True, cluster=cluster))
    assert local_files(tmp_path / "dask") == local_files(tmp_path / "local")
    assert len(local_files(tmp_path / "local")) > 10
    assert lasting(dask) == lasting(local)
    assert state_of(tmp_path / "dask") == state_of(tmp_path / "local")
    return dask


def test_the_sample_on_a_cluster_equals_a_local_run(tmp_path, dask_cluster, local_files):
    from distributed import Client

    summary = assert_same_as_local(tmp_path, DATA_DIR, dask_cluster.scheduler_address, local_files)
    assert summary["run"]["days_written"] == ["2024-06-05", "2024-06-06"]
    with Client(dask_cluster.scheduler_address) as client:
        built = client.run(lambda dask_worker: len(dask_worker.plugins["etl-telemetry"].builders))
    assert sum(built.values()) >= 1, "no worker built a day"


@pytest.mark.slow
def test_the_real_export_on_a_cluster_equals_a_local_run(tmp_path, dask_cluster, local_files, shared_data):
    source = shared_data("telemetry")
    summary = assert_same_as_local(tmp_path, source, dask_cluster.scheduler_address, local_files)
    assert len(summary["days"]) == 5


def test_an_incremental_run_on_a_cluster(tmp_path, dask_cluster, write_readings, local_files):
    """A late file patches a day the cluster built; the result equals a local run's."""
    day = 1_717_545_600
    tags = [["phase", "1"], ["module", "1"], ["message_source", "master"]]
    folder = tmp_path / "input"
    write_readings(folder / "a.parquet", [(day + 5 * k, "module_voltage", str(50 + k % 7), tags) for k in range(9000)])
    outputs = {}
    for engine in ("local", "dask"):
        settings = Settings(input=folder, output=tmp_path / engine, quiet=True)
        if engine == "dask":
            settings.cluster = dask_cluster.scheduler_address
        run(settings)
        outputs[engine] = settings
    write_readings(folder / "late.parquet", [(day + 86_000 + k, "module_voltage", "60", tags) for k in range(100)])
    second = {engine: run(settings) for engine, settings in outputs.items()}
    assert second["dask"]["run"]["days_patched"] == ["2024-06-05"]
    assert lasting(second["dask"]) == lasting(second["local"])
    assert local_files(tmp_path / "dask") == local_files(tmp_path / "local")


@pytest.mark.slow
def test_a_worker_killed_mid_day_changes_nothing(tmp_path, s3_server, local_files, shared_data):
    """SIGKILL the worker process building a day: Dask builds it again on
    another worker (or the restarted one), and the outputs are identical."""
    from distributed import Client, LocalCluster

    source = shared_data("telemetry")
    local = run(Settings(input=source, output=tmp_path / "local", quiet=True))
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    killed: list[int] = []
    try:
        client = Client(cluster)
        outcome: dict = {}

        def pipeline() -> None:
            try:
                outcome["summary"] = run(
                    Settings(input=source, output=tmp_path / "dask", quiet=True, cluster=cluster.scheduler_address)
                )
            except BaseException as exc:  # reported below
                outcome["error"] = exc

        thread = threading.Thread(target=pipeline)
        thread.start()
        deadline = time.monotonic() + 60
        while not killed and time.monotonic() < deadline and thread.is_alive():
            for address, keys in client.processing().items():
                if any(str(k).startswith("telemetry-day-") for k in keys):
                    pid = client.run(os.getpid, workers=[address])[address]
                    time.sleep(0.3)  # well inside the day's build
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    break
            time.sleep(0.02)
        thread.join(timeout=300)
        client.close()
    finally:
        cluster.close()
    assert killed, "no worker was building a day to kill"
    assert "error" not in outcome, outcome.get("error")
    assert lasting(outcome["summary"]) == lasting(local)
    assert local_files(tmp_path / "dask") == local_files(tmp_path / "local")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_scheduler_fails_fast_with_a_clear_error(tmp_path, capsys):
    address = f"tcp://127.0.0.1:{free_port()}"
    started = time.monotonic()
    code = main(["--input", str(DATA_DIR), "--output", str(tmp_path / "out"), "--quiet", "--cluster", address])
    elapsed = time.monotonic() - started
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"Error: cannot reach the Dask scheduler at {address} within 5 s: ")
    assert err.count("\n") == 1
    assert elapsed < 15


def test_a_bad_cluster_address_is_a_clear_error(tmp_path, capsys):
    assert main(["--input", str(DATA_DIR), "--output", str(tmp_path / "out"), "--cluster", "nowhere"]) == 1
    assert capsys.readouterr().err == (
        "Error: --cluster 'nowhere': give a scheduler address (tcp://host:8786) or local[:N]\n"
    )


def test_the_command_line_with_a_local_cluster(tmp_path, local_files):
    command = [sys.executable, "etl_process.py", "--input", str(DATA_DIR), "--output"]
    done = subprocess.run(
        [*command, str(tmp_path / "dask"), "--cluster", "local:2"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("telemetry: 2 day(s) written, 0 unchanged, 102,033 rows read, ")
    subprocess.run([*command, str(tmp_path / "local"), "--quiet"], cwd=PROJECT_ROOT, check=True, timeout=300)
    assert local_files(tmp_path / "dask") == local_files(tmp_path / "local")


def test_a_local_run_imports_neither_dask_nor_pyarrow(tmp_path):
    # nor the other pipelines' client libraries: each costs the
    # command's start-up a tenth of a second or more; nor tqdm when no bar
    # shows (about 20 ms, its version lookup). pandas (a test
    # dependency, not a runtime one) is hidden, as in the container: DuckDB's
    # client imports it, and pyarrow with it, at the first bound parameter.
    code = (
        "import sys\n"
        "sys.modules['pandas'] = None\n"
        "from etl.cli import main\n"
        f"assert main(['--input', {str(DATA_DIR)!r}, '--output', {str(tmp_path / 'out')!r}, '--quiet']) == 0\n"
        "heavy = ('dask', 'distributed', 'pyarrow', 'psycopg', 'deltalake', 'pyiceberg', 'botocore', 'tqdm')\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, check=True, timeout=300)
