"""Where a full telemetry run spends its time: the wall seconds of each SQL
step, summed over the run's statements (threads of several days overlap, so
the sum may exceed the run's wall time), from one run inside this process."""

from __future__ import annotations

import collections
import time
from pathlib import Path


def steps(inp: Path, out: Path, top: int = 12) -> None:
    from etl.core import engine
    from etl.pipelines.telemetry.pipeline import Settings, run

    spent: collections.Counter[str] = collections.Counter()
    calls = {"execute": engine.SqlRunner.execute, "fetch": engine.SqlRunner.fetch}

    def timed(original):
        def call(self, name, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, name, *args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return call

    for method, original in calls.items():
        setattr(engine.SqlRunner, method, timed(original))
    try:
        started = time.perf_counter()
        run(Settings(input=inp, output=out, quiet=True))
        wall = time.perf_counter() - started
    finally:
        for method, original in calls.items():
            setattr(engine.SqlRunner, method, original)
    total = sum(spent.values())
    print(f"\n-- where the time goes: one run in this process, {wall:.2f} s wall, {total:.2f} s in SQL steps")
    for name, seconds in spent.most_common(top):
        print(f"{seconds:9.2f} s  {100 * seconds / total:5.1f} %  {name}")
