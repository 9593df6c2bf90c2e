"""What a telemetry output folder remembers between runs, and its lock.

The state file records, per input file, its size, mtime and the UTC days it
holds, and per output day the input signature that made it and the files
written. A day is recomputed when that signature changes. The lock keeps a
second run off the same output folder.

The file grows with the history (a few MB for months of days), so a run does
not rewrite it after each day: it appends the day's record to a journal
beside it and folds the journal into the file once, at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.core.errors import EtlError
from etl.core.files import write_json_atomic
from etl.core.locking import OutputLock
from etl.core.storage import ObjectStore

STATE_VERSION = 1
WORK_DIR = ".telemetry"
STATE_NAME = "state.json"
LOCK_NAME = "lock"
JOURNAL = "journal"


@dataclass
class State:
    """The state of one output; `store` set when it lives in an object store
    (then `path` only names it in messages)."""

    path: Path | str
    settings: dict[str, Any] = field(default_factory=dict)
    input_root: str = ""
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    quarantined: dict[str, dict[str, Any]] = field(default_factory=dict)
    days: dict[str, dict[str, Any]] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict)
    # The last journal entry folded into the state file.
    journal_seq: int = 0
    # The output's .telemetry/ in an object store: the state is the object
    # state.json, and each journal entry an object of its own under journal/,
    # written with one PUT (S3 has no append).
    store: ObjectStore | None = None
    # Objects no day points to may be left behind (an object store only):
    # set before a run publishes, cleared once they are deleted.
    pending_gc: bool = False
    # Loaded with recover=True from a broken state: what the output holds is
    # unknown, so the run ends by deleting every day file it did not publish.
    recovered: bool = False

    @property
    def journal(self) -> Path:
        path = Path(self.path)
        return path.with_name(path.name + ".journal")

    @classmethod
    def load(cls, path: Path | str, store: ObjectStore | None = None, *, recover: bool = False) -> State:
        """The state at `path`. A broken state file or journal is an error,
        unless `recover` (a full refresh): then it is kept aside as
        `<name>.broken` and the run starts from an empty state."""
        try:
            return cls._load(path, store)
        except EtlError:
            if not recover:
                raise
        state = cls(path, store=store, recovered=True, pending_gc=True)
        state._keep_broken()
        return state

    def _keep_broken(self) -> None:
        """Move the broken state and journal aside (renamed `*.broken`)."""
        if self.store is not None:
            for name in [STATE_NAME, *self.store.list(JOURNAL)]:
                if self.store.stat(name) is not None:
                    self.store.write(f"broken/{name}", self.store.read(name))
            self._drop_journal()
            return
        for path in (Path(self.path), self.journal):
            if path.exists():
                os.replace(path, path.with_name(path.name + ".broken"))

    @classmethod
    def _load(cls, path: Path | str, store: ObjectStore | None = None) -> State:
        data: dict[str, Any] = {}
        text = _read_text(path, store)
        if text is not None:
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise EtlError(
                    f"the run state {path} is unreadable ({exc}); delete it or run with --full-refresh"
                ) from exc
        if data.get("version") != STATE_VERSION:
            state = cls(path, store=store)
            state._drop_journal()
            return state
        state = cls(
            path,
            store=store,
            settings=data.get("settings", {}),
            input_root=data.get("input_root", ""),
            files=data.get("files", {}),
            quarantined=data.get("quarantined", {}),
            days=data.get("days", {}),
            views=data.get("views", {}),
            journal_seq=data.get("journal_seq", 0),
            pending_gc=data.get("pending_gc", False),
        )
        state._replay()
        return state

    def _replay(self) -> None:
        """Apply the journal entries newer than the state file.

        A run killed while appending leaves a last line cut short: that day's
        record is lost, so the day is computed again. Any other broken line
        means the journal was damaged.
        """
        if self.store is not None:
            for entry in self._journal_objects():
                self._apply(entry)
            return
        if not self.journal.exists():
            return
        lines = self.journal.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                if number == len(lines):
                    # Cut short by a kill (the file ends without a newline):
                    # cut it off, or the next entry would append to it.
                    with open(self.journal, "r+b") as fh:
                        fh.truncate(len("\n".join(lines[:-1]).encode("utf-8")) + (1 if number > 1 else 0))
                    break
                raise EtlError(
                    f"the run state journal {self.journal} is broken at line {number}; "
                    "delete it or run with --full-refresh"
                ) from None
            self._apply(entry)

    def _apply(self, entry: dict[str, Any]) -> None:
        if entry["seq"] <= self.journal_seq:
            return
        if entry["record"] is None:
            self.days.pop(entry["day"], None)
        else:
            self.days[entry["day"]] = entry["record"]
        self.journal_seq = entry["seq"]

    def _journal_objects(self) -> list[dict[str, Any]]:
        assert self.store is not None
        names = sorted(n for n in self.store.list(JOURNAL) if n.endswith(".json"))
        entries = []
        for name in names:
            try:
                entries.append(json.loads(self.store.read(name)))
            except ValueError:
                raise EtlError(
                    f"the run state journal {self.store.url_of(name)} is broken; delete it or run with --full-refresh"
                ) from None
        return sorted(entries, key=lambda e: e["seq"])

    def _drop_journal(self, upto: int | None = None) -> None:
        """Forget the journal entries up to `upto` (all of them by default)."""
        if self.store is None:
            self.journal.unlink(missing_ok=True)
            return
        names = sorted(n for n in self.store.list(JOURNAL) if n.endswith(".json"))
        self.store.delete([n for n in names if upto is None or _journal_seq(n) <= upto])

    def save(self) -> None:
        """Write the whole state file, folding in (and then dropping) the journal."""
        data = {
            "version": STATE_VERSION,
            "settings": self.settings,
            "input_root": self.input_root,
            "files": self.files,
            "quarantined": self.quarantined,
            "days": self.days,
            "views": self.views,
            "journal_seq": self.journal_seq,
            "pending_gc": self.pending_gc,
        }
        if self.store is not None:
            self.store.write(STATE_NAME, json.dumps(data, separators=(",", ":"), default=str).encode() + b"\n")
        else:
            write_json_atomic(Path(self.path), data, indent=None)
        # Entries up to journal_seq are in the file now; a kill before they
        # go leaves them behind, and loading skips them.
        self._drop_journal(self.journal_seq)

    def fold_journal(self) -> None:
        """Fold the run's day entries into the state file, if there are any."""
        if self.store is not None:
            if self.store.list(JOURNAL):
                self.save()
        elif self.journal.exists():
            self.save()

    def save_day(self, date: str) -> None:
        """Record one day's entry (or its removal) durably, in time that does
        not grow with the history. In an object store this one PUT is what
        switches the day to its new files."""
        self.journal_seq += 1
        entry = {"seq": self.journal_seq, "day": date, "record": self.days.get(date)}
        text = json.dumps(entry, separators=(",", ":"), default=str) + "\n"
        if self.store is not None:
            self.store.write(f"{JOURNAL}/{self.journal_seq:012d}.json", text.encode())
            return
        with open(self.journal, "a", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())


