"""What a worker copies to build a day when inputs or outputs live in an
object store: the day's input files and, for a patch, the day's published
files come down to its local disk; the files it writes go up.

A day's files in an object store are never overwritten: each build writes
new objects named after the build (`data_0.<build>.parquet` beside where a
local run writes `data_0.parquet`), and the day switches to them in one
PUT of its state record (publishing.py). The build id is a digest of the
day's inputs and settings, so building a day again from the same inputs,
after a lost worker or a killed run, writes the same objects again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from etl.core.storage import ObjectStore, is_remote, split_url
from etl.pipelines.telemetry.days import DayJob


def build_id(date: str, inputs: dict[str, list[int]], fingerprint: dict[str, Any]) -> str:
    """The same inputs and settings give the same id, and so the same object names."""
    text = json.dumps({"date": date, "inputs": inputs, "settings": fingerprint}, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def object_name(name: str, build: str) -> str:
    """Where a day file of build `build` goes in an object store (`name` is its local layout name)."""
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{build}{path.suffix}"))


def scratch_root(job: DayJob) -> Path:
    """The local folder a build writes into: the job's, or this process's own."""
    if job.scratch:
        return Path(job.scratch)
    return Path(tempfile.gettempdir()) / f"etl-telemetry-{os.getpid()}"


def _fetch(url: str, target: Path) -> Path:
    store, name = split_url(url)
    store.download(name, target)
    return target


def local_entries(job: DayJob, folder: Path) -> dict[str, dict[str, Any]]:
    """The job's input entries, each read path on local disk (objects copied into `folder`)."""
    entries = {}
    for rel, entry in job.entries.items():
        read_path = entry["read_path"]
        if is_remote(read_path):
            digest = hashlib.sha1(read_path.encode()).hexdigest()[:20]
            entry = {**entry, "read_path": str(_fetch(read_path, folder / f"{digest}.parquet"))}
        entries[rel] = entry
    return entries


def published_files(job: DayJob, folder: Path) -> Callable[[str], str]:
    """A local path for each of the day's published files, by layout name (a patch reads them)."""
    if not is_remote(job.output):
        return lambda name: str(Path(job.output) / name)
    objects: dict[str, str] = (job.published or {}).get("objects", {})
    store = ObjectStore(job.output)

    def local(name: str) -> str:
        target = folder / name
        if not target.exists():
            store.download(objects[name], target)
        return str(target)

    return local


def deliver(job: DayJob, written: dict[Path, str]) -> dict[str, str]:
    """Hand the day's files over: their location -> layout name. Locally they
    stay where they were written (the planner moves them into place); to an
    object store they are uploaded under the build's names."""
    if not is_remote(job.output):
        return {str(path): name for path, name in written.items()}
    store = ObjectStore(job.output)
    delivered = {}
    for path, name in written.items():
        key = object_name(name, job.build)
        store.upload(path, key)
        delivered[store.url_of(key)] = name
    return delivered
