"""Placing a day's readings: dedupe, learn the signals a worker has not seen,
route each reading to its dataset, name its column, and count the outcome.

A worker keeps a dictionary of the signals it knows (known_signals); once
it holds every signal of a day, the day is deduplicated and placed in one
statement. Unreadable files and non-numeric values raise DayBrokenFiles,
naming the files, so the planner can quarantine them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from etl.core.engine import SqlRunner
from etl.core.errors import EtlError
from etl.pipelines.telemetry.days import DATASETS, DayBrokenFiles, checked_stats
from etl.pipelines.telemetry.inputs import BadFile, find_unreadable

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings


BROKEN_VALUE = "non-numeric value"

UNKNOWN_SIGNAL = "unknown signal"


def place_day(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], rels: list[str], bounds: dict[str, int], settings: Settings
) -> list[tuple]:
    """Dedupe, route and place the readings of `rels` within `bounds`; their counts.

    Once the worker knows signals, the day is deduplicated and placed in one
    statement; a reading of a signal it does not know sends the day the long
    way: dedupe into day_readings, learn the new signals, route and name
    every known signal, place. Leaves day_tags, day_signals and day_placed
    for the writing steps. Raises DayBrokenFiles for unreadable files and
    non-numeric values.
    """
    entries = {rel: entries[rel] for rel in rels}
    files = [e["read_path"] for e in entries.values()]
    params = {"files": files, **bounds}
    counts = None
    [(known,)] = runner.fetch("10_count_known_signals.sql")
    if known:
        _read_day(runner, entries, "16_place_readings.sql", params, one_pass=True)
        counts = runner.fetch("17_count_readings.sql")
        if _has_problem(counts, UNKNOWN_SIGNAL):
            counts = None
    if counts is None:
        _read_day(runner, entries, "11_dedupe_day.sql", params)
        learn_signals(runner, files, bounds)
        runner.execute("14_route_tags.sql")
        runner.execute("15_name_signals.sql", {"text_signals": list(settings.text_signals)})
        runner.execute("16_place_readings.sql", one_pass=False)
        counts = runner.fetch("17_count_readings.sql")
        if _has_problem(counts, UNKNOWN_SIGNAL):
            raise EtlError("internal check failed: a learnt signal is missing from day_signals")
    if _has_problem(counts, BROKEN_VALUE):
        raise DayBrokenFiles(locate_broken(runner, entries, files, bounds))
    return counts


def _has_problem(counts: list[tuple], problem: str) -> bool:
    """Whether the counts of 17_count_readings.sql hold readings with `problem`."""
    return any(row[1] == problem for row in counts)


def _read_day(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], name: str, params: dict[str, Any], **context: Any
) -> None:
    """Run a statement that reads the day's files; a failure names the broken ones."""
    try:
        runner.execute(name, params, **context)
    except EtlError:
        broken = find_unreadable(runner, entries)
        if broken:
            raise DayBrokenFiles(broken) from None
        raise


def learn_signals(runner: SqlRunner, files: list[str], bounds: dict[str, int]) -> None:
    """Teach known_signals the day's new signals, reading as few files as it takes.

    Batches double (4, 8, 16, ... files) and are spread over the day: one
    file holds most signals, but some are only logged part of the day (cell
    voltages may start hours after midnight), so the first batch takes the
    first, middle and quarter files, not the first four.
    """
    files = spread(files)
    start, size = 0, 4
    while start < len(files):
        if not runner.fetch("12_list_new_signals.sql"):
            return
        runner.execute("13_learn_signals.sql", {"files": files[start : start + size], **bounds})
        start, size = start + size, size * 2
    if runner.fetch("12_list_new_signals.sql"):
        raise EtlError("internal check failed: a signal hash of the day was found in none of its files")


def spread(items: list[str]) -> list[str]:
    """`items` reordered so that every prefix covers the list evenly: the
    first, then the middle, then the quarters, and so on."""
    order: list[int] = []
    taken = [False] * len(items)
    step = 1 << max(0, (len(items) - 1).bit_length())
    while step:
        for i in range(0, len(items), step):
            if not taken[i]:
                taken[i] = True
                order.append(i)
        step //= 2
    return [items[i] for i in order]


def locate_broken(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], files: list[str], bounds: dict[str, int]
) -> list[BadFile]:
    rel_of = {e["read_path"]: rel for rel, e in entries.items()}
    rows = runner.fetch(
        "18_locate_broken_values.sql",
        {"files": files, **bounds},
        has_staged=any(e["staged"] for e in entries.values()),
    )
    bad = []
    for file, readings, line, payload_type, value in rows:
        rel = rel_of.get(file, file)
        unit = "line" if entries.get(rel, {}).get("staged") else "row"
        bad.append(
            BadFile(
                rel,
                f"{readings} non-numeric value(s) in numeric signals, first at {unit} {line}: "
                f"{payload_type} = {value!r} (a text signal? add it with --text-signals)",
            )
        )
    return bad


def day_stats(counts: list[tuple]) -> dict[str, Any]:
    placed: dict[str, int] = {name: 0 for name in DATASETS}
    rejected: dict[str, int] = {}
    rows_read = 0
    distinct = 0
    conflicting = counts[0][4] if counts else 0
    for dataset, problem, readings, copies, _ in counts:
        rows_read += copies
        distinct += readings
        if problem is None:
            placed[dataset] += readings
        else:
            rejected[problem] = rejected.get(problem, 0) + readings
    return checked_stats(rows_read, rows_read - distinct, placed, rejected, conflicting)
