"""What ends a command early: a failure (`EtlError`, one `Error: ...` line and
exit 1) or a stop (`Interrupted`: Ctrl-C or SIGTERM, `Error: interrupted`
and exit 128 + the signal).

A stop has to reach every thread of a run, not only the main one, which is
where Python raises KeyboardInterrupt. `stop()` sets one flag for the whole
process and runs the hooks registered with `on_stop` (the engine's
interrupts every open DuckDB connection): a worker thread then fails its
query in flight and every later one with `Interrupted`, so it ends within a
statement instead of building on. `stop_on_signals()` turns SIGINT and
SIGTERM into such a stop for the command line; it raises Interrupted
where the main thread is, but never inside an import (an extension module
cut short in its set-up can crash the exit) nor in a `deferred_stop` section.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


class EtlError(Exception):
    """A failure the user can act on: bad input, a missing file, a broken SQL step.

    The message must name what was wrong and where (file, line, row); the CLI
    prints it as one line without a traceback unless `--verbose` is given.
    """


class Interrupted(KeyboardInterrupt):
    """The run was told to stop. A KeyboardInterrupt, so that no `except
    Exception` (nor `except EtlError`) takes it for bad input: it goes up
    through every cleanup to the CLI."""

    def __init__(self, signum: int | None = None) -> None:
        super().__init__()
        self.signum = signum or _stop_signal[0] or signal.SIGINT

    @property
    def exit_code(self) -> int:
        """128 + the signal, as a shell reports a process the signal ended."""
        return 128 + self.signum


_stopped = threading.Event()
_stop_signal: list[int] = [0]
_hooks: list[Callable[[], None]] = []
# Sections the signal handler must not raise into (see deferred_stop).
_deferred: list[int] = [0]
# Whether stop_on_signals' handlers are in place (a signal sent again must reach them).
_handling: list[bool] = [False]
# A signal during an import is sent again this often until the import is done.
IMPORT_RETRY_S = 0.05
_IMPORT_FRAMES = ("<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>")


def on_stop(hook: Callable[[], None]) -> None:
    """Run `hook` on every `stop()`; it must not block (it may run in a signal handler)."""
    _hooks.append(hook)


def stop(signum: int = signal.SIGINT) -> None:
    """Stop the process's work: from now on `check_stop()` raises Interrupted
    in every thread, and each hook runs (queries in flight are interrupted)."""
    if not _stopped.is_set():
        _stop_signal[0] = signum
        _stopped.set()
    for hook in list(_hooks):
        hook()


def stopped() -> bool:
    return _stopped.is_set()


def check_stop() -> None:
    """Raise Interrupted once the run was told to stop."""
    if _stopped.is_set():
        raise Interrupted()


def clear_stop() -> None:
    """Let work start again (a new command in the same process)."""
    _stopped.clear()
    _stop_signal[0] = 0


def interrupted_by(exc: BaseException) -> Interrupted | None:
    """The stop behind `exc`, if it is one or was raised because of one.

    DuckDB's Python client turns a KeyboardInterrupt during a query into
    `RuntimeError('Query interrupted')` caused by it; any error raised after
    a stop is taken as its consequence."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        if isinstance(seen, Interrupted):
            return seen
        if isinstance(seen, KeyboardInterrupt):
            return Interrupted(signal.SIGINT)
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return Interrupted() if _stopped.is_set() else None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    stop(signum)
    if _deferred[0]:
        return
    if _importing(frame):
        # An import cut short can leave a C extension half made (DuckDB's
        # then crashes the interpreter's exit): raise once it is done.
        timer = threading.Timer(IMPORT_RETRY_S, _signal_again, (signum,))
        timer.daemon = True
        timer.start()
        return
    raise Interrupted(signum)


def _importing(frame: FrameType | None) -> bool:
    while frame is not None:
        if frame.f_code.co_filename in _IMPORT_FRAMES:
            return True
        frame = frame.f_back
    return False


def _signal_again(signum: int) -> None:
    if _handling[0]:
        os.kill(os.getpid(), signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM stop the work and raise Interrupted in the main
    thread, for as long as the block runs; the previous handlers come back
    after it. Elsewhere than in the main thread, signals are left alone, and
    so is a signal the process was started with ignored (`command &` in a
    script: the terminal's Ctrl-C is not for it)."""
    clear_stop()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [sig for sig in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(sig) is not signal.SIG_IGN]
    previous = {sig: signal.signal(sig, _on_signal) for sig in wanted}
    _handling[0] = True
    try:
        yield
    finally:
        _handling[0] = False
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        clear_stop()


@contextmanager
def deferred_stop() -> Iterator[None]:
    """A section that a signal must not cut in two (starting a cluster whose
    handle only comes back at its end): a signal during it still stops the
    work, but Interrupted is raised when the section ends."""
    _deferred[0] += 1
    try:
        yield
    finally:
        _deferred[0] -= 1
    check_stop()
