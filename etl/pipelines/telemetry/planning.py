"""Planning: which days to build (their inputs changed), biggest first, and
the loop that hands them to the day builds and publishes what comes back.

A run plans one system or, with `--fleet`, many: every system keeps its own
output, state and report, and all their days share one queue of builds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from etl.core.errors import EtlError
from etl.core.progress import progress
from etl.pipelines.telemetry.days import DayBrokenFiles, DayJob, date_span, day_name
from etl.pipelines.telemetry.indexing import bad_message, quarantine
from etl.pipelines.telemetry.patching import patch_plan
from etl.pipelines.telemetry.publishing import LocalOutput, ObjectOutput, publish_day
from etl.pipelines.telemetry.state import State
from etl.pipelines.telemetry.summary import RunReport
from etl.pipelines.telemetry.transfer import build_id

if TYPE_CHECKING:
    from etl.pipelines.telemetry.pipeline import Settings
    from etl.pipelines.telemetry.scheduling import DayBuilds

Plan = dict[int, dict[str, list[int]]]


@dataclass
class SystemRun:
    """One system's part of a run: its settings, output, state and report."""

    name: str  # "" for a run over one system
    settings: Settings
    output: LocalOutput | ObjectOutput
    state: State
    report: RunReport


def reset_if_needed(state: State, settings: Settings, input_root: str, output: LocalOutput | ObjectOutput) -> None:
    """Forget what made each day when the inputs' root or the settings change."""
    fingerprint = settings.fingerprint()
    if settings.full_refresh or state.settings != fingerprint or state.input_root != input_root:
        state.files.clear()
        state.quarantined.clear()
        for record in state.days.values():
            record["inputs"] = None
        if state.settings.get("layout") not in (None, settings.layout):
            for record in state.days.values():
                output.remove(state, record)
                record["outputs"] = []
                record.pop("objects", None)
    state.settings = fingerprint
    state.input_root = input_root


def day_inputs(state: State) -> Plan:
    plan: Plan = {}
    for rel, entry in state.files.items():
        for day in entry["days"]:
            plan.setdefault(day, {})[rel] = [entry["size"], entry["mtime_ns"]]
    return plan


def build_days(systems: list[SystemRun], start_builds: Callable[[int], DayBuilds], *, quiet: bool) -> None:
    """Build every day whose inputs changed, on the builds `start_builds(days)` starts.

    This thread plans each day from its system's state, publishes what comes
    back and keeps the states; a file quarantined on the way changes its
    system's plan, and every day it touched (built, building or waiting) is
    built again.
    """
    by_name = {system.name: system for system in systems}
    plans = {system.name: day_inputs(system.state) for system in systems}
    todo: list[tuple[str, int]] = []
    for system in systems:
        check_removal(system, plans[system.name])
    for system in systems:
        remove_days(system, plans[system.name], set())
        dirty = dirty_days(system.state, plans[system.name], set())
        system.report.days_unchanged = len(plans[system.name]) - len(dirty)
        todo.extend((system.name, day) for day in dirty)
    if not todo:
        return
    todo = biggest_first(by_name, plans, todo)
    builds = start_builds(len(todo))
    building: set[tuple[str, int]] = set()
    bar = progress(total=len(todo), desc="telemetry days", unit="day", quiet=quiet)
    started = time.monotonic()
    # Once a system has a file quarantined, every later round plans it
    # again: a day that was building from that file when it was quarantined
    # is dirty as soon as it is published.
    replan: set[str] = set()
    try:
        while todo or building:
            while todo and len(building) < builds.slots:
                name, day = todo.pop(0)
                builds.submit(day_job(by_name[name], day, plans[name][day]), waiting=len(todo))
                building.add((name, day))
            for finished in builds.finished():
                system = by_name[finished.job.system]
                building.discard((system.name, finished.job.day))
                try:
                    built = finished.result()
                except DayBrokenFiles as exc:
                    if system.settings.on_bad_file == "fail":
                        raise EtlError(bad_message(exc.bad, system.settings.input)) from None
                    for item in exc.bad:
                        if item.rel not in system.state.quarantined:
                            staging = system.output.staging()
                            quarantine(system.state, item, system.state.files[item.rel], system.report, staging)
                    system.state.save()
                    replan.add(system.name)
                    continue
                publish_day(system.state, system.output, built, system.report)
                bar.update(1)
                elapsed = max(time.monotonic() - started, 1e-9)
                rows = sum(s.report.rows_read for s in systems)
                bar.set_postfix_str(f"{rows / elapsed:,.0f} rows/s")
            if replan:
                # Days built from a file since quarantined are dirty now.
                others = [item for item in todo if item[0] not in replan]
                fresh: list[tuple[str, int]] = []
                for name in sorted(replan):
                    system = by_name[name]
                    busy = {day for owner, day in building if owner == name}
                    plans[name] = day_inputs(system.state)
                    remove_days(system, plans[name], busy)
                    fresh.extend((name, day) for day in dirty_days(system.state, plans[name], busy))
                todo = biggest_first(by_name, plans, others + fresh)
                builds.waiting(len(todo))
                bar.total = bar.n + len(todo) + len(building)
    except BaseException:
        builds.close(interrupt=True)
        raise
    else:
        builds.close()
    finally:
        bar.close()
    for system in systems:
        system.report.days_removed.sort()


