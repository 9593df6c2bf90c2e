"""The scheduling seam: run day builds, hand back each result as it finishes.

The planner (planning.py) only knows `DayBuilds`: it submits at most
`slots` days at a time and waits for `finished()`. `LocalDays` is today's
engine, worker threads in this process, each with a DuckDB database of
its own; another engine (a cluster) implements the same four methods and
nothing in planning, building or publishing changes.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from etl.core.engine import SqlRunner, connect
from etl.pipelines.telemetry.building import build_day
from etl.pipelines.telemetry.days import BuiltDay, DayJob

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings

MIN_WORKER_MEMORY = 256 * 2**20


class DayBuilds(Protocol):
    """Runs day builds; hands back each one as it finishes."""

    # How many days may build at once.
    slots: int

    def submit(self, job: DayJob, *, waiting: int) -> None:
        """Start building `job`; `waiting` days are still to come after it."""

    def finished(self) -> list[Finished]:
        """Wait until at least one submitted build ends; the builds that did, by day."""

    def waiting(self, count: int) -> None:
        """The plan changed: `count` days are still to come."""

    def close(self, *, interrupt: bool = False) -> None:
        """Stop: let running builds end, or interrupt them first (within a
        statement: their queries fail with Interrupted)."""


@dataclass
class Finished:
    """One build that ended: its job, and its result or its error."""

    job: DayJob
    future: Future[BuiltDay]

    def result(self) -> BuiltDay:
        """The built day; raises what the build raised (DayBrokenFiles, ...)."""
        return self.future.result()


class LocalDays:
    """Day builds on worker threads in this process, one DuckDB database each.

    As many workers as `worker_count` allows build days at once; each takes
    an equal share of the memory limit and, through ThreadShare, of the
    threads.

    A stop (Ctrl-C) raises in the main thread wherever it is, so the main
    thread waits on nothing a worker needs to finish: each build reports
    its end on a queue, where `concurrent.futures.wait` would hold every
    future's lock in turn, and a stop landing in between would leave one
    held for good (the worker then hangs on it, and the run in its join).
    """

    def __init__(self, settings: Settings, spill: Path, threads: int, memory_bytes: int, days: int) -> None:
        self.settings = settings
        self.slots = worker_count(threads, days, memory_bytes)
        self.share = ThreadShare(threads)
        self.workers: list[DayWorker] = []
        try:
            for k in range(self.slots):
                self.workers.append(DayWorker(self.share, memory_bytes // self.slots, spill / str(k)))
        except BaseException:
            self._close_workers()
            raise
        self.idle = list(self.workers)
        self.running: dict[Future[BuiltDay], tuple[DayWorker, DayJob]] = {}
        self.ended: queue.SimpleQueue[Future[BuiltDay]] = queue.SimpleQueue()
        self.pool = ThreadPoolExecutor(self.slots, thread_name_prefix="telemetry-day")

    def submit(self, job: DayJob, *, waiting: int) -> None:
        worker = self.idle.pop()
        self.share.start(waiting=waiting)
        future = self.pool.submit(worker.build, job, self.settings)
        self.running[future] = (worker, job)
        future.add_done_callback(self.ended.put)

    def finished(self) -> list[Finished]:
        done = [self.ended.get()]
        while not self.ended.empty():
            done.append(self.ended.get())
        ended = []
        for future in sorted(done, key=lambda f: self.running[f][1].day):
            worker, job = self.running.pop(future)
            self.idle.append(worker)
            ended.append(Finished(job, future))
        return ended

    def waiting(self, count: int) -> None:
        self.share.replan(count)

    def close(self, *, interrupt: bool = False) -> None:
        if interrupt:
            for worker in self.workers:
                worker.runner.interrupt()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self._close_workers()

    def _close_workers(self) -> None:
        for worker in self.workers:
            worker.close()


class ThreadShare:
    """The run's threads shared out between the days being built right now.

    While days wait, each building day takes an even share. Once none wait,
    a core a finished worker leaves would stay idle, so the last days take
    every thread (briefly more threads than cores while two overlap). A day
    takes its share when it starts and again before each big step.
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.building = 0
        self.waiting = 0
        self._lock = threading.Lock()

    def start(self, waiting: int) -> None:
        with self._lock:
            self.building += 1
            self.waiting = waiting

    def stop(self) -> None:
        with self._lock:
            self.building -= 1

    def replan(self, waiting: int) -> None:
        with self._lock:
            self.waiting = waiting

    def each(self) -> int:
        with self._lock:
            if not self.waiting:
                return self.threads
            return max(1, self.threads // max(1, self.building))


class DayWorker:
    """A DuckDB database of its own that builds days one at a time.

    Several build days at once, each with its share of the threads and of the
    memory limit. Most of a day's statements gain little from a second
    thread (the pivots, one COPY per small file), and a day on one thread
    takes less CPU than on two, so the cores go further on separate days.
    """

    def __init__(self, share: ThreadShare | None, memory_bytes: int, spill: Path) -> None:
        """`share` None: the worker keeps one thread (a Dask worker's task)."""
        self.share = share
        self.threads = 1
        self.con = connect(threads=self.threads, memory_limit=f"{memory_bytes}B", temp_directory=spill)
        self.runner = SqlRunner(self.con, "telemetry")
        self.runner.execute("08_create_known_signals.sql")

    def build(self, job: DayJob, settings: Settings) -> BuiltDay:
        try:
            return build_day(self.runner, job, settings, self.retune)
        finally:
            if self.share is not None:
                self.share.stop()

    def retune(self) -> None:
        """Take this day's share of the threads, if it changed."""
        if self.share is None:
            return
        threads = self.share.each()
        if threads != self.threads:
            self.runner.execute("09_set_threads.sql", threads=threads)
            self.threads = threads

    def close(self) -> None:
        self.con.close()


def worker_count(threads: int, days: int, memory_bytes: int) -> int:
    """How many days to build at once: one per thread, no more than there are
    days, and each with at least MIN_WORKER_MEMORY of the memory limit (a
    generated day, 5 million rows, runs as fast in 300 MB as in 2 GB; far
    less would spill). The threads left over go to the days being built."""
    return max(1, min(threads, days, memory_bytes // MIN_WORKER_MEMORY))
