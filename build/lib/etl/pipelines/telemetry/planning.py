"""Planning: which days to build (their inputs changed), biggest first, and
the loop that hands them to the day builds and publishes what comes back."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from etl.core.errors import EtlError
from etl.core.progress import progress
from etl.pipelines.telemetry.days import DayBrokenFiles, DayJob, day_name
from etl.pipelines.telemetry.indexing import bad_message, quarantine
from etl.pipelines.telemetry.patching import patch_plan
from etl.pipelines.telemetry.publishing import delete_outputs, publish_day
from etl.pipelines.telemetry.state import State
from etl.pipelines.telemetry.summary import RunReport

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings
    from etl.pipelines.telemetry.scheduling import DayBuilds


def reset_if_needed(state: State, settings: Settings, input_root: Path, output: Path) -> None:
    """Forget what made each day when the inputs' root or the settings change."""
    fingerprint = settings.fingerprint()
    if settings.full_refresh or state.settings != fingerprint or state.input_root != str(input_root):
        state.files.clear()
        state.quarantined.clear()
        for record in state.days.values():
            record["inputs"] = None
        if state.settings.get("layout") not in (None, settings.layout):
            for record in state.days.values():
                delete_outputs(output, record.get("outputs", []))
                record["outputs"] = []
    state.settings = fingerprint
    state.input_root = str(input_root)


def day_inputs(state: State) -> dict[int, dict[str, list[int]]]:
    plan: dict[int, dict[str, list[int]]] = {}
    for rel, entry in state.files.items():
        for day in entry["days"]:
            plan.setdefault(day, {})[rel] = [entry["size"], entry["mtime_ns"]]
    return plan


def build_days(
    state: State,
    settings: Settings,
    output: Path,
    report: RunReport,
    start_builds: Callable[[int], DayBuilds],
) -> None:
    """Build every day whose inputs changed, on the builds `start_builds(days)` starts.

    This thread plans each day from the state, publishes what comes back and
    keeps the state; a file quarantined on the way changes the plan, and
    every day it touched (built, building or waiting) is built again.
    """
    plan = day_inputs(state)
    remove_days(state, output, plan, set(), report)
    todo = dirty_days(state, plan, set())
    report.days_unchanged = len(plan) - len(todo)
    if not todo:
        return
    builds = start_builds(len(todo))
    building: set[int] = set()
    bar = progress(total=len(todo), desc="telemetry days", unit="day", quiet=settings.quiet)
    started = time.monotonic()
    # Once a file is quarantined, every later round plans again: a day that
    # was building from that file when it was quarantined is dirty as soon
    # as it is published.
    replan = False
    try:
        while todo or building:
            while todo and len(building) < builds.slots:
                day = todo.pop(0)
                builds.submit(day_job(state, settings, output, day, plan[day]), waiting=len(todo))
                building.add(day)
            for finished in builds.finished():
                building.discard(finished.job.day)
                try:
                    built = finished.result()
                except DayBrokenFiles as exc:
                    if settings.on_bad_file == "fail":
                        raise EtlError(bad_message(exc.bad, settings.input)) from None
                    for item in exc.bad:
                        if item.rel not in state.quarantined:
                            quarantine(state, item, Path(state.input_root) / item.rel, report)
                    state.save()
                    replan = True
                    continue
                publish_day(state, output, built, report)
                bar.update(1)
                elapsed = max(time.monotonic() - started, 1e-9)
                bar.set_postfix_str(f"{report.rows_read / elapsed:,.0f} rows/s")
            if replan:
                # Days built from a file since quarantined are dirty now.
                plan = day_inputs(state)
                remove_days(state, output, plan, building, report)
                todo = dirty_days(state, plan, building)
                builds.waiting(len(todo))
                bar.total = bar.n + len(todo) + len(building)
    except BaseException:
        builds.close(interrupt=True)
        raise
    else:
        builds.close()
    finally:
        bar.close()
    report.days_removed.sort()


def dirty_days(state: State, plan: dict[int, dict[str, list[int]]], busy: set[int]) -> list[int]:
    """The days to build, biggest first: the workers then finish close together."""
    dirty = [d for d in plan if d not in busy and state.days.get(day_name(d), {}).get("inputs") != plan[d]]
    size = {d: sum(state.files[rel]["rows"] / len(state.files[rel]["days"]) for rel in plan[d]) for d in dirty}
    return sorted(dirty, key=lambda d: (-size[d], d))


def remove_days(
    state: State, output: Path, plan: dict[int, dict[str, list[int]]], busy: set[int], report: RunReport
) -> None:
    """Delete the outputs of days that no input holds any more."""
    kept = {day_name(d) for d in plan} | {day_name(d) for d in busy}
    for date in sorted(d for d in state.days if d not in kept):
        delete_outputs(output, state.days[date].get("outputs", []))
        del state.days[date]
        state.save_day(date)
        report.built.pop(date, None)
        if date not in report.days_removed:
            report.days_removed.append(date)


def day_job(state: State, settings: Settings, output: Path, day: int, inputs: dict[str, list[int]]) -> DayJob:
    patch = patch_plan(state, settings, output, day, inputs)
    published = None
    if patch:
        record = state.days[day_name(day)]
        published = {"stats": record["stats"], "outputs": list(record["outputs"])}
    entries = {rel: dict(state.files[rel]) for rel in inputs}
    return DayJob(day, dict(inputs), entries, patch, published)
