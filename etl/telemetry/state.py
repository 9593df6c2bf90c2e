"""What a telemetry output folder remembers between runs, and its lock.

The state file records, per input file, its size, mtime and the UTC days it
holds, and per output day the input signature that made it and the files
written. A day is recomputed when that signature changes. The lock keeps a
second run off the same output folder.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.errors import EtlError
from etl.files import write_json_atomic

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

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EtlError(f"the run state {path} is unreadable ({exc}); delete it or run with --full-refresh") from exc
        if data.get("version") != STATE_VERSION:
            return cls(path)
        return cls(
            path,
            settings=data.get("settings", {}),
            input_root=data.get("input_root", ""),
            files=data.get("files", {}),
            quarantined=data.get("quarantined", {}),
            days=data.get("days", {}),
            views=data.get("views", {}),
        )

    def save(self) -> None:
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
            },
        )


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
