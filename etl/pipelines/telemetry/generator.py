"""Realistic raw telemetry for the bundled sample and the benchmarks.

The SQL in `sql/telemetry/generate/` makes a day of exporter files; this module picks
each day's shape (active windows, a second exporter) and files each output
under `YYYY/MM/DD/` of its export time, as the real exporter does.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import shutil
from pathlib import Path

from etl.core.engine import SqlRunner, connect
from etl.core.errors import EtlError
from etl.core.progress import progress

HOUR = 3600
PRESETS = {
    # Small enough to commit: 2 phases x 2 modules, 4 cells, a few hours a day.
    "sample": {"phases": 2, "modules": 2, "cells": 4, "file_seconds": 300},
    # The full export's shape: 3 x 8 modules, 14 cells, about 5 million rows a
    # day with about 75 % duplicates, about 110 files a day.
    "full": {"phases": 3, "modules": 8, "cells": 14, "file_seconds": 780},
}
# A module's capacity, as the real export's state of charge moves with its
# current (about 68 Ah, the median over 10-minute stretches of its 5 days).
CAPACITY_AH = 70.0
# Days generated from scratch; later days are shifted copies of these. With
# 13 full templates, the one with a second exporter recurs every 13 days:
# 78 days make about 390 million rows, like the full export.
TEMPLATE_DAYS = {"sample": 10_000, "full": 13}
_NAME = re.compile(r"telemetry-export-metrics-\d+-(\d{4})-(\d{2})-(\d{2})-")


def day_shape(preset: str, index: int, rng: random.Random) -> tuple[list[list[int]], int]:
    """The day's active windows ([from, to) seconds of the day) and exporter count."""
    if preset == "sample":
        if index % 2 == 0:
            # a morning burst, a long gap, and a late burst whose last files
            # are exported after midnight (into the next day's folder)
            return [[6 * HOUR, 6 * HOUR + 30 * 60], [23 * HOUR + 40 * 60, 24 * HOUR]], 1
        return [[11 * HOUR, 11 * HOUR + 45 * 60]], 2
    outage = rng.randrange(0, 23) * HOUR
    exporters = 2 if index % 13 == 12 else 1
    return [[0, outage], [outage + HOUR, 24 * HOUR]], exporters


def generate(output: Path, *, start: dt.date, days: int, preset: str = "sample", seed: int = 7) -> dict[str, int]:
    if preset not in PRESETS:
        raise EtlError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    scratch = output / ".generate"
    shutil.rmtree(scratch, ignore_errors=True)
    rng = random.Random(seed)
    con = connect(memory_limit="2GB", temp_directory=scratch / "spill")
    runner = SqlRunner(con, "telemetry/generate")
    files = rows = 0
    try:
        templates: dict[int, list[str]] = {}
        for index in progress(range(days), desc="generating days", unit="day"):
            day = start + dt.timedelta(days=index)
            windows, exporters = day_shape(preset, index, rng)
            day_start = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())
            template = index % TEMPLATE_DAYS[preset]
            if template in templates:
                runner.execute("02_shift_day.sql", {"files": templates[template], "shift_days": index - template})
            else:
                runner.execute(
                    "01_telemetry_day.sql",
                    {
                        "day_start": day_start,
                        "windows": [w for w in windows if w[1] > w[0]],
                        "exporters": exporters,
                        "capacity_ah": CAPACITY_AH,
                        "seed": seed,
                        **{k: v for k, v in PRESETS[preset].items()},
                    },
                )
            made_here = []
            for file_id, name, row_count in runner.fetch("03_list_files.sql"):
                match = _NAME.match(name)
                if not match:
                    raise EtlError(f"generator made an unexpected file name: {name}")
                final = output.joinpath(*match.groups(), f"{name}.parquet")
                if final.exists():
                    raise EtlError(f"generator wrote two files for {final}")
                final.parent.mkdir(parents=True, exist_ok=True)
                part = scratch / f"{name}.parquet"
                runner.execute("04_write_file.sql", {"file_id": file_id}, target=str(part))
                os.replace(part, final)
                made_here.append(str(final))
                files += 1
                rows += row_count
            if template not in templates:
                templates[template] = made_here
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return {"files": files, "rows": rows}
