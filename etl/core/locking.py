"""One run at a time per output: an exclusive, non-blocking file lock.

Two runs that write the same output at once can both read the old state and
both write (a table created twice, one file from each run); the second run
must stop before it reads or writes anything, and say who holds the output.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from etl.core.errors import EtlError
from etl.core.files import made_folder

_ATTEMPTS = 20


class OutputLock:
    """An exclusive, non-blocking flock on the file `path`, for the output `output`
    (what the error names: a folder, a database file, a location).

    `with OutputLock(path, output):` either holds the lock for the block or raises
    EtlError "another run is writing to OUTPUT (pid N); wait for it to finish",
    N being the holder's process id, which the holder writes into the file. The
    kernel releases a flock when its process dies, so a killed run never leaves a
    stale lock behind (only, at most, the file). The file is removed on release;
    a run that opened the file just before it was removed sees that it holds a
    lock on a file no longer at `path` and tries again, so two runs never hold
    it at once. The folder of `path` is created when missing.
    """

    def __init__(self, path: Path, output: Path | str) -> None:
        self.path = Path(path)
        self.output = output
        self._fd: int | None = None

    def __enter__(self) -> OutputLock:
        for _ in range(_ATTEMPTS):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except FileNotFoundError:  # the folder went away in between: make it again
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                message = f"another run is writing to {self.output} (pid {holder}); wait for it to finish"
                raise EtlError(message) from None
            if not self._still_at_path(fd):  # its holder removed it as we opened it
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
            self._fd = fd
            return self
        raise EtlError(f"cannot lock {self.output}: {self.path} keeps being replaced")

    def _still_at_path(self, fd: int) -> bool:
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (held.st_dev, held.st_ino) == (current.st_dev, current.st_ino)

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            self.path.unlink(missing_ok=True)  # while still held: see the class notes
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


@contextmanager
def locked_output(
    folder: Path, lock_name: str, *, what: str = "output folder", output: Path | str | None = None
) -> Iterator[Path]:
    """The output folder `folder`, made if missing (an error naming it when it
    cannot be), held with an OutputLock on `folder`/`lock_name` for the block.

    `output` is what a lock error names (default: the folder). When the block
    fails, the folders made here are removed again if they are still empty,
    so a failed first run leaves nothing behind.
    """
    with made_folder(folder, what) as path, OutputLock(path / lock_name, output if output is not None else path):
        yield path
