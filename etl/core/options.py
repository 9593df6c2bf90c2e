"""Argument types, the help formatter and the report wording every command uses.

They live here, below the pipelines, so that a pipeline's command module
never imports the CLI that loads it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)?\s*$", re.IGNORECASE)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples in epilogs as written and shows defaults, durations
    as they are typed (`30s`, `2m`, `1h`). A help text that already states
    its default (`default:`) is left as it is."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (
            "%(default)" not in text
            and "default:" not in text
            and action.default not in (None, False, argparse.SUPPRESS)
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        if isinstance(action.default, dt.timedelta):
            text = text.replace("%(default)s", format_duration(action.default))
        return text


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 row`, `2 rows`, `12,345 rows`: a count with its noun, singular or
    plural as the count says (`plural_noun` for nouns that do not just add
    an s: `plural(n, "entry", "entries")`)."""
    word = noun if count == 1 else (plural_noun or noun + "s")
    return f"{count:,} {word}"


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_duration(text: str) -> dt.timedelta:
    """`30s`, `2m`, `1h` or plain seconds."""
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (use e.g. 30s, 2m, 1h)")
    number = float(match.group(1))
    unit = (match.group(2) or "s").lower()
    seconds = number * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]
    return dt.timedelta(seconds=seconds)


def format_duration(value: dt.timedelta) -> str:
    """A duration as parse_duration reads it: `30s`, `2m`, `1h`, `90s`, `0.5s`."""
    seconds = value.total_seconds()
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:.6f}".rstrip("0").rstrip(".") + "s"


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def parse_local_time(text: str) -> dt.datetime:
    """A date or date and time without a zone, as a log writes it."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date or time: {text!r} (use YYYY-MM-DD or YYYY-MM-DD hh:mm:ss)"
        ) from None
    if value.tzinfo is not None:
        raise argparse.ArgumentTypeError(f"{text!r}: give the time as written in the logs, without a zone")
    return value


def location(text: str) -> Path | str:
    """A local folder, or an object store location `s3://bucket/prefix` (kept as text)."""
    if text.startswith("s3://"):
        if not text[len("s3://") :].split("/", 1)[0]:
            raise argparse.ArgumentTypeError(f"not an S3 location: {text!r} (expected s3://bucket/prefix)")
        return text
    if "://" in text:
        raise argparse.ArgumentTypeError(f"{text!r}: only local folders and s3:// locations are supported")
    return Path(text)


def settings_from(args: argparse.Namespace, settings: type[T], **values: Any) -> T:
    """A pipeline's Settings from parsed arguments: each field from the argument
    of the same name (a field without one keeps its default), unless `values` gives it."""
    names = {field.name for field in dataclasses.fields(settings)}  # type: ignore[arg-type]
    taken = {name: getattr(args, name) for name in names if hasattr(args, name)}
    return settings(**{**taken, **values})
