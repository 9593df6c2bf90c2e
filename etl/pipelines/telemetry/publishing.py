"""Publishing: put a built day's files in place and record the day in the
state, for a local output folder or an object store, and keep what readers
use in step.

A local output moves each file into place with one atomic rename and keeps
the DuckDB views over the outputs (telemetry.duckdb). An object store has
no rename: a day's files there are new objects named after their build
(transfer.py), and the day switches to them in one PUT of its state record;
a reader that finds a day's files through the state (`telemetry-files`, or
`published_files()`) sees the old day or the new one, never a mix. Objects
no day points to any more are deleted once the run has published.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.files import ensure_folder, write_json_atomic
from etl.core.storage import ObjectStore, is_remote
from etl.core.summary import SUMMARY_NAME
from etl.pipelines.telemetry.days import BuiltDay
from etl.pipelines.telemetry.locations import LocalStaging, ObjectStaging
from etl.pipelines.telemetry.state import STATE_NAME, WORK_DIR, ObjectLock, State, output_lock
from etl.pipelines.telemetry.summary import RunReport, summary_changed

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


class LocalOutput:
    """An output folder on local disk (or a shared mount the workers see)."""

    remote = False

    def __init__(self, root: Path) -> None:
        self.root = root
        self.text = str(root)
        self.work = root / WORK_DIR
        # Spill, scratch and caches: a local folder of this machine.
        self.local = self.work
        # Where day builds write their files (workers must see it).
        self.scratch = str(self.work / "tmp")

    def prepare(self) -> None:
        ensure_folder(self.root)

    def lock(self) -> AbstractContextManager[Any]:
        return output_lock(self.root)

    def load_state(self, *, recover: bool = False) -> State:
        return State.load(self.work / STATE_NAME, recover=recover)

    def staging(self) -> LocalStaging:
        return LocalStaging(self.work / "staged")

    def has(self, record: dict[str, Any]) -> bool:
        return all((self.root / name).exists() for name in record.get("outputs", []))

    def publish(self, state: State, built: BuiltDay) -> None:
        """Move the day's files into place, one atomic rename each.

        The state first forgets what made the day, so a run killed halfway
        through the moves rebuilds the whole day next time.
        """
        job, date = built.job, built.job.date
        old = state.days.get(date, {}).get("outputs", [])
        new = sorted(built.written.values())
        state.days[date] = {"inputs": None, "outputs": sorted(set(old) | set(new))}
        state.save_day(date)
        for path, name in built.written.items():
            final = self.root / name
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, final)
        delete_outputs(self.root, [o for o in old if o not in set(new)])
        state.days[date] = {
            "inputs": job.inputs,
            "outputs": new,
            "rows": {name: built.rows[path] for path, name in built.written.items()},
            "stats": built.stats,
        }
        state.save_day(date)

    def remove(self, state: State, record: dict[str, Any]) -> None:
        delete_outputs(self.root, record.get("outputs", []))

    def finish(self, state: State, settings: Settings) -> None:
        if state.recovered:
            self.delete_unknown(state)
        write_views(self.root, state, settings)

    def delete_unknown(self, state: State) -> None:
        """Delete the day files no day of the state holds: after a broken
        state, those of days whose inputs are gone (the rest were rebuilt)."""
        known = {name for record in state.days.values() for name in record.get("outputs", [])}
        found = {
            path.relative_to(self.root).as_posix()
            for pattern in (*VIEWS.values(), HOURLY_MODULES)
            for path in self.root.glob(pattern)
        }
        delete_outputs(self.root, sorted(found - known))
        state.recovered = False

    def save_summary(self, summary: dict[str, Any]) -> None:
        path = self.root / SUMMARY_NAME
        if summary_changed(path.read_text(encoding="utf-8") if path.exists() else None, summary):
            write_json_atomic(path, summary)


class ObjectOutput:
    """An output under a prefix of an object store (`s3://bucket/prefix`)."""

    remote = True

    def __init__(self, store: ObjectStore, local: Path) -> None:
        self.store = store
        self.text = store.url
        self.work = store.child(WORK_DIR)
        self.local = local
        self.scratch = ""  # each worker writes into its own temporary folder
        self._lock: ObjectLock | None = None

    def prepare(self) -> None:
        self.store.check_reachable()

    def lock(self) -> ObjectLock:
        self._lock = ObjectLock(self.work, self.store.url)
        return self._lock

    def load_state(self, *, recover: bool = False) -> State:
        return State.load(f"{self.work.url}/{STATE_NAME}", store=self.work, recover=recover)

    def staging(self) -> ObjectStaging:
        return ObjectStaging(self.work.child("staged"), self.local / "staged")

    def has(self, record: dict[str, Any]) -> bool:
        objects = record.get("objects", {})
        return all(name in objects and self.store.stat(objects[name]) is not None for name in record["outputs"])

    def publish(self, state: State, built: BuiltDay) -> None:
        """Switch the day to its new objects: one PUT of its state record.

        The objects it no longer points to stay until the end of the run
        (`finish`), so a reader who found the day a moment ago can still
        read it.
        """
        if self._lock is not None:
            self._lock.check()
        if not state.pending_gc:
            state.pending_gc = True
            state.save()
        job, date = built.job, built.job.date
        prefix = self.store.url + "/"
        objects = {name: url[len(prefix) :] for url, name in built.written.items()}
        state.days[date] = {
            "inputs": job.inputs,
            "outputs": sorted(objects),
            "objects": dict(sorted(objects.items())),
            "rows": {name: built.rows[url] for url, name in built.written.items()},
            "stats": built.stats,
        }
        state.save_day(date)

    def remove(self, state: State, record: dict[str, Any]) -> None:
        state.pending_gc = True  # its objects go at the end of the run

    def finish(self, state: State, settings: Settings) -> None:
        """Delete every object no day points to (superseded builds, a killed
        run's leftovers); the state, the summary and the lock stay."""
        if not state.pending_gc:
            return
        referenced = {key for record in state.days.values() for key in record.get("objects", {}).values()}
        keep = (f"{WORK_DIR}/", SUMMARY_NAME)
        stale = [name for name in self.store.list() if name not in referenced and not name.startswith(keep)]
        self.store.delete(stale)
        state.pending_gc = False
        state.save()

    def save_summary(self, summary: dict[str, Any]) -> None:
        old = self.store.read(SUMMARY_NAME).decode() if self.store.stat(SUMMARY_NAME) is not None else None
        if summary_changed(old, summary):
            self.store.write_json(SUMMARY_NAME, summary)


def published_files(state: State, output: str) -> dict[str, dict[str, str]]:
    """Every published day's files: date -> layout name -> where to read it."""
    days = {}
    for date, record in sorted(state.days.items()):
        objects = record.get("objects")
        if objects is not None:
            days[date] = {name: f"{output}/{key}" for name, key in objects.items()}
        elif record.get("inputs") is not None:
            days[date] = {name: str(Path(output) / name) for name in record.get("outputs", [])}
    return days


def publish_day(state: State, output: LocalOutput | ObjectOutput, built: BuiltDay, report: RunReport) -> None:
    output.publish(state, built)
    report.built[built.job.date] = (built.stats, bool(built.job.patch))


VIEWS = {
    "modules": "modules/phase=*/module=*/date=*/*.parquet",
    "phases": "phases/phase=*/date=*/*.parquet",
    "system": "system/date=*/*.parquet",
    "rejects": "_rejects/date=*/*.parquet",
    "quality": "_quality/date=*/signals.parquet",
    "quality_cells": "_quality/date=*/cells.parquet",
}

HOURLY_MODULES = "*_*/[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]/[0-9][0-9].parquet"


def write_views(output: Path, state: State, settings: Settings) -> None:
    """Write output/telemetry.duckdb: views over the outputs for the DuckDB shell.

    View paths are relative, so the folder can move (a container mount, a
    copy); a link named like the folder, pointing to the folder itself, lets
    the same paths work from the folder's parent and from inside the folder.
    """
    prefix = output.name
    link = output / prefix
    if not link.is_symlink():
        if link.exists():
            raise EtlError(f"{link} exists and is not the link to its folder that the views need")
        link.symlink_to(".", target_is_directory=True)
    written = {name for record in state.days.values() for name in record.get("outputs", [])}
    views = dict(VIEWS)
    if settings.layout == "hourly":
        views["modules"] = HOURLY_MODULES
    wanted = sorted(v for v, pattern in views.items() if any(_matches(name, pattern) for name in written))
    target = output / "telemetry.duckdb"
    if target.exists() and state.views == {"prefix": prefix, "views": wanted, "layout": settings.layout}:
        return
    work = output / WORK_DIR
    tmp = work / "telemetry.duckdb.tmp"
    tmp.unlink(missing_ok=True)
    con = connect(tmp)
    try:
        # The views keep their relative paths; this only lets them bind here.
        runner = SqlRunner(con, "telemetry")
        runner.execute("28_set_file_search_path.sql", folder=str(output.parent))
        for view in wanted:
            pattern = views[view]
            hourly = settings.layout == "hourly" and view == "modules"
            runner.execute("29_create_view.sql", view=view, prefix=prefix, pattern=pattern, hourly=hourly)
    finally:
        con.close()
    os.replace(tmp, target)
    state.views = {"prefix": prefix, "views": wanted, "layout": settings.layout}
    state.save()


def _matches(name: str, pattern: str) -> bool:
    return PurePosixPath(name).match(pattern)


def delete_outputs(output: Path, names: list[str]) -> None:
    for name in names:
        path = output / name
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != output and parent.exists() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def open_output(location: Path | str, local: Path) -> LocalOutput | ObjectOutput:
    """The output at `location`: a local folder, or an object store prefix
    (`local`: this machine's folder for its spill, scratch and caches)."""
    if is_remote(location):
        return ObjectOutput(ObjectStore(str(location).rstrip("/")), local)
    return LocalOutput(Path(location).resolve())


def list_published(output: Path | str, *, dataset: str | None = None, date: str | None = None) -> list[str]:
    """Where each published day file of a telemetry output is, through its state."""
    place = open_output(output, Path("."))
    if isinstance(place, LocalOutput) and not (place.work / STATE_NAME).exists():
        raise EtlError(f"no telemetry output in {output} (no {WORK_DIR}/{STATE_NAME})")
    found = []
    for day, files in published_files(place.load_state(), place.text).items():
        if date is not None and day != date:
            continue
        found.extend(
            place for name, place in sorted(files.items()) if dataset is None or name.startswith(f"{dataset}/")
        )
    return found