def day_size(state: State, inputs: dict[str, list[int]]) -> float:
    return sum(state.files[rel]["rows"] / len(state.files[rel]["days"]) for rel in inputs)


def dirty_days(state: State, plan: Plan, busy: set[int]) -> list[int]:
    """The days to build, biggest first: the workers then finish close together."""
    dirty = [d for d in plan if d not in busy and state.days.get(day_name(d), {}).get("inputs") != plan[d]]
    size = {d: day_size(state, plan[d]) for d in dirty}
    return sorted(dirty, key=lambda d: (-size[d], d))


def biggest_first(
    systems: dict[str, SystemRun], plans: dict[str, Plan], todo: list[tuple[str, int]]
) -> list[tuple[str, int]]:
    size = {(name, day): day_size(systems[name].state, plans[name][day]) for name, day in todo}
    return sorted(todo, key=lambda item: (-size[item], item[1], item[0]))


def check_removal(system: SystemRun, plan: Plan) -> None:
    """Stop before deleting all or most of the published days.

    A day whose input files are all gone is deleted, and the report names
    it. When that is more than half of the history, the likelier cause is a
    wrong --input or an emptied folder: then only --allow-removal deletes.
    """
    kept = {day_name(d) for d in plan}
    gone = sorted(d for d in system.state.days if d not in kept)
    if not gone or system.settings.allow_removal or len(gone) * 2 <= len(system.state.days):
        return
    of = f" of system {system.name}" if system.name else ""
    raise EtlError(
        f"{len(gone)} of the {len(system.state.days)} published days{of} ({date_span(gone)}) have no input "
        f"file under {system.settings.input} any more; nothing was deleted. Check --input, or pass "
        "--allow-removal to delete those days"
    )


def remove_days(system: SystemRun, plan: Plan, busy: set[int]) -> None:
    """Delete the outputs of days that no input holds any more."""
    state, report = system.state, system.report
    kept = {day_name(d) for d in plan} | {day_name(d) for d in busy}
    for date in sorted(d for d in state.days if d not in kept):
        system.output.remove(state, state.days[date])
        del state.days[date]
        state.save_day(date)
        report.built.pop(date, None)
        if date not in report.days_removed:
            report.days_removed.append(date)


def day_job(system: SystemRun, day: int, inputs: dict[str, list[int]]) -> DayJob:
    state, settings, output = system.state, system.settings, system.output
    patch = patch_plan(state, settings, output, day, inputs)
    published = None
    if patch:
        record = state.days[day_name(day)]
        published = {"stats": record["stats"], "outputs": list(record["outputs"]), "objects": record.get("objects")}
    entries = {rel: dict(state.files[rel]) for rel in inputs}
    return DayJob(
        day,
        dict(inputs),
        entries,
        patch,
        published,
        output=output.text,
        scratch=output.scratch,
        build=build_id(day_name(day), dict(inputs), settings.fingerprint()),
        system=system.name,
    )
