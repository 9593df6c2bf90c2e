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
    entries = _only(entries, rels)
    [(known,)] = runner.fetch("10_count_known_signals.sql")
    counts = _place_in_one_pass(runner, entries, bounds) if known else None
    if counts is None:
        _learn_day(runner, entries, bounds, settings)
        counts = _place_learnt(runner, entries, bounds)
    return counts


def place_patch(
    runner: SqlRunner,
    entries: dict[str, dict[str, Any]],
    old_rels: list[str],
    rels: list[str],
    window: dict[str, int],
    settings: Settings,
) -> tuple[list[tuple] | None, list[tuple]]:
    """The counts of a patch window's readings as published (`old_rels`, or
    None without them) and with its late files (`rels`, which hold every
    file of `old_rels`); leaves the tables of place_day for `rels`.

    The window is deduplicated once, and its new signals learnt, before
    either is placed: both placements then take one pass, and `rels` are
    placed from day_readings without reading their files again. (A command
    starts with no signals known: placing the old files first would learn
    their signals, then the late file's, reading every file twice.)
    """
    new = _only(entries, rels)
    _learn_day(runner, new, window, settings)
    before = None
    if old_rels:
        before = _place_in_one_pass(runner, _only(entries, old_rels), window)
        if before is None:
            raise EtlError("internal check failed: a published file of a patched day has a signal its window lacks")
    return before, _place_learnt(runner, new, window)


def _only(entries: dict[str, dict[str, Any]], rels: list[str]) -> dict[str, dict[str, Any]]:
    return {rel: entries[rel] for rel in rels}


def _files(entries: dict[str, dict[str, Any]]) -> list[str]:
    """The paths DuckDB reads the entries' readings from."""
    return [e["read_path"] for e in entries.values()]


def _learn_day(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], bounds: dict[str, int], settings: Settings
) -> None:
    """Dedupe the files into day_readings, learn the signals known_signals
    lacks, and route and name every known signal (day_tags, day_signals)."""
    _read_day(runner, entries, "11_dedupe_day.sql", bounds)
    learn_signals(runner, _files(entries), bounds)
    runner.execute("14_route_tags.sql")
    runner.execute("15_name_signals.sql", {"text_signals": list(settings.text_signals)})


def _place_in_one_pass(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], bounds: dict[str, int]
) -> list[tuple] | None:
    """Dedupe and place the files in one statement; their counts, or None
    when a reading's signal is not known yet."""
    _read_day(runner, entries, "16_place_readings.sql", bounds, one_pass=True)
    counts = runner.fetch("17_count_readings.sql")
    if _has_problem(counts, UNKNOWN_SIGNAL):
        return None
    return _checked(runner, entries, bounds, counts)


def _place_learnt(runner: SqlRunner, entries: dict[str, dict[str, Any]], bounds: dict[str, int]) -> list[tuple]:
    """Place day_readings, once _learn_day has learnt their signals; their counts."""
    runner.execute("16_place_readings.sql", one_pass=False)
    counts = runner.fetch("17_count_readings.sql")
    if _has_problem(counts, UNKNOWN_SIGNAL):
        raise EtlError("internal check failed: a learnt signal is missing from day_signals")
    return _checked(runner, entries, bounds, counts)


def _checked(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], bounds: dict[str, int], counts: list[tuple]
) -> list[tuple]:
    """`counts`, unless a numeric signal has a non-numeric value: DayBrokenFiles."""
    if _has_problem(counts, BROKEN_VALUE):
        raise DayBrokenFiles(locate_broken(runner, entries, bounds))
    return counts


def _has_problem(counts: list[tuple], problem: str) -> bool:
    """Whether the counts of 17_count_readings.sql hold readings with `problem`."""
    return any(row[1] == problem for row in counts)


def _read_day(
    runner: SqlRunner, entries: dict[str, dict[str, Any]], name: str, bounds: dict[str, int], **context: Any
) -> None:
    """Run a statement that reads the entries' files within `bounds`; a
    failure names the broken ones."""
    try:
        runner.execute(name, {"files": _files(entries), **bounds}, **context)
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


def locate_broken(runner: SqlRunner, entries: dict[str, dict[str, Any]], bounds: dict[str, int]) -> list[BadFile]:
    rel_of = {e["read_path"]: rel for rel, e in entries.items()}
    rows = runner.fetch(
        "18_locate_broken_values.sql",
        {"files": _files(entries), **bounds},
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
