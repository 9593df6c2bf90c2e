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
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distributed import Client, LocalCluster, WorkerPlugin, get_worker, wait

from etl.core.engine import parse_size
from etl.core.errors import EtlError
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
        limit = worker.memory_manager.memory_limit
        threads = max(1, worker.state.nthreads)
        if self.fixed_memory:
            self.memory = self.fixed_memory
        else:
            self.memory = int(limit * DUCKDB_SHARE / threads) if limit else self.fallback_memory
        self.spill = Path(worker.local_directory) / "etl-telemetry-spill"

    def builder(self) -> DayWorker:
        key = threading.get_ident()
        with self.lock:
            if key not in self.builders:
                self.builders[key] = DayWorker(None, self.memory, self.spill / str(len(self.builders)))
            return self.builders[key]

    def teardown(self, worker: Any) -> None:
        for builder in self.builders.values():
            builder.close()
        self.builders.clear()


def build_on_worker(job: DayJob, settings: Settings) -> BuiltDay:
    """The task: build one day on this worker's DuckDB database."""
    return get_worker().plugins[PLUGIN].builder().build(job, settings)


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
        if interrupt and self.running:
            self.client.cancel(list(self.running))
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

    try:
        yield start
    finally:
        for thing in opened:
            if thing is not None:
                thing.close()


def _open(settings: Settings, budget: int) -> tuple[Client, LocalCluster | None]:
    address = settings.cluster or ""
    local = _LOCAL.match(address)
    cluster = None
    try:
        if local:
            workers = int(local.group(1) or os.cpu_count() or 1)
            duckdb_memory = budget // workers
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
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
    except Exception as exc:  # a local cluster that cannot start
        if cluster is not None:
            cluster.close()
        raise EtlError(f"cannot start the Dask cluster {address!r}: {exc}") from exc
    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        client.register_plugin(TelemetryWorker(fallback, fixed), name=PLUGIN)
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
