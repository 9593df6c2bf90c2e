"""Where the raw input files are: a local folder, or a prefix in an object
store (`s3://bucket/prefix/`). Indexing (inputs.py) asks a source for a
file's size and time, a local file with its footer, and a local copy of
the whole file only when it must read the data.

An object store's parquet files are indexed from their footers alone: the
last bytes of each object are copied into a sparse local file of the same
size, which DuckDB's footer functions read as if it were the file. A
64 MB export then costs a few kB to index.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat as stat_module
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from etl.core.errors import EtlError
from etl.core.storage import FileStat, ObjectStore, is_remote
from etl.pipelines.telemetry.inputs import discover, staged_name, suffix_of

FOOTER_TAIL = 8  # a parquet file ends with the footer's length and b"PAR1"
PREFETCH_THREADS = 16


class LocalInputs:
    """Input files in a local folder (or one local file)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.text = str(root)
        self._paths: dict[str, Path] = {}
        self._stats: dict[str, FileStat] = {}

    def discover(self) -> dict[str, FileStat]:
        self._paths, self._stats, self._problems = {}, {}, {}
        for rel, path in discover(self.root).items():
            try:
                self._stats[rel], problem = _local_stat(path)
            except FileNotFoundError:
                continue  # gone since it was listed: no longer an input
            self._paths[rel] = path
            if problem:
                self._problems[rel] = problem
        return dict(self._stats)

    def problem(self, rel: str) -> str | None:
        return self._problems.get(rel)

    def stat(self, rel: str) -> FileStat:
        return self._stats[rel]

    def prefetch(self, rels: list[str]) -> None:
        """Nothing to fetch: the files are here."""

    def footer_path(self, rel: str) -> Path:
        return self._paths[rel]

    def local_path(self, rel: str) -> Path:
        return self._paths[rel]

    def read_path(self, rel: str) -> str:
        return str(self._paths[rel])


def _local_stat(path: Path) -> tuple[FileStat, str | None]:
    """A listed file's size and time, and why it cannot be read, if it cannot.

    Opening a FIFO would wait for a writer for ever, and a broken link or a
    link loop fails only when read; all three are told apart here, by stat
    alone. A broken link's signature is the link's own, so the quarantine
    ends when the link or its target changes.
    """
    try:
        st = path.stat()
    except OSError as exc:
        link = path.lstat()
        if exc.errno == errno.ELOOP:
            reason = "a symbolic link loop"
        elif isinstance(exc, FileNotFoundError):
            reason = f"a broken symbolic link (to {os.readlink(path)}, which does not exist)"
        else:
            reason = f"cannot be read: {exc.strerror}"
        return FileStat(link.st_size, link.st_mtime_ns), reason
    stat = FileStat(st.st_size, st.st_mtime_ns)
    if stat_module.S_ISREG(st.st_mode):
        return stat, None
    kind = "a FIFO" if stat_module.S_ISFIFO(st.st_mode) else "a socket or device"
    return stat, f"not a regular file ({kind})"


class ObjectInputs:
    """Input files under a prefix of an object store; local copies go to `cache`."""

    def __init__(self, store: ObjectStore, cache: Path) -> None:
        self.store = store
        self.text = store.url
        self.cache = cache
        self._stats: dict[str, FileStat] = {}

    def problem(self, rel: str) -> str | None:
        """An object that is listed can be read."""
        return None

    def discover(self) -> dict[str, FileStat]:
        """Every input object, skipping hidden names (a part starting with a dot), as locally."""
        self.store.check_reachable()
        found = self.store.list()
        self._stats = {
            rel: stat
            for rel, stat in sorted(found.items())
            if suffix_of(rel) and not any(part.startswith(".") for part in rel.split("/"))
        }
        if not self._stats and not found:
            raise EtlError(f"input not found: {self.store.url} (no objects under it)")
        return dict(self._stats)

    def stat(self, rel: str) -> FileStat:
        return self._stats[rel]

    def prefetch(self, rels: list[str]) -> None:
        """Copy the footers of `rels` down, many requests at a time: an object
        store answers each in tens of milliseconds, so one after the other a
        day's hundred new files would take seconds."""
        parquet = [rel for rel in rels if suffix_of(rel) == ".parquet"]
        if len(parquet) > 1:
            with ThreadPoolExecutor(PREFETCH_THREADS, thread_name_prefix="telemetry-footer") as pool:
                list(pool.map(self.footer_path, parquet))

    def _cached(self, kind: str, rel: str) -> Path:
        stat = self._stats[rel]
        digest = hashlib.sha1(f"{rel}\0{stat.size}\0{stat.mtime_ns}".encode()).hexdigest()[:20]
        return self.cache / kind / f"{digest}{suffix_of(rel) or ''}"

    def footer_path(self, rel: str) -> Path:
        path = self._cached("footers", rel)
        if path.exists():
            return path
        size = self._stats[rel].size
        if size < 2 * FOOTER_TAIL:
            return self.local_path(rel)
        tail = self.store.read_range(rel, size - FOOTER_TAIL, FOOTER_TAIL)
        if tail[4:] != b"PAR1":
            return self.local_path(rel)  # not a parquet file: let DuckDB say what it is
        length = struct.unpack("<I", tail[:4])[0] + FOOTER_TAIL
        if length > size:
            return self.local_path(rel)  # a broken footer: DuckDB reads the whole file and says why
        footer = self.store.read_range(rel, size - length, length)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        with open(part, "wb") as fh:
            fh.truncate(size)  # sparse: only the head and the footer take disk
            fh.write(b"PAR1")
            fh.seek(size - length)
            fh.write(footer)
        part.replace(path)
        return path

    def local_path(self, rel: str) -> Path:
        path = self._cached("files", rel)
        if not path.exists():
            self.store.download(rel, path)
        return path

    def read_path(self, rel: str) -> str:
        return self.store.url_of(rel)


class LocalStaging:
    """Staged copies in a local folder (the output's .telemetry/staged/)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def target(self, rel: str) -> Path:
        return self.folder / staged_name(rel)

    def commit(self, rel: str, path: Path) -> str:
        return str(path)

    def remove(self, read_path: str) -> None:
        Path(read_path).unlink(missing_ok=True)


class ObjectStaging:
    """Staged copies uploaded to the output store, so that workers elsewhere can read them."""

    def __init__(self, store: ObjectStore, cache: Path) -> None:
        self.store = store
        self.cache = cache

    def target(self, rel: str) -> Path:
        return self.cache / staged_name(rel)

    def commit(self, rel: str, path: Path) -> str:
        self.store.upload(path, staged_name(rel))
        return self.store.url_of(staged_name(rel))

    def remove(self, read_path: str) -> None:
        prefix = self.store.url + "/"
        if read_path.startswith(prefix):
            self.store.delete([read_path[len(prefix) :]])
        elif not is_remote(read_path):
            Path(read_path).unlink(missing_ok=True)
