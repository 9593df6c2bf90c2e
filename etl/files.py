"""Small file helpers shared by the pipelines: atomic writes, input discovery."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from etl.errors import EtlError


def write_json_atomic(path: Path, data: Any, *, indent: int | None = 2) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half.

    indent=None writes it compact, which is several times faster for large files.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            separators = None if indent else (",", ":")
            fh.write(json.dumps(data, indent=indent, separators=separators, default=str))
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file 0600; give it the mode a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def discover(root: Path, suffixes: Iterable[str]) -> list[Path]:
    """Every file under `root` (recursively) whose name ends with one of `suffixes`.

    Hidden files and folders (a leading dot) are skipped: they are editors'
    and tools' scratch, never data. The list is sorted for reproducible runs.
    """
    root = Path(root)
    if not root.exists():
        raise EtlError(f"input not found: {root}")
    ends = tuple(s.lower() for s in suffixes)
    if root.is_file():
        if root.name.lower().endswith(ends):
            return [root]
        raise EtlError(f"input {root} is not one of: {', '.join(ends)}")
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith(ends):
                found.append(Path(dirpath) / name)
    return sorted(found)
