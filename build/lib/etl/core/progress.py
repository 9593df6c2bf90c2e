"""Progress bars that stay out of the way: off under --quiet and when stderr
is not a terminal (CI logs, pipes, notebooks that capture output)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TypeVar

from tqdm import tqdm

T = TypeVar("T")


def progress(
    iterable: Iterable[T] | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    quiet: bool = False,
) -> tqdm:
    disable = quiet or not sys.stderr.isatty()
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        disable=disable,
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
    )


def say(message: str, *, quiet: bool = False, **kwargs: Any) -> None:
    """One line for the user on stdout, unless --quiet."""
    if not quiet:
        print(message, **kwargs)