def _read_text(path: Path | str, store: ObjectStore | None) -> str | None:
    if store is not None:
        if store.stat(STATE_NAME) is None:
            return None
        return store.read(STATE_NAME).decode("utf-8")
    path = Path(path)
    if not path.exists():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise EtlError(f"the run state {path} is unreadable ({exc}); delete it or run with --full-refresh") from exc


def _journal_seq(name: str) -> int:
    return int(name.rsplit("/", 1)[-1].split(".", 1)[0])


def output_lock(output: Path) -> OutputLock:
    """The lock a run holds on a local output folder (.telemetry/lock)."""
    return OutputLock(output / WORK_DIR / LOCK_NAME, output)


def clean_scratch(folder: Path) -> None:
    """Remove what an interrupted run left in its scratch folder."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


class ObjectLock:
    """An exclusive lease on an output in an object store.

    The lock is the object `.telemetry/lock`, created with a conditional PUT
    (`If-None-Match: *`), so of two runs only one gets it. The holder renews
    the lease every third of its length; a run killed without releasing it
    leaves a lease that expires, and the next run takes it over with
    `If-Match` on the stale lock's ETag, so two runs never both take it over.
    A run that could not renew its lease in time (another run took it over)
    stops before it publishes anything more.
    """

    def __init__(self, store: ObjectStore, output: str, lease_seconds: float | None = None) -> None:
        self.store = store
        self.output = output
        self.lease = lease_seconds or float(os.environ.get("ETL_LOCK_LEASE_SECONDS", "60"))
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._etag: str | None = None
        self._lost = False
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _body(self) -> bytes:
        return json.dumps({"owner": self.owner, "expires": time.time() + self.lease}).encode()

    def __enter__(self) -> ObjectLock:
        etag = self.store.put_if(LOCK_NAME, self._body(), absent=True)
        if etag is None:
            current = self.store.get_with_etag(LOCK_NAME)
            if current is not None:
                data, stale_etag = current
                holder = json.loads(data)
                if holder.get("expires", 0) > time.time():
                    raise EtlError(
                        f"another run is writing to {self.output} ({holder.get('owner')}); wait for it to finish"
                    )
                etag = self.store.put_if(LOCK_NAME, self._body(), etag=stale_etag)
            else:
                etag = self.store.put_if(LOCK_NAME, self._body(), absent=True)
            if etag is None:
                raise EtlError(f"another run took the lock on {self.output} just now; wait for it to finish")
        self._etag = etag
        self._renewer = threading.Thread(target=self._renew, name="telemetry-lock", daemon=True)
        self._renewer.start()
        return self

    def _renew(self) -> None:
        while not self._stop.wait(self.lease / 3):
            etag = self.store.put_if(LOCK_NAME, self._body(), etag=self._etag)
            if etag is None:
                self._lost = True
                return
            self._etag = etag

    def check(self) -> None:
        """Raise when the lease was lost: this run must not publish any more."""
        if self._lost:
            raise EtlError(f"lost the lock on {self.output} to another run (the lease ran out); stopping")

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        current = self.store.get_with_etag(LOCK_NAME)
        if current is not None and current[1] == self._etag:
            self.store.delete([LOCK_NAME])
