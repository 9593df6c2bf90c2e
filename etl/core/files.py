"""File helpers shared by the pipelines: output folders, atomic writes, input discovery, input names."""

from __future__ import annotations

import csv
import json
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from etl.core.errors import EtlError


def ensure_folder(path: Path | str, what: str = "output folder") -> Path:
    """`path` as an existing folder, made (with its parents) when missing.

    A path that cannot be a folder is an EtlError naming it, `what` saying
    which folder it is: "output folder out.csv exists and is not a folder",
    "cannot create output folder /proc/x: No such file or directory".
    """
    path = Path(path)
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        if existing == path:
            raise EtlError(f"{what} {path} exists and is not a folder")
        raise EtlError(f"cannot create {what} {path}: {existing} is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EtlError(f"cannot create {what} {path}: {exc.strerror or exc}") from exc
    return path


@contextmanager
def made_folder(path: Path | str, what: str = "output folder") -> Iterator[Path]:
    """ensure_folder for the block; when the block fails, the folders made
    here are removed again as long as they are empty (nothing else is touched)."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    ensure_folder(path, what)
    try:
        yield path
    except BaseException:
        for folder in missing:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


@contextmanager
def atomic_outputs(*targets: Path) -> Iterator[tuple[Path, ...]]:
    """Temp paths beside `targets`, renamed into place together once the block succeeds.

    A reader sees each target whole, the old one or the new one, never half
    written; when the block fails no target changes and the temps are
    removed. The temps are only named, not created: whatever writes them
    (open(), DuckDB's COPY, matplotlib) makes them with the usual permissions.
    """
    temps = tuple(target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp" for target in targets)
    for target in targets:
        ensure_folder(target.parent)
    try:
        yield temps
        for temp, target in zip(temps, targets, strict=True):
            os.replace(temp, target)
    finally:
        for temp in temps:
            temp.unlink(missing_ok=True)


def write_json_atomic(path: Path, data: Any, *, indent: int | None = 2) -> None:
    """Write JSON so that a reader sees the old file or the new one, never half.

    indent=None writes it compact, which is several times faster for large files.
    """
    separators = None if indent else (",", ":")
    text = json.dumps(data, indent=indent, separators=separators, default=str) + "\n"
    with atomic_outputs(path) as (tmp,), open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def write_csv_atomic(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header and rows as a CSV file, written whole or not at all."""
    with atomic_outputs(path) as (tmp,), open(tmp, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)


def relative_name(path: Path, root: Path) -> str:
    """A file's name relative to the input it was found in (the file's own
    name when the input is that one file), so moving the folder changes nothing."""
    return path.name if root.is_file() else path.relative_to(root).as_posix()


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
