"""Ctrl-C and SIGTERM stop a run at once (issue 21).

Each command runs as a subprocess started as a terminal starts it (SIGINT and
SIGTERM at their defaults, a process group of its own) and gets the signal
at a moment of its run. Whatever the moment, within a second or so it prints
exactly `Error: interrupted` and exits 130 (143 for SIGTERM), leaves no
process, scratch or temporary folder behind, and the next run's outputs are
those of a run never interrupted. The time from the signal to the exit is
printed (pytest -s); the bound asserted is generous, for a busy machine.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from etl.core import errors
from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError, Interrupted, interrupted_by
from etl.core.paths import PROJECT_ROOT

ETL = [sys.executable, str(PROJECT_ROOT / "etl_process.py")]
EXIT_BOUND_S = 5.0  # the goal is about a second
DAYS = 10
# Summary fields that describe one run rather than the outputs.
PER_RUN = {"started_at", "wall_seconds", "run", "settings"}


def _as_in_a_terminal() -> None:
    """The child's signals at their defaults (a parent may ignore SIGINT, and
    a child inherits that), in a process group of its own."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()


def child_env(tmp: Path) -> dict[str, str]:
    """The environment without PostgreSQL settings (failures then uses DuckDB),
    with temporary files in `tmp` so that leftovers can be seen."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    return {**env, "TMPDIR": str(tmp)}


def etl(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([*ETL, *args], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def group_alive(pgid: int) -> list[str]:
    """The live processes (zombies aside) of a process group."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _, group = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(group) == pgid and state != "Z":
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            alive.append(f"{entry.name} {command[:100]}")
    return alive


def stop_at(
    args: list[str], moment: str, ready: Callable[[], bool], sig: signal.Signals, env: dict[str, str]
) -> subprocess.CompletedProcess:
    """Start `etl args`, send `sig` once `ready()`, and check how it stops."""
    proc = subprocess.Popen(
        [*ETL, *args], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=_as_in_a_terminal,
    )  # fmt: skip
    try:
        while not ready():
            assert proc.poll() is None, f"the run ended before {moment}: {proc.communicate()}"
            time.sleep(0.002)
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        seconds = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    command = "telemetry" if args[0].startswith("-") else args[0]
    print(f"{command} {sig.name} during {moment}: exit {proc.returncode} {seconds:.2f} s after the signal")
    deadline = time.monotonic() + 3
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_alive(proc.pid) == [], "processes left behind"
    assert err.decode() == "Error: interrupted\n"
    assert proc.returncode == 128 + sig
    assert seconds < EXIT_BOUND_S
    assert leftovers(Path(env["TMPDIR"])) == [], "temporary files left behind"
    return subprocess.CompletedProcess(args, proc.returncode, out.decode(), err.decode())


def leftovers(tmp: Path) -> list[str]:
    """What a run left in its temporary folder; Dask's own locks on its
    scratch space (where each worker's folder was) stay after any run."""
    return [
        p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file() and p.parent.name != "dask-scratch-space"
    ]


def after(seconds: float) -> Callable[[], bool]:
    start = time.monotonic()
    return lambda: time.monotonic() - start >= seconds


# -- telemetry ---------------------------------------------------------------


def outputs(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*.parquet"))
        if not p.relative_to(root).as_posix().startswith(".")
    }


def summary_rows(root: Path) -> dict:
    summary = json.loads((root / "_summary.json").read_text())
    return {k: v for k, v in summary.items() if k not in PER_RUN}


@pytest.fixture(scope="module")
def telemetry(tmp_path_factory):
    """A generated multi-day input and the outputs of a run never interrupted."""
    root = tmp_path_factory.mktemp("telemetry")
    env = child_env(root / "tmp")
    etl("generate-telemetry", "--days", str(DAYS), "--output", str(root / "raw"), env=env)
    etl("--input", str(root / "raw"), "--output", str(root / "reference"), "--quiet", env=env)
    reference = outputs(root / "reference")
    assert len(reference) == DAYS * 9  # 7 day files and 2 quality files a day
    return root / "raw", reference, summary_rows(root / "reference")


def scratch(out: Path) -> list[Path]:
    folder = out / ".telemetry" / "tmp"
    return list(folder.iterdir()) if folder.is_dir() else []


MOMENTS: dict[str, Callable[[Path], Callable[[], bool]]] = {
    # Python is up; the command line, the pipelines and DuckDB are loading.
    "start-up": lambda out: after(0.35),
    # The output is locked; the input files are being indexed.
    "indexing": lambda out: (out / ".telemetry" / "lock").exists,
    # A day is being built on a worker thread.
    "a build": lambda out: lambda: bool(scratch(out)),
    # A day is published, the others are building or being published.
    "publishing": lambda out: lambda: any((out / ".telemetry").glob("*journal*")),
}


