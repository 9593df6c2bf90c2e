"""Progress bars that stay out of the way: off under --quiet and when stderr
is not a terminal (CI logs, pipes, notebooks that capture output)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from tqdm import tqdm

T = TypeVar("T")


def progress(
    iterable: Iterable[T] | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    quiet: bool = False,
) -> tqdm | NoBar[T]:
    """A tqdm bar on stderr, or NoBar where none would show: tqdm is then
    not imported at all (about 20 ms of a command's start, most of it
    importlib.metadata for tqdm's version), which a scheduled run feels."""
    if quiet or not sys.stderr.isatty():
        return NoBar(iterable, total)
    from tqdm import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
    )


class NoBar(Generic[T]):
    """What the pipelines use of a disabled tqdm bar, drawing nothing."""

    def __init__(self, iterable: Iterable[T] | None = None, total: int | None = None) -> None:
        self.iterable = iterable
        self.total = total
        self.n = 0

    def __iter__(self) -> Iterator[T]:
        return iter(self.iterable or ())

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, text: str = "") -> None:
        pass

    def close(self) -> None:
        pass


def say(message: str, *, quiet: bool = False, **kwargs: Any) -> None:
    """One line for the user on stdout, unless --quiet."""
    if not quiet:
        print(message, **kwargs)
