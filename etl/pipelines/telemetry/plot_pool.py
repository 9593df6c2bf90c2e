"""Drawing many figures: on every core, with a progress bar, and only those
whose inputs changed since they were drawn.

A figure is a `Task`: its name under `plots/`, the function that draws it
(a module-level function, so a worker process can import it), its
arguments, and the files it reads. Its fingerprint is a digest of what it
is drawn from: each input file's size and modification time (the pipeline
renames a rebuilt day's files into place, so they are new files), the
options that shape it, and the plotting code itself (the plot modules, the
SQL under `sql/telemetry/plots/`, matplotlib's version), so a figure is
drawn again after any of them changes. `plots/.drawn.json` keeps the
fingerprint of every figure drawn; a figure whose fingerprint is unchanged
and whose file is still there is skipped.

The figures are drawn by worker processes (`spawn`: DuckDB's threads in
this process are not forked), each with one DuckDB thread and its share of
the memory limit: a figure's queries are small, and most of its time is
matplotlib's, which holds the GIL. A terminal's Ctrl-C is for this process
alone: it ends the pool, whose workers then exit at once, each removing
the temporary file of a figure it was writing.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from etl.core.engine import SqlRunner, connect, parse_size
from etl.core.files import atomic_outputs, write_json_atomic
from etl.core.paths import SQL_DIR
from etl.core.progress import progress

MANIFEST = ".drawn.json"
MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Task:
    """One figure to draw: `draw(runner, *args)` makes it, from the files `inputs`."""

    name: str
    draw: Callable[..., Figure]
    args: tuple[Any, ...]
    inputs: tuple[str, ...]
    options: tuple[tuple[str, Any], ...] = ()


class Figures(list[Path]):
    """The figures of a plot run, in plan order, drawn now or unchanged: a
    list, for callers that count them; `drawn`, `unchanged` and `removed`
    (figures this run's plan no longer has: their day or module is gone)
    tell them apart."""

    def __init__(self, figures: list[Path], drawn: list[Path], unchanged: list[Path], removed: list[Path]) -> None:
        super().__init__(figures)
        self.drawn = drawn
        self.unchanged = unchanged
        self.removed = removed


def draw_all(
    root: Path, tasks: list[Task], *, workers: int, memory_limit: str | None, quiet: bool, prune: bool
) -> Figures:
    """Draw the tasks whose figures are missing or out of date into
    `root/plots/`, on up to `workers` processes; with `prune` (a plan of
    the whole output), delete the figures drawn before that it lacks."""
    folder = root / "plots"
    manifest = load_manifest(folder)
    before = dict(manifest)
    code = code_digest()
    prints = {task.name: fingerprint(root, task, code) for task in tasks}
    todo = [t for t in tasks if manifest.get(t.name) != prints[t.name] or not (folder / t.name).is_file()]
    removed = _prune(folder, manifest, {t.name for t in tasks}) if prune else []
    done: set[str] = set()
    bar = progress(total=len(todo), desc="plots", unit="figure", quiet=quiet)
    try:
        for name in _run(root, todo, workers, memory_limit):
            manifest[name] = prints[name]
            done.add(name)
            bar.update(1)
    finally:
        bar.close()
        if manifest != before:
            write_json_atomic(
                folder / MANIFEST, {"version": MANIFEST_VERSION, "figures": dict(sorted(manifest.items()))}
            )
    paths = [folder / t.name for t in tasks]
    return Figures(
        paths,
        drawn=[folder / t.name for t in tasks if t.name in done],
        unchanged=[folder / t.name for t in tasks if t.name not in done],
        removed=removed,
    )


def workers_for(threads: int | None, tasks: int) -> int:
    """Worker processes: `threads`, or every core this process may use; never more than the tasks."""
    cores = threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return max(1, min(cores, tasks))


# --- what a figure was drawn from ------------------------------------------------


def load_manifest(folder: Path) -> dict[str, str]:
    """The fingerprints of the figures drawn before; an unreadable manifest is none (all are drawn again)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    figures = data.get("figures")
    return {str(k): str(v) for k, v in figures.items()} if isinstance(figures, dict) else {}


def code_digest() -> str:
    """A digest of the code that draws: the plot modules, their SQL and matplotlib's version."""
    digest = hashlib.sha1(matplotlib.__version__.encode())
    here = Path(__file__).parent
    for path in sorted([*here.glob("plot*.py"), *(SQL_DIR / "telemetry" / "plots").glob("*.sql")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprint(root: Path, task: Task, code: str) -> str:
    """A digest of what the figure is drawn from: its inputs' sizes and
    modification times (paths relative to the output), options and code."""
    inputs = []
    for path in task.inputs:
        try:
            stat = os.stat(path)
        except OSError:
            inputs.append([_relative(root, path), None, None])
            continue
        inputs.append([_relative(root, path), stat.st_size, stat.st_mtime_ns])
    text = json.dumps(
        {"code": code, "draw": task.draw.__qualname__, "options": task.options, "inputs": inputs}, default=str
    )
    return hashlib.sha1(text.encode()).hexdigest()


def _relative(root: Path, path: str) -> str:
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path


def _prune(folder: Path, manifest: dict[str, str], planned: set[str]) -> list[Path]:
    """Delete the figures the manifest has and the plan no longer does; then their empty day folders."""
    gone = sorted(name for name in manifest if name not in planned)
    for name in gone:
        (folder / name).unlink(missing_ok=True)
        del manifest[name]
        parent = (folder / name).parent
        if parent != folder and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    return [folder / name for name in gone]


# --- drawing ---------------------------------------------------------------------


def _run(root: Path, tasks: list[Task], workers: int, memory_limit: str | None) -> Iterator[str]:
    """Draw each task, in this process or on a pool, yielding each figure's name once it is saved."""
    if not tasks:
        return
    if workers <= 1 or len(tasks) == 1:
        con = connect(threads=workers, memory_limit=memory_limit)
        try:
            runner = SqlRunner(con, "telemetry/plots")
            for task in tasks:
                yield draw_one(runner, root, task)
        finally:
            con.close()
        return
    share = f"{parse_size(memory_limit) // workers}B" if memory_limit else None
    # the largest first (the overview of every day reads every module file), so no worker waits at the end
    order = sorted(tasks, key=lambda t: -len(t.inputs))
    context = multiprocessing.get_context("spawn")
    try:
        pool = context.Pool(workers, initializer=_start_worker, initargs=(share,))
    except OSError:
        # no POSIX semaphores for the pool (a container without /dev/shm): draw here
        yield from _run(root, tasks, 1, memory_limit)
        return
    with pool:
        yield from pool.imap_unordered(_draw_in_worker, [(str(root), task) for task in order])
        # Every figure is drawn: the workers leave on their own. The pool's
        # exit terminates them instead, which counts on each one running its
        # SIGTERM handler, and one waiting on the task queue's lock was seen
        # never to run it (a test hung on its join): only an interrupted or
        # failed run goes that way now.
        pool.close()
        pool.join()


def draw_one(runner: SqlRunner, root: Path, task: Task) -> str:
    """Draw one figure and write it whole: a temporary file beside it, renamed into place."""
    figure = task.draw(runner, *task.args)
    path = root / "plots" / task.name
    with atomic_outputs(path) as (tmp,):
        _WRITING[:] = [tmp]
        try:
            figure.savefig(tmp, format="png")
        finally:
            _WRITING.clear()
    return task.name


_WORKER: dict[str, SqlRunner] = {}
# The temporary file a worker is writing, for its SIGTERM handler to remove.
_WRITING: list[Path] = []


def _start_worker(memory_limit: str | None) -> None:
    # The terminal's Ctrl-C is for the parent, which ends the pool with a
    # SIGTERM to each worker: it removes the figure it was writing, if any,
    # and exits at once (unwinding from wherever the signal came would leave
    # locks taken, and exit handlers complaining on the terminal).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _end_worker)
    _WORKER["runner"] = SqlRunner(connect(threads=1, memory_limit=memory_limit), "telemetry/plots")


def _end_worker(signum: int, frame: object) -> None:
    for tmp in _WRITING:
        tmp.unlink(missing_ok=True)
    os._exit(128 + signum)


def _draw_in_worker(job: tuple[str, Task]) -> str:
    root, task = job
    return draw_one(_WORKER["runner"], Path(root), task)
