"""Day builds on a Dask distributed cluster: the second engine behind the
scheduling seam (scheduling.DayBuilds).

The driver (this process) plans, publishes, keeps the state and holds the
lock, as in a local run; a task only builds one day, reading its inputs and
writing its files where the job says (transfer.py). What Dask needs to be
told, and why:

- A DuckDB connection cannot be pickled: each worker process opens its own
  (one per worker thread) in a worker plugin, keeps it for every day it
  builds (its dictionary of known signals then grows once), and closes it
  in the plugin's teardown.
- DuckDB sizes threads and memory from the whole machine unless told: each
  connection gets one thread and its share of 60 % of the worker's memory
  limit. The limit covers only DuckDB's buffer manager, and Dask pauses a
  worker at 80 % of its memory and kills it at 95 %.
- Dask may run a task again after a worker dies, and a day's build is
  idempotent: each attempt writes into a folder of its own, and into an
  object store under names fixed by the day's inputs.
- Cancelling a task does not stop it once it runs: a stopped run (Ctrl-C)
  also interrupts the DuckDB queries of its days on every worker. A local
  cluster's worker processes ignore Ctrl-C (the terminal sends it to them
  too, once they run): the driver stops them, and they print nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed import Client, LocalCluster, WorkerPlugin, get_worker, wait

from etl.core.engine import parse_size
from etl.core.errors import EtlError, Interrupted, deferred_stop
from etl.pipelines.telemetry.days import BuiltDay, DayJob
from etl.pipelines.telemetry.scheduling import DayBuilds, DayWorker, Finished

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings

PLUGIN = "etl-telemetry"
DUCKDB_SHARE = 0.6
CONNECT_TIMEOUT_S = 5
WORKERS_TIMEOUT_S = 30
# A local cluster's worker is given at least this much memory: its Python,
# pyarrow and DuckDB take a few hundred MB before the first day.
MIN_LOCAL_WORKER_MEMORY = 2**30
# A stopped run waits this long for the day builds it interrupted to end on
# each worker, and then for each local worker process to close before it is
# killed: a graceful close (the DuckDB databases, the interpreter) can take seconds.
STOP_WAIT_S = 0.5
_LOCAL = re.compile(r"^local(?::(\d+))?$")


class TelemetryWorker(WorkerPlugin):
    """Per worker process: one DayWorker (a DuckDB database) per worker thread.

    Each database gets `memory` bytes when given (a local cluster: the run's
    --memory-limit shared out, as in a local run), else its share of 60 % of
    the worker's memory limit, else `fallback`.
    """

    name = PLUGIN

    def __init__(self, fallback: int, memory: int | None = None) -> None:
        self.fallback_memory = fallback
        self.fixed_memory = memory

    def setup(self, worker: Any) -> None:
        self.worker = worker
        self.builders: dict[int, DayWorker] = {}
        self.lock = threading.Lock()
        self.active = 0
        self.idle = threading.Condition(self.lock)
        limit = worker.memory_manager.memory_limit
        threads = max(1, worker.state.nthreads)
        if self.fixed_memory:
            self.memory = self.fixed_memory
        else:
            self.memory = int(limit * DUCKDB_SHARE / threads) if limit else self.fallback_memory
        self.spill = Path(worker.local_directory) / "etl-telemetry-spill"

    @contextmanager
    def builder(self) -> Iterator[DayWorker]:
        """This thread's DayWorker, for one task."""
        key = threading.get_ident()
        with self.lock:
            if key not in self.builders:
                self.builders[key] = DayWorker(None, self.memory, self.spill / str(len(self.builders)))
            builder = self.builders[key]
            self.active += 1
        builder.runner.resume()  # a new task: an interrupt was for the one before
        try:
            yield builder
        finally:
            with self.lock:
                self.active -= 1
                self.idle.notify_all()

    def interrupt(self, wait: float = STOP_WAIT_S) -> None:
        """End the builds running here within a statement (their run
        stopped), and wait for them to end, `wait` seconds at most."""
        with self.lock:
            builders = list(self.builders.values())
        for builder in builders:
            builder.runner.interrupt()
        with self.lock:
            self.idle.wait_for(lambda: not self.active, timeout=wait)

    def teardown(self, worker: Any) -> None:
        for builder in self.builders.values():
            builder.close()
        self.builders.clear()


def build_on_worker(job: DayJob, settings: Settings) -> BuiltDay:
    """The task: build one day on this worker's DuckDB database."""
    try:
        with get_worker().plugins[PLUGIN].builder() as builder:
            return builder.build(job, settings)
    except Interrupted:
        # An error of this task, not a KeyboardInterrupt of the worker's own.
        raise EtlError(f"the build of {job.date} was interrupted: its run stopped") from None