@pytest.mark.parametrize(
    ("moment", "sig"),
    [
        ("start-up", signal.SIGINT),
        ("start-up", signal.SIGTERM),
        ("indexing", signal.SIGINT),
        ("a build", signal.SIGINT),
        ("a build", signal.SIGTERM),
        ("publishing", signal.SIGINT),
        ("publishing", signal.SIGTERM),
    ],
)
def test_a_telemetry_run_stops_at_once_and_the_next_run_finishes_the_job(telemetry, tmp_path, moment, sig):
    raw, reference, reference_summary = telemetry
    out, env = tmp_path / "out", child_env(tmp_path / "tmp")
    args = ["--input", str(raw), "--output", str(out), "--full-refresh"]
    stop_at(args, moment, MOMENTS[moment](out), sig, env)
    assert scratch(out) == []
    etl("--input", str(raw), "--output", str(out), "--quiet", env=env)  # the lock is free, the state readable
    assert outputs(out) == reference
    assert summary_rows(out) == reference_summary


def test_a_run_on_a_local_cluster_stops_its_workers(telemetry, tmp_path):
    raw, reference, _ = telemetry
    out, env = tmp_path / "out", child_env(tmp_path / "tmp")
    args = ["--input", str(raw), "--output", str(out), "--full-refresh", "--cluster", "local:2"]
    stop_at(args, "a build on the cluster", MOMENTS["a build"](out), signal.SIGINT, env)
    assert scratch(out) == []
    etl("--input", str(raw), "--output", str(out), "--quiet", env=env)
    assert outputs(out) == reference


# -- the other commands ------------------------------------------------------

OTHERS = {
    "votes": ["votes", "ingest", "--db", "{out}/warehouse.db"],
    "sales": ["sales", "--output", "{out}/sales"],
    "spending": ["spending", "--output", "{out}/spending"],
    "failures": ["failures", "--output", "{out}/failures", "--env-file", "{out}/none.env"],
}


@pytest.mark.parametrize(("name", "sig"), [*((n, signal.SIGINT) for n in OTHERS), ("votes", signal.SIGTERM)])
def test_the_other_commands_stop_at_once_during_start_up(tmp_path, name, sig):
    """Their runs on the bundled samples are mostly start-up: the signal comes
    while the command line and its libraries load, before anything is written."""
    env = child_env(tmp_path / "tmp")
    args = [a.format(out=tmp_path / "stopped") for a in OTHERS[name]]
    # 0.35 s: past Python's own start-up (its site imports, before this
    # project's first line runs, would print Python's traceback) even on a
    # loaded machine, and well inside the command's imports (about 1 s).
    stop_at(args, "start-up", after(0.35), sig, env)
    again = etl(*args, env=env).stdout
    fresh = etl(*[a.format(out=tmp_path / "fresh") for a in OTHERS[name]], env=env).stdout
    assert again.replace(str(tmp_path / "stopped"), "OUT") == fresh.replace(str(tmp_path / "fresh"), "OUT")


# -- the stop inside the engine ------------------------------------------------


@pytest.fixture
def clean_stop():
    errors.clear_stop()
    yield
    errors.clear_stop()


def test_an_interrupted_runner_refuses_every_later_statement_until_resumed(tmp_path):
    runner = SqlRunner(connect(), "telemetry")
    runner.interrupt()
    with pytest.raises(Interrupted):
        runner.execute_sql("select 1", source="inline.sql")
    runner.resume()
    assert runner.execute_sql("select 1", source="inline.sql").fetchall() == [(1,)]


def test_a_stop_interrupts_a_query_in_another_thread_and_is_no_sql_error(clean_stop):
    runner = SqlRunner(connect(threads=1), "telemetry")
    raised: list[BaseException] = []

    def long_query() -> None:
        try:
            runner.execute_sql("select count(*) from range(10000000000) t(x) where x % 7 = 3", source="long.sql")
        except BaseException as exc:  # what the thread got is the point
            raised.append(exc)

    worker = threading.Thread(target=long_query)
    worker.start()
    time.sleep(0.2)
    sent = time.monotonic()
    errors.stop(signal.SIGTERM)
    worker.join(timeout=5)
    print(f"query interrupted {time.monotonic() - sent:.3f} s after the stop")
    assert not worker.is_alive()
    assert [type(e) for e in raised] == [Interrupted]
    assert raised[0].exit_code == 143
    with pytest.raises(Interrupted):
        connect()  # nothing new starts once stopped


def test_a_failure_caused_by_a_stop_is_the_stop(clean_stop):
    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Query interrupted") from exc
    except RuntimeError as exc:
        assert isinstance(interrupted_by(exc), Interrupted)
    assert interrupted_by(EtlError("a bad file")) is None
    errors.stop()
    assert interrupted_by(EtlError("a query failed once stopped")).exit_code == 130


def test_duckdb_interrupt_is_what_the_runner_expects():
    """The runner tells a stop from a broken query by DuckDB's exception type."""
    con = duckdb.connect()
    threading.Timer(0.2, con.interrupt).start()
    with pytest.raises(duckdb.InterruptException):
        con.execute("select count(*) from range(10000000000) t(x) where x % 7 = 3").fetchall()
