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

import fcntl
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.core.errors import EtlError
from etl.core.files import write_json_atomic

STATE_VERSION = 1
WORK_DIR = ".telemetry"


@dataclass
class State:
    path: Path
    settings: dict[str, Any] = field(default_factory=dict)
    input_root: str = ""
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    quarantined: dict[str, dict[str, Any]] = field(default_factory=dict)
    days: dict[str, dict[str, Any]] = field(default_factory=dict)
    views: dict[str, Any] = field(default_factory=dict)
    # The last journal entry folded into the state file.
    journal_seq: int = 0

    @property
    def journal(self) -> Path:
        return self.path.with_name(self.path.name + ".journal")

    @classmethod
    def load(cls, path: Path) -> State:
        data: dict[str, Any] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise EtlError(
                    f"the run state {path} is unreadable ({exc}); delete it or run with --full-refresh"
                ) from exc
        if data.get("version") != STATE_VERSION:
            state = cls(path)
            state.journal.unlink(missing_ok=True)
            return state
        state = cls(
            path,
            settings=data.get("settings", {}),
            input_root=data.get("input_root", ""),
            files=data.get("files", {}),
            quarantined=data.get("quarantined", {}),
            days=data.get("days", {}),
            views=data.get("views", {}),
            journal_seq=data.get("journal_seq", 0),
        )
        state._replay()
        return state

    def _replay(self) -> None:
        """Apply the journal entries newer than the state file.

        A run killed while appending leaves a last line cut short: that day's
        record is lost, so the day is computed again. Any other broken line
        means the journal was damaged.
        """
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
                    break  # cut short by a kill; the file ends without a newline
                raise EtlError(
                    f"the run state journal {self.journal} is broken at line {number}; "
                    "delete it or run with --full-refresh"
                ) from None
            if entry["seq"] <= self.journal_seq:
                continue
            if entry["record"] is None:
                self.days.pop(entry["day"], None)
            else:
                self.days[entry["day"]] = entry["record"]
            self.journal_seq = entry["seq"]

    def save(self) -> None:
        """Write the whole state file, folding in (and then dropping) the journal."""
        write_json_atomic(
            self.path,
            {
                "version": STATE_VERSION,
                "settings": self.settings,
                "input_root": self.input_root,
                "files": self.files,
                "quarantined": self.quarantined,
                "days": self.days,
                "views": self.views,
                "journal_seq": self.journal_seq,
            },
            indent=None,
        )
        # Entries up to journal_seq are in the file now; a kill before this
        # unlink leaves them behind, and loading skips them.
        self.journal.unlink(missing_ok=True)

    def fold_journal(self) -> None:
        """Fold the run's day entries into the state file, if there are any."""
        if self.journal.exists():
            self.save()

    def save_day(self, date: str) -> None:
        """Record one day's entry (or its removal) durably, in time that does
        not grow with the history."""
        self.journal_seq += 1
        entry = {"seq": self.journal_seq, "day": date, "record": self.days.get(date)}
        with open(self.journal, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, separators=(",", ":"), default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


class OutputLock:
    """An exclusive, non-blocking lock on an output folder.

    flock is released by the kernel when the process dies, so a killed run
    never leaves a stale lock behind.
    """

    def __init__(self, output: Path) -> None:
        self.path = output / WORK_DIR / "lock"
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise EtlError(
                f"another run is writing to {self.path.parent.parent} (pid {holder}); wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def clean_scratch(folder: Path) -> None:
    """Remove what an interrupted run left in its scratch folder."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