def _ignore_ctrl_c() -> None:
    """In a local cluster's worker process (Client.run, in its main thread):
    the terminal's Ctrl-C reaches it too, but the driver is the one to stop it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def interrupt_builds(dask_worker: Any) -> None:
    """On each worker (Client.run): interrupt the day builds running there."""
    plugin = dask_worker.plugins.get(PLUGIN)
    if plugin is not None:
        plugin.interrupt()


class DaskDays:
    """Day builds as Dask tasks. Twice as many days as the cluster has
    threads are handed over at once, so no worker waits for the next one."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
        self.slots = max(1, 2 * threads)
        self.running: dict[Any, DayJob] = {}

    def submit(self, job: DayJob, *, waiting: int) -> None:
        key = f"telemetry-day-{job.system or 'system'}-{job.date}-{os.urandom(4).hex()}"
        future = self.client.submit(build_on_worker, job, self.settings, key=key, pure=False)
        self.running[future] = job

    def finished(self) -> list[Finished]:
        done, _ = wait(list(self.running), return_when="FIRST_COMPLETED")
        ended = [Finished(self.running.pop(f), f) for f in done]
        return sorted(ended, key=lambda f: (f.job.day, f.job.system))

    def waiting(self, count: int) -> None:
        """Dask shares out its workers itself."""

    def close(self, *, interrupt: bool = False) -> None:
        """With `interrupt`: cancel the builds, and end those already running
        (a cancelled task runs on): when this returns, none writes any more."""
        if interrupt and self.running:
            self.client.cancel(list(self.running))
            self.client.run(interrupt_builds, on_error="ignore")
        self.running.clear()


@contextmanager
def dask_days(settings: Settings, budget: int) -> Iterator[Callable[[int], DayBuilds]]:
    """Yield what starts the day builds. A scheduler address is connected to
    at once, so a wrong one fails the run within seconds; a local cluster is
    started only when the run has a day to build, and stops when it ends."""
    opened: list[Any] = []
    if not _LOCAL.match(settings.cluster or ""):
        opened.extend(_open(settings, budget))

    def start(days: int) -> DayBuilds:
        if not opened:
            opened.extend(_open(settings, budget))
        return DaskDays(opened[0], settings)

    stopping = False
    try:
        yield start
    except BaseException:
        stopping = True
        raise
    finally:
        client, cluster = opened or (None, None)
        if client is not None:
            client.close()
        if cluster is not None:
            if stopping:
                cluster.sync(_close_workers, cluster, STOP_WAIT_S)
            cluster.close()


def _open(settings: Settings, budget: int) -> tuple[Client, LocalCluster | None]:
    address = settings.cluster or ""
    local = _LOCAL.match(address)
    cluster = None
    try:
        if local:
            workers = int(local.group(1) or os.cpu_count() or 1)
            duckdb_memory = budget // workers
            # A stop while the cluster starts waits for its handle (else its
            # processes would be left behind), then closes it.
            with deferred_stop():
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    # Its health and metrics pages, on a free port: taking
                    # 8787 when another cluster has it prints a warning.
                    scheduler_kwargs={"dashboard_address": ":0"},
                    memory_limit=max(int(duckdb_memory / DUCKDB_SHARE), MIN_LOCAL_WORKER_MEMORY),
                    silence_logs=logging.ERROR,
                )
            client = Client(cluster, timeout=f"{CONNECT_TIMEOUT_S}s")
            fallback, fixed = duckdb_memory, duckdb_memory
        else:
            client = _connect(address)
            fallback, fixed = parse_size(settings.memory_limit or "600MB"), None
    except EtlError:
        raise
    except BaseException as exc:
        if cluster is not None:
            cluster.close()
        if not isinstance(exc, Exception):
            raise
        # A local cluster that cannot start.
        raise EtlError(f"cannot start the Dask cluster {address!r}: {exc}") from exc
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        client.register_plugin(TelemetryWorker(fallback, fixed), name=PLUGIN)
        if cluster is not None:
            client.run(_ignore_ctrl_c)
    except BaseException as exc:
        client.close()
        if cluster is not None:
            cluster.close()
        if isinstance(exc, TimeoutError):
            raise EtlError(f"the Dask scheduler at {address} has no workers (waited {WORKERS_TIMEOUT_S} s)") from None
        raise
    return client, cluster


def _connect(address: str) -> Client:
    if not address.startswith(("tcp://", "tls://", "ws://", "wss://", "inproc://")) and ":" not in address:
        raise EtlError(f"--cluster {address!r}: give a scheduler address (tcp://host:8786) or local[:N]")
    try:
        return Client(address, timeout=f"{CONNECT_TIMEOUT_S}s")
    except (OSError, TimeoutError) as exc:
        raise EtlError(
            f"cannot reach the Dask scheduler at {address} within {CONNECT_TIMEOUT_S} s: {' '.join(str(exc).split())}"
        ) from exc


async def _close_workers(cluster: LocalCluster, timeout: float) -> None:
    """Close a local cluster's worker processes at once: each is asked to
    close and killed if it has not after `timeout` (its builds have ended)."""
    nannies = list(cluster.workers.values())
    await asyncio.gather(*(nanny.close(timeout=timeout) for nanny in nannies), return_exceptions=True)
