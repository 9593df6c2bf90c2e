"""The shared help formatter, argument types and report wording (etl/core/options.py)."""

from __future__ import annotations

import argparse
import datetime as dt

import pytest

from etl.core.options import HelpFormatter, format_duration, parse_duration, plural


def help_of(*arguments: tuple[str, dict]) -> str:
    parser = argparse.ArgumentParser(prog="x", formatter_class=HelpFormatter)
    for name, options in arguments:
        parser.add_argument(name, **options)
    return " ".join(parser.format_help().split())


def test_a_duration_default_is_shown_as_it_is_typed():
    text = help_of(
        ("--max-gap", {"type": parse_duration, "default": dt.timedelta(seconds=30), "help": "how far"}),
        ("--every", {"type": parse_duration, "default": dt.timedelta(minutes=2), "help": "how often"}),
        ("--keep", {"type": parse_duration, "default": dt.timedelta(hours=1), "help": "how long (%(default)s)"}),
    )
    assert "--max-gap MAX_GAP how far (default: 30s)" in text
    assert "--every EVERY how often (default: 2m)" in text
    assert "--keep KEEP how long (1h)" in text
    assert "0:00:30" not in text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(30, "30s"), (90, "90s"), (120, "2m"), (3600, "1h"), (5400, "90m"), (0.5, "0.5s"), (0, "0s"), (86400, "24h")],
)
def test_format_duration_reads_back_as_the_same_duration(seconds, text):
    value = dt.timedelta(seconds=seconds)
    assert format_duration(value) == text
    assert parse_duration(text) == value


def test_a_help_text_that_states_its_default_gets_no_second_one():
    text = help_of(("--input", {"default": "/abs/samples/x", "help": "the folder (default: the bundled sample)"}))
    assert text.endswith("--input INPUT the folder (default: the bundled sample)")


def test_other_defaults_are_still_shown():
    assert help_of(("--n", {"type": int, "default": 3, "help": "how many"})).endswith("--n N how many (default: 3)")


@pytest.mark.parametrize(
    ("count", "args", "text"),
    [
        (0, ("row",), "0 rows"),
        (1, ("row",), "1 row"),
        (2, ("row",), "2 rows"),
        (1234567, ("row",), "1,234,567 rows"),
        (1, ("purchase row",), "1 purchase row"),
        (3, ("purchase row",), "3 purchase rows"),
        (1, ("entry", "entries"), "1 entry"),
        (2, ("entry", "entries"), "2 entries"),
    ],
)
def test_plural(count, args, text):
    assert plural(count, *args) == text
